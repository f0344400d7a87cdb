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
}

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
  try {
    const started = await send("RunTask", () =>
      client.send(
        new ecs.RunTaskCommand({
          cluster: target.cluster,
          taskDefinition: target.taskDefinitionArn,
          launchType: "FARGATE",
          count: 1,
          startedBy: "bluegreen",
          clientToken: run.clientToken,
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
