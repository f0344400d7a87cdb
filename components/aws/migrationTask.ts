/**
 * The migration as a one-off Fargate task: its own task definition (the
 * migration image and command) and a run that must exit 0. The run happens
 * once per migration version; the release flow orders it after the snapshot
 * and before the candidate color, its gate and the listener.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AWS_TAGS } from "../contracts/markers";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import type { MigrationConfig } from "../config/schema";
import { childOptions } from "../options";
import { childName } from "../naming";
import type { EcsPlacement } from "./cluster";
import { EcsMigration } from "./ecsMigration";
import { exceptionTags } from "./tags";
import { ContainerHardening, containerDefinitions, taskVolumes } from "./taskDefinition";
import { databaseIngress, egressException, taskEgressRules } from "./taskNetwork";

export interface MigrationTaskArgs extends EcsPlacement {
  readonly app: string;
  readonly migration: MigrationConfig;
  /** Same secrets as the app (the database URL, typically). */
  readonly secrets: Record<string, string>;
  readonly env: Record<string, string>;
  /** The candidate color's user and root filesystem: the migration image ships with that release. */
  readonly hardening: ContainerHardening;
}

export class MigrationTask extends pulumi.ComponentResource {
  readonly taskArn: pulumi.Output<string>;
  /** The task's security group: what an existing database must admit. */
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: MigrationTaskArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsMigrationTask, name, {}, opts);
    const parent = childOptions(this, opts.dependsOn);
    const containerName = `${args.app}-migrate`;
    const logStreamPrefix = "migration";
    const securityGroup = new aws.ec2.SecurityGroup(
      childName(name, "sg"),
      {
        vpcId: args.vpcId,
        description: `bluegreen ${args.app} migration task: outbound only`,
        egress: taskEgressRules(args.access),
        tags: { [AWS_TAGS.app]: args.app, ...exceptionTags(egressException(args.access)) },
      },
      parent,
    );
    const databaseAccess = databaseIngress(
      childName(name, "db-ingress"),
      { app: args.app, access: args.access, clientSecurityGroupId: securityGroup.id },
      parent,
    );
    const taskDefinition = new aws.ecs.TaskDefinition(
      childName(name, "task"),
      {
        family: containerName,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        executionRoleArn: args.executionRoleArn,
        volumes: taskVolumes(args.hardening),
        containerDefinitions: pulumi.output(args.logGroupName).apply((logGroup) =>
          containerDefinitions({
            name: containerName,
            image: args.migration.image,
            command: args.migration.command,
            env: { ...args.env, MIGRATION_VERSION: args.migration.version },
            secrets: args.secrets,
            logGroup,
            region: args.region,
            logStreamPrefix,
            hardening: args.hardening,
          }),
        ),
        ...(args.hardening.securityException === undefined
          ? {}
          : { tags: exceptionTags(args.hardening.securityException) }),
      },
      parent,
    );
    const run = new EcsMigration(
      childName(name, "run"),
      {
        region: args.region,
        cluster: args.clusterArn,
        taskDefinitionArn: taskDefinition.arn,
        containerName,
        command: args.migration.command,
        subnetIds: args.privateSubnetIds,
        securityGroupIds: [securityGroup.id],
        migrationVersion: args.migration.version,
        timeoutSeconds: args.migration.timeoutSeconds,
        logGroup: args.logGroupName,
        logStreamPrefix,
      },
      // The task must reach the database it migrates.
      childOptions(this, [opts.dependsOn, ...(databaseAccess ? [databaseAccess] : [])]),
    );
    this.taskArn = run.taskArn;
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({ taskArn: this.taskArn, securityGroupId: this.securityGroupId });
  }
}
