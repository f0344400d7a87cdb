/**
 * One Fargate task run to completion: RunTask, then DescribeTasks until
 * STOPPED or the deadline (StopTask on timeout). Shared by the migration run,
 * its rehearsal and its checks, which differ only in the command, the
 * environment overrides and what the messages call the run. Captured by
 * value with each provider: the SDK is `require`d inside.
 */
import { DEFAULT_POLL_INTERVAL_SECONDS } from "./migrationInputs";
import {
  apiErrorMessage,
  classifyTask,
  DescribedTask,
  failureMessage,
  gaveUpOnLock,
  LockRetry,
  MigrationContext,
  MigrationRecord,
  migrationRecord,
} from "./migrationOutcome";

/** Where and how the task runs: the migration's task definition, network and logs. */
export interface EcsTaskTarget {
  region: string;
  cluster: string;
  taskDefinitionArn: string;
  containerName: string;
  subnetIds: string[];
  securityGroupIds: string[];
  timeoutSeconds: number;
  pollIntervalSeconds?: number;
  logGroup?: string;
  logStreamPrefix?: string;
  endpoint?: string;
}

/** One run on that target. */
export interface EcsTaskRun {
  readonly migrationVersion: string;
  /** What the messages call this run. @default `Migration "<version>"` */
  readonly step?: string;
  /** RunTask's idempotency token (at most 64 ASCII characters). */
  readonly clientToken: string;
  /** Command override. @default the task definition's */
  readonly command?: string[];
  /** Environment overrides of the container (plain variables; a secret of the task definition is not replaced). */
  readonly environment?: Record<string, string>;
  /**
   * The command runs in the lock-timeout wrapper of a transactional migration
   * (components/migrationSessions.ts): its exit code 75 means every attempt
   * gave up waiting for a lock and applied nothing. @default none
   */
  readonly lockRetry?: LockRetry;
  /**
   * The clientToken of the run after a replayed task that gave up on a lock
   * (exit 75 with `lockRetry`), from that task's ARN: such a task applied
   * nothing, so a later `pulumi up` runs the migration again, and a retried
   * create still attaches to the same follow-up task. @default none (a replayed task is reported, never followed)
   */
  readonly nextClientToken?: (stoppedTaskArn: string) => string;
}

/** How many replayed lock-timeout tasks a run follows at most (one per earlier `pulumi up`). */
const MAX_LOCK_RERUNS = 100;

/** Runs the task; resolves with its record on exit 0, throws the operator-facing message otherwise. */
export async function runEcsTask(target: EcsTaskTarget, run: EcsTaskRun): Promise<MigrationRecord> {
  const ecs: typeof import("@aws-sdk/client-ecs") = require("@aws-sdk/client-ecs");
  const ctx: MigrationContext = {
    migrationVersion: run.migrationVersion,
    ...(run.step === undefined ? {} : { step: run.step }),
    cluster: target.cluster,
    region: target.region,
    containerName: target.containerName,
    logGroup: target.logGroup,
    logStreamPrefix: target.logStreamPrefix,
    ...(run.lockRetry === undefined ? {} : { lockRetry: run.lockRetry }),
  };
  const deadline = Date.now() + target.timeoutSeconds * 1000;
  const pollMs = (target.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS) * 1000;
  // Credentials come from the SDK's default chain (env, profile, role), never from inputs.
  const client = new ecs.ECSClient({
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
  });
  const send = async <T>(operation: string, call: () => Promise<T>, taskArn?: string): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw new Error(apiErrorMessage(ctx, operation, error as Error, taskArn), { cause: error });
    }
  };
  const environment = Object.entries(run.environment ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
  const override = {
    name: target.containerName,
    ...(run.command ? { command: run.command } : {}),
    ...(environment.length > 0 ? { environment } : {}),
  };
  const runTask = (clientToken: string) =>
    send("RunTask", () =>
      client.send(
        new ecs.RunTaskCommand({
          cluster: target.cluster,
          taskDefinition: target.taskDefinitionArn,
          launchType: "FARGATE",
          count: 1,
          startedBy: "bluegreen",
          clientToken,
          networkConfiguration: {
            // Private subnets: the task reaches the database, ECR and logs through the VPC, never a public IP.
            awsvpcConfiguration: {
              subnets: target.subnetIds,
              securityGroups: target.securityGroupIds,
              assignPublicIp: "DISABLED",
            },
          },
          ...(run.command || environment.length > 0 ? { overrides: { containerOverrides: [override] } } : {}),
        }),
      ),
    );
  try {
    let started = await runTask(run.clientToken);
    // A replayed task of a transactional migration that gave up on a lock applied nothing: follow it with the
    // next run, whose token derives from it (the same every time, so a retried create attaches to that run).
    for (let reruns = 0; reruns < MAX_LOCK_RERUNS; reruns++) {
      const replay = started.tasks?.[0];
      if (run.nextClientToken === undefined || replay?.taskArn === undefined || replay.lastStatus !== "STOPPED") break;
      if (!gaveUpOnLock(ctx, replay)) break;
      started = await runTask(run.nextClientToken(replay.taskArn));
    }
    let task: DescribedTask | undefined = started.tasks?.[0];
    if (task?.taskArn === undefined) throw new Error(failureMessage(ctx, { runTaskFailures: started.failures ?? [] }));
    const taskArn = task.taskArn;
    // A fresh RunTask answers PROVISIONING or PENDING; STOPPED means ECS replayed an earlier attempt.
    const replayed = task.lastStatus === "STOPPED";
    for (;;) {
      const outcome = classifyTask(task, target.containerName);
      if (outcome.kind === "succeeded") return migrationRecord(ctx, task, new Date());
      if (outcome.kind === "failed") throw new Error(failureMessage(ctx, { task, replayed }));
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        const stopReason = `bluegreen: ${run.step ?? "migration"} timed out after ${target.timeoutSeconds} s`;
        let stopError: string | undefined;
        try {
          await client.send(new ecs.StopTaskCommand({ cluster: target.cluster, task: taskArn, reason: stopReason }));
        } catch (error) {
          stopError = `${(error as Error).name}: ${(error as Error).message}`;
        }
        throw new Error(
          failureMessage(ctx, { task, timeout: { seconds: target.timeoutSeconds, stopReason, stopError } }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, remainingMs)));
      const described = await send(
        "DescribeTasks",
        () => client.send(new ecs.DescribeTasksCommand({ cluster: target.cluster, tasks: [taskArn] })),
        taskArn,
      );
      // ECS is eventually consistent: right after RunTask a task can be MISSING; keep its last known state.
      task = described.tasks?.[0] ?? task;
    }
  } finally {
    client.destroy();
  }
}
