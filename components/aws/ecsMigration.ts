/**
 * The AWS migration run: a one-off Fargate task that must exit 0 before the
 * release goes on. A dynamic provider, so that `pulumi up` itself waits for
 * the task and fails with its exit code, stop reason and log location.
 *
 * Runs once per migration version: Diff reports a change only when
 * `migrationVersion` changes, and RunTask carries a clientToken derived from
 * cluster + version, so a retried create attaches to the task already started
 * instead of starting a second one. See docs/migrations-aws.md.
 */
import * as pulumi from "@pulumi/pulumi";
import type { SchemaChange } from "../contracts/markers";
import { DYNAMIC_TYPES } from "../contracts/resourceTypes";
import { EcsTaskTarget, runEcsTask } from "./ecsTaskRun";
import { checkMigrationInputs, migrationClientToken } from "./migrationInputs";
import type { MigrationRecord } from "./migrationOutcome";

/** Plain inputs as the provider receives them. */
export interface EcsMigrationInputs extends EcsTaskTarget {
  command?: string[];
  migrationVersion: string;
  schemaChange?: SchemaChange;
}

/** The migration task of this version: its clientToken makes a retried create attach to the task already started. */
function runMigration(inputs: EcsMigrationInputs): Promise<MigrationRecord> {
  return runEcsTask(inputs, {
    migrationVersion: inputs.migrationVersion,
    clientToken: migrationClientToken(inputs.cluster, inputs.migrationVersion),
    ...(inputs.command ? { command: inputs.command } : {}),
  });
}

export const ecsMigrationProvider: pulumi.dynamic.ResourceProvider<EcsMigrationInputs, MigrationRecord> = {
  async check(_olds, news) {
    return { inputs: news, failures: checkMigrationInputs(news as unknown as Record<string, unknown>) };
  },
  // Only a new migration version re-runs. A new task definition revision or
  // network with the same version is the same schema change: the engine
  // records the new inputs (a "same" step) and they apply to the next version.
  // Never a replacement: that would run the migration again.
  async diff(_id, olds, news) {
    return { changes: olds.migrationVersion !== news.migrationVersion, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs) {
    const outs = await runMigration(inputs);
    return { id: `${inputs.cluster}/${inputs.migrationVersion}`, outs };
  },
  // Diff asks for an update only on a new version; with the same version the
  // previous run's record stands and no task is started.
  async update(_id, olds, news) {
    return { outs: olds.migrationVersion === news.migrationVersion ? olds : await runMigration(news) };
  },
  // No delete: a migration cannot be unrun. Removing the resource forgets the record only.
};

export interface EcsMigrationArgs {
  /** AWS region of the cluster, e.g. "us-east-1". */
  readonly region: pulumi.Input<string>;
  /** ECS cluster name or ARN. */
  readonly cluster: pulumi.Input<string>;
  /** Task definition ARN with its revision (the migration image and its awslogs setup). */
  readonly taskDefinitionArn: pulumi.Input<string>;
  /** The container in the task definition that runs the migration; its exit code decides. */
  readonly containerName: pulumi.Input<string>;
  /** Command override for the container. @default the image's own command */
  readonly command?: pulumi.Input<pulumi.Input<string>[]>;
  /** Subnets for the task's awsvpc network interface (private, with a route to the database). */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Security groups for the task; at least one. */
  readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Identity of the schema change: a new value runs the task once; the same value never runs it again. */
  readonly migrationVersion: pulumi.Input<string>;
  /** Give up after this many seconds (1 to 86400): StopTask, then fail the update. */
  readonly timeoutSeconds: pulumi.Input<number>;
  /** Seconds between DescribeTasks calls (fractions allowed). @default 6 */
  readonly pollIntervalSeconds?: pulumi.Input<number>;
  /** awslogs group of the migration container, to point failures at its logs. @default none (no log location in messages) */
  readonly logGroup?: pulumi.Input<string>;
  /** awslogs stream prefix of the migration container; required with logGroup. @default none */
  readonly logStreamPrefix?: pulumi.Input<string>;
  /** ECS API endpoint override (VPC interface endpoint, tests). @default the SDK's regional endpoint */
  readonly endpoint?: pulumi.Input<string>;
  /** What the migration declares (`bluegreen:migration.reversible`, `.breaking`), for the pack; never read here. @default none */
  readonly schemaChange?: pulumi.Input<SchemaChange>;
}

/**
 * The migration task run (`DYNAMIC_TYPES.ecsMigration`) for
 * one migration version. Order it after the snapshot (dependsOn) and before
 * the new color and its gate.
 */
export class EcsMigration extends pulumi.dynamic.Resource {
  declare readonly migrationVersion: pulumi.Output<string>;
  declare readonly taskArn: pulumi.Output<string>;
  declare readonly exitCode: pulumi.Output<number>;
  declare readonly startedAt: pulumi.Output<string>;
  declare readonly stoppedAt: pulumi.Output<string>;
  declare readonly durationSeconds: pulumi.Output<number>;
  declare readonly logStream: pulumi.Output<string | undefined>;

  constructor(name: string, args: EcsMigrationArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = {
      taskArn: undefined,
      exitCode: undefined,
      startedAt: undefined,
      stoppedAt: undefined,
      durationSeconds: undefined,
      logStream: undefined,
    };
    const { module, name: type } = DYNAMIC_TYPES.ecsMigration;
    super(ecsMigrationProvider, name, { ...args, ...outputs }, opts, module, type);
  }
}
