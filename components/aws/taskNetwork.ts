/**
 * What a Fargate task of the app may reach, the same for the colors and the
 * migration task, and the rule that lets it into the database the stack owns.
 *
 * Egress stays open on TCP 443 to anywhere: image pulls (ECR and its S3
 * layers), Secrets Manager or SSM at task start and CloudWatch Logs are
 * public endpoints whose addresses change, and the app's own HTTPS calls go
 * the same way. The database is reached on its port only: its security group
 * when the stack owns it, the VPC's CIDR for an existing one. Anything else
 * is a `bluegreen:network.taskEgress` rule with its reason. DNS, the time
 * service and the task metadata endpoint are not filtered by security groups.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { AWS_TAGS } from "../contracts/markers";
import type { TaskEgressRule } from "./config";
import { ruleDescription } from "./tags";

/** How the tasks reach the database. */
export interface DatabaseAccess {
  readonly port: number;
  /** The security group of the instances the stack owns (created or restored): each client gets an ingress rule there. */
  readonly securityGroupId?: pulumi.Input<string>;
  /** `database.mode: existing`: the app uses a database the stack does not own, reached inside the VPC. */
  readonly existing: boolean;
}

export interface TaskAccess {
  readonly vpcCidr: pulumi.Input<string>;
  /** Undefined when the app has no `bluegreen:database`. */
  readonly database?: DatabaseAccess;
  /** `bluegreen:network.taskEgress`. The config's default: []. */
  readonly extraEgress: readonly TaskEgressRule[];
}

const HTTPS_EGRESS = {
  protocol: "tcp",
  fromPort: 443,
  toPort: 443,
  cidrBlocks: ["0.0.0.0/0"],
  description: "HTTPS: ECR image pulls, Secrets Manager and SSM, CloudWatch Logs, the app's HTTPS calls",
};

/** The egress rules of a task security group. */
export function taskEgressRules(access: TaskAccess): aws.types.input.ec2.SecurityGroupEgress[] {
  const { database } = access;
  const toDatabase: aws.types.input.ec2.SecurityGroupEgress[] =
    database === undefined
      ? []
      : [
          {
            protocol: "tcp",
            fromPort: database.port,
            toPort: database.port,
            ...(database.existing || database.securityGroupId === undefined
              ? { cidrBlocks: [access.vpcCidr], description: "the existing database, inside the VPC" }
              : { securityGroups: [database.securityGroupId], description: "the database" }),
          },
        ];
  return [
    HTTPS_EGRESS,
    ...toDatabase,
    ...access.extraEgress.map((rule) => ({
      protocol: rule.protocol,
      fromPort: rule.port,
      toPort: rule.toPort ?? rule.port,
      cidrBlocks: rule.cidrBlocks,
      description: ruleDescription(`bluegreen:network.taskEgress: ${rule.reason}`),
    })),
  ];
}

/** The reasons of the `taskEgress` rules, tagged on the task security group (the pack honors them); none without such rules. */
export function egressException(access: TaskAccess): string | undefined {
  return access.extraEgress.length === 0 ? undefined : access.extraEgress.map((rule) => rule.reason).join(" / ");
}

/**
 * The database's ingress rule for one client security group (a color's
 * tasks, the migration task), when the stack owns the database; a rule of
 * its own, so each client adds its access without the database component
 * knowing the clients in advance.
 */
export function databaseIngress(
  name: string,
  args: { readonly app: string; readonly access: TaskAccess; readonly clientSecurityGroupId: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
): aws.vpc.SecurityGroupIngressRule | undefined {
  const database = args.access.database;
  if (database?.securityGroupId === undefined) return undefined;
  return new aws.vpc.SecurityGroupIngressRule(
    name,
    {
      securityGroupId: database.securityGroupId,
      referencedSecurityGroupId: args.clientSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: database.port,
      toPort: database.port,
      description: ruleDescription(`bluegreen ${args.app}: ${name}`),
      tags: { [AWS_TAGS.app]: args.app },
    },
    opts,
  );
}
