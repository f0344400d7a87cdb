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
import { DYNAMIC_TYPES } from "../contracts/resourceTypes";
import { checkMigrationInputs, DEFAULT_POLL_INTERVAL_SECONDS, migrationClientToken } from "./migrationInputs";
import {
  apiErrorMessage,
  classifyTask,
  DescribedTask,
  failureMessage,
  MigrationContext,
  MigrationRecord,
  migrationRecord,
} from "./migrationOutcome";

/** Plain inputs as the provider receives them. */
export interface EcsMigrationInputs {
  region: string;
  cluster: string;
  taskDefinitionArn: string;
  containerName: string;
  command?: string[];
  subnetIds: string[];
  securityGroupIds: string[];
  migrationVersion: string;
  timeoutSeconds: number;
  pollIntervalSeconds?: number;
  logGroup?: string;
  logStreamPrefix?: string;
  endpoint?: string;
}

/** RunTask, then DescribeTasks until STOPPED or the deadline; StopTask on timeout. Throws the operator-facing message on any failure. */
async function runMigration(inputs: EcsMigrationInputs): Promise<MigrationRecord> {
  const ecs: typeof import("@aws-sdk/client-ecs") = require("@aws-sdk/client-ecs");
  const ctx: MigrationContext = {
    migrationVersion: inputs.migrationVersion,
    cluster: inputs.cluster,
    region: inputs.region,
    containerName: inputs.containerName,
    logGroup: inputs.logGroup,
    logStreamPrefix: inputs.logStreamPrefix,
  };
  const deadline = Date.now() + inputs.timeoutSeconds * 1000;
  const pollMs = (inputs.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS) * 1000;
  // Credentials come from the SDK's default chain (env, profile, role), never from inputs.
  const client = new ecs.ECSClient({
    region: inputs.region,
    ...(inputs.endpoint ? { endpoint: inputs.endpoint } : {}),
  });
  const send = async <T>(operation: string, call: () => Promise<T>, taskArn?: string): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw new Error(apiErrorMessage(ctx, operation, error as Error, taskArn), { cause: error });
    }
  };
  try {
    const run = await send("RunTask", () =>
      client.send(
        new ecs.RunTaskCommand({
          cluster: inputs.cluster,
          taskDefinition: inputs.taskDefinitionArn,
          launchType: "FARGATE",
          count: 1,
          startedBy: "bluegreen",
          clientToken: migrationClientToken(inputs.cluster, inputs.migrationVersion),
          networkConfiguration: {
            // Private subnets: the task reaches the database, ECR and logs through the VPC, never a public IP.
            awsvpcConfiguration: {
              subnets: inputs.subnetIds,
              securityGroups: inputs.securityGroupIds,
              assignPublicIp: "DISABLED",
            },
          },
          ...(inputs.command
            ? { overrides: { containerOverrides: [{ name: inputs.containerName, command: inputs.command }] } }
            : {}),
        }),
      ),
    );
    let task: DescribedTask | undefined = run.tasks?.[0];
    if (task?.taskArn === undefined) throw new Error(failureMessage(ctx, { runTaskFailures: run.failures ?? [] }));
    const taskArn = task.taskArn;
    // A fresh RunTask answers PROVISIONING or PENDING; STOPPED means ECS replayed an earlier attempt.
    const replayed = task.lastStatus === "STOPPED";
    for (;;) {
      const outcome = classifyTask(task, inputs.containerName);
      if (outcome.kind === "succeeded") return migrationRecord(ctx, task, new Date());
      if (outcome.kind === "failed") throw new Error(failureMessage(ctx, { task, replayed }));
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        const stopReason = `bluegreen: migration timed out after ${inputs.timeoutSeconds} s`;
        let stopError: string | undefined;
        try {
          await client.send(new ecs.StopTaskCommand({ cluster: inputs.cluster, task: taskArn, reason: stopReason }));
        } catch (error) {
          stopError = `${(error as Error).name}: ${(error as Error).message}`;
        }
        throw new Error(
          failureMessage(ctx, { task, timeout: { seconds: inputs.timeoutSeconds, stopReason, stopError } }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, remainingMs)));
      const described = await send(
        "DescribeTasks",
        () => client.send(new ecs.DescribeTasksCommand({ cluster: inputs.cluster, tasks: [taskArn] })),
        taskArn,
      );
      // ECS is eventually consistent: right after RunTask a task can be MISSING; keep its last known state.
      task = described.tasks?.[0] ?? task;
    }
  } finally {
    client.destroy();
  }
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
