/**
 * The migration as a one-off Fargate task: its own task definition (the
 * migration image and command) and a run that must exit 0, rehearsed first on
 * a copy restored from the snapshot (`bluegreen:migration.rehearse`) and
 * followed by its checks (`bluegreen:migration.validate`). The run happens
 * once per migration version; the release flow orders it after the snapshot
 * and before the candidate color, its gate and the listener, which wait for
 * this whole component (checks included).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AWS_TAGS } from "../contracts/markers";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import type { MigrationConfig } from "../config/schema";
import {
  LOCK_TIMEOUT_EXIT_CODE,
  lockRetryCommand,
  migrationSession,
  migrationSessionEnv,
  sessionSettings,
} from "../migrationSessions";
import { childOptions } from "../options";
import { childName } from "../naming";
import type { EcsPlacement } from "./cluster";
import { EcsMigration } from "./ecsMigration";
import { EcsMigrationChecks } from "./migrationChecks";
import { RdsRehearsal } from "./rdsRehearsal";
import { exceptionTags } from "./tags";
import { ContainerHardening, containerDefinitions, taskVolumes } from "./taskDefinition";
import { databaseIngress, egressException, rehearsalNetwork, taskEgressRules } from "./taskNetwork";

export interface MigrationTaskArgs extends EcsPlacement {
  readonly app: string;
  readonly migration: MigrationConfig;
  /** Same secrets as the app (the database URL, typically). */
  readonly secrets: Record<string, string>;
  readonly env: Record<string, string>;
  /** The candidate color's user and root filesystem: the migration image ships with that release. */
  readonly hardening: ContainerHardening;
  /**
   * With `bluegreen:migration.rehearse`: the real database (instance identifier) and the
   * pre-migration snapshot the rehearsal restores. @default none (no rehearsal)
   */
  readonly rehearsal?: { readonly sourceInstance: string; readonly snapshotId: string };
}

export class MigrationTask extends pulumi.ComponentResource {
  readonly taskArn: pulumi.Output<string>;
  /** The task's security group: what an existing database must admit. */
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: MigrationTaskArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsMigrationTask, name, {}, opts);
    const parent = childOptions(this, opts.dependsOn);
    const containerName = `${args.app}-migrate`;
    // Every session of the migration (its checks' too) gives up on a lock after lockTimeoutSeconds: PGOPTIONS for
    // libpq clients; the migration role is the user's, so ALTER ROLE is theirs to run (docs/migration-locks.md).
    // A transactional migration runs in the lock-timeout wrapper, which runs it again after a lock timeout.
    const session = migrationSession(args.migration);
    const command = session.transactional ? lockRetryCommand(args.migration.command) : args.migration.command;
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
            env: {
              ...args.env,
              MIGRATION_VERSION: args.migration.version,
              ...migrationSessionEnv(session, args.env, { wrapped: session.transactional }),
            },
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
    const { migration } = args;
    const target = {
      region: args.region,
      cluster: args.clusterArn,
      taskDefinitionArn: taskDefinition.arn,
      containerName,
      subnetIds: args.privateSubnetIds,
      securityGroupIds: [securityGroup.id],
      migrationVersion: migration.version,
      timeoutSeconds: migration.timeoutSeconds,
      logGroup: args.logGroupName,
      logStreamPrefix,
    };
    // The tasks must reach the database they migrate.
    const reach = [opts.dependsOn, ...(databaseAccess ? [databaseAccess] : [])];
    // The rehearsal reaches only its copy: groups of its own, which no rule of the real database admits (taskNetwork.ts).
    const rehearsalGroups = args.rehearsal && rehearsalNetwork(childName(name, "rehearsal"), args, parent);
    const rehearsal =
      args.rehearsal &&
      rehearsalGroups &&
      new RdsRehearsal(
        childName(name, "rehearsal"),
        {
          ...target,
          securityGroupIds: [rehearsalGroups.taskGroup.id],
          copySecurityGroupIds: [rehearsalGroups.copyGroup.id],
          app: args.app,
          migrationVersion: migration.version,
          command,
          checks: migration.validate,
          ...args.rehearsal,
        },
        childOptions(this, [opts.dependsOn, rehearsalGroups.copyIngress]),
      );
    const run = new EcsMigration(
      childName(name, "run"),
      {
        ...target,
        command,
        schemaChange: { reversible: migration.reversible, breaking: migration.breaking },
        ...(session.transactional
          ? {
              lockRetry: {
                lockTimeout: sessionSettings(session).lock_timeout,
                attempts: session.retryDelaysSeconds.length + 1,
                exitCode: LOCK_TIMEOUT_EXIT_CODE,
              },
            }
          : {}),
      },
      childOptions(this, [...reach, ...(rehearsal ? [rehearsal] : [])]),
    );
    if (migration.validate.length > 0) {
      new EcsMigrationChecks(
        childName(name, "checks"),
        { ...target, checks: migration.validate },
        childOptions(this, [run]),
      );
    }
    this.taskArn = run.taskArn;
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({ taskArn: this.taskArn, securityGroupId: this.securityGroupId });
  }
}
