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
 *
 * The migration rehearsal has a network of its own (rehearsalNetwork): its
 * tasks reach only the copy, which admits only them, and no rule of the real
 * database admits them.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { AWS_TAGS, PURPOSE_TAG, STEP_PURPOSES } from "../contracts/markers";
import type { TaskEgressRule } from "./config";
import { exceptionTags, ruleDescription } from "./tags";

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

/** The egress rules of a task security group (`databaseDescription`: what its database rule says it reaches). */
export function taskEgressRules(
  access: TaskAccess,
  databaseDescription = "the database",
): aws.types.input.ec2.SecurityGroupEgress[] {
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
              : { securityGroups: [database.securityGroupId], description: databaseDescription }),
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

/** The rehearsal's groups: its tasks', its copy's, and the copy's one ingress rule. */
export interface RehearsalNetwork {
  /** The rehearsal tasks run in this group alone: HTTPS out, the copy on the database port, nothing else. */
  readonly taskGroup: aws.ec2.SecurityGroup;
  /** The copy is restored into this group: it admits the task group on the database port, nobody else. */
  readonly copyGroup: aws.ec2.SecurityGroup;
  readonly copyIngress: aws.vpc.SecurityGroupIngressRule;
}

/**
 * The migration rehearsal's network (`${name}-rehearsal-sg`,
 * `${name}-rehearsal-db-sg`, `${name}-rehearsal-db-ingress`): created once
 * with the stack, not at run time, so that preview shows them and the pack
 * judges them (database-ingress-from-app refuses a real database that admits
 * the task group). The task group gets no ingress rule on the real database,
 * and its egress names the copy group only, so a connection setting the
 * rewrite missed cannot reach the real database either way (one it owns, or
 * an existing one admitting the VPC's range). `taskEgress` rules that could
 * reach a database port (the same port) are left out of it. Undefined
 * without a database.
 */
export function rehearsalNetwork(
  name: string,
  args: { readonly app: string; readonly vpcId: pulumi.Input<string>; readonly access: TaskAccess },
  opts: pulumi.CustomResourceOptions,
): RehearsalNetwork | undefined {
  const database = args.access.database;
  if (database === undefined) return undefined;
  const tags = { [AWS_TAGS.app]: args.app, [PURPOSE_TAG]: STEP_PURPOSES.rehearsal };
  const copyGroup = new aws.ec2.SecurityGroup(
    `${name}-db-sg`,
    { vpcId: args.vpcId, description: `bluegreen ${args.app} rehearsal copy: the rehearsal tasks only`, tags },
    opts,
  );
  const extraEgress = args.access.extraEgress.filter(
    (rule) => !(rule.port <= database.port && database.port <= (rule.toPort ?? rule.port)),
  );
  const access: TaskAccess = {
    ...args.access,
    database: { port: database.port, securityGroupId: copyGroup.id, existing: false },
    extraEgress,
  };
  const taskGroup = new aws.ec2.SecurityGroup(
    `${name}-sg`,
    {
      vpcId: args.vpcId,
      description: `bluegreen ${args.app} migration rehearsal tasks: outbound only`,
      egress: taskEgressRules(access, "the rehearsal copy"),
      tags: { ...tags, ...exceptionTags(egressException(access)) },
    },
    opts,
  );
  const copyIngress = new aws.vpc.SecurityGroupIngressRule(
    `${name}-db-ingress`,
    {
      securityGroupId: copyGroup.id,
      referencedSecurityGroupId: taskGroup.id,
      ipProtocol: "tcp",
      fromPort: database.port,
      toPort: database.port,
      description: ruleDescription(`bluegreen ${args.app}: the rehearsal tasks to their copy`),
      tags,
    },
    opts,
  );
  return { taskGroup, copyGroup, copyIngress };
}
