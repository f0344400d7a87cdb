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
import { isUnknown } from "../contracts/providerKit";
import { DYNAMIC_TYPES } from "../contracts/resourceTypes";
import { EcsTaskTarget, runEcsTask } from "./ecsTaskRun";
import { checkMigrationInputs, migrationClientToken } from "./migrationInputs";
import type { LockRetry, MigrationRecord } from "./migrationOutcome";

/** Plain inputs as the provider receives them. */
export interface EcsMigrationInputs extends EcsTaskTarget {
  command?: string[];
  migrationVersion: string;
  schemaChange?: SchemaChange;
  /** The command is a transactional migration in the lock-timeout wrapper (see EcsMigrationArgs.lockRetry). */
  lockRetry?: LockRetry;
}

/**
 * The clientToken of the run that follows `stoppedTaskArn`, a task of this
 * version that gave up on a lock: derived from that task, so every `pulumi
 * up` after it asks ECS for the same follow-up run. (A version never holds a
 * space, so no real version's token is among these.)
 */
export function lockRerunClientToken(cluster: string, migrationVersion: string, stoppedTaskArn: string): string {
  return migrationClientToken(cluster, `${migrationVersion} after ${stoppedTaskArn}`);
}

/**
 * The migration task of this version: its clientToken makes a retried create attach to the task already started.
 * A transactional migration whose earlier task gave up on a lock (and so applied nothing) runs again.
 */
function runMigration(inputs: EcsMigrationInputs): Promise<MigrationRecord> {
  const { lockRetry } = inputs;
  return runEcsTask(inputs, {
    migrationVersion: inputs.migrationVersion,
    clientToken: migrationClientToken(inputs.cluster, inputs.migrationVersion),
    ...(inputs.command ? { command: inputs.command } : {}),
    ...(lockRetry === undefined
      ? {}
      : {
          lockRetry,
          nextClientToken: (arn: string) => lockRerunClientToken(inputs.cluster, inputs.migrationVersion, arn),
        }),
  });
}

/** Check's verdict on `lockRetry` (values unknown at preview pass). */
function checkLockRetry(lockRetry: unknown): { property: string; reason: string }[] {
  if (lockRetry === undefined || isUnknown(lockRetry)) return [];
  const value = lockRetry as Partial<LockRetry> | null;
  const valid =
    typeof value === "object" &&
    value !== null &&
    (isUnknown(value.lockTimeout) || (typeof value.lockTimeout === "string" && value.lockTimeout !== "")) &&
    (isUnknown(value.attempts) || (Number.isInteger(value.attempts) && (value.attempts as number) >= 1)) &&
    (isUnknown(value.exitCode) ||
      (Number.isInteger(value.exitCode) && (value.exitCode as number) >= 1 && (value.exitCode as number) <= 255));
  return valid
    ? []
    : [
        {
          property: "lockRetry",
          reason: `must be { lockTimeout: "5s", attempts: 1 or more, exitCode: 1-255 } (what the lock-timeout wrapper was told), got ${JSON.stringify(lockRetry)}`,
        },
      ];
}

export const ecsMigrationProvider: pulumi.dynamic.ResourceProvider<EcsMigrationInputs, MigrationRecord> = {
  async check(_olds, news) {
    const failures = [
      ...checkMigrationInputs(news as unknown as Record<string, unknown>),
      ...checkLockRetry((news as unknown as Record<string, unknown>).lockRetry),
    ];
    return { inputs: news, failures };
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
  /**
   * The command is a transactional migration wrapped by `lockRetryCommand`
   * (components/migrationSessions.ts): its exit code `exitCode` means it gave
   * up waiting for a lock on every attempt and applied nothing, which the
   * failure says, and a later `pulumi up` runs it again (a new task) instead
   * of reporting the stopped one. @default none (any failure is final for the version)
   */
  readonly lockRetry?: pulumi.Input<LockRetry>;
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
