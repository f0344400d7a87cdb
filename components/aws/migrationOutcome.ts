/**
 * What a migration task's ECS state means, and what to tell the operator.
 * Pure: the EcsMigration provider captures these functions by value, so this
 * module imports nothing (the SDK's Task and Failure types are structurally
 * assignable to the shapes below).
 */

/** The fields of an ECS task (RunTask / DescribeTasks / StopTask) read here. */
export interface DescribedTask {
  taskArn?: string;
  lastStatus?: string;
  stopCode?: string;
  stoppedReason?: string;
  createdAt?: Date;
  startedAt?: Date;
  stoppedAt?: Date;
  containers?: { name?: string; exitCode?: number; reason?: string }[];
}

/** One entry of RunTask's `failures` (no task was started for it). */
export interface RunTaskFailure {
  arn?: string;
  reason?: string;
  detail?: string;
}

export type TaskOutcome =
  | { kind: "running"; lastStatus: string }
  | { kind: "succeeded" }
  | { kind: "failed"; exitCode: number | undefined; summary: string };

/** Where the migration runs and logs: everything a message needs besides the task. */
export interface MigrationContext {
  migrationVersion: string;
  /** What the messages call the run (a rehearsal, a check). @default `Migration "<version>"` */
  step?: string;
  cluster: string;
  region: string;
  containerName: string;
  logGroup?: string;
  logStreamPrefix?: string;
  /** The run is a transactional migration in the lock-timeout wrapper. @default none */
  lockRetry?: LockRetry;
}

/**
 * What the lock-timeout wrapper of a transactional migration was told
 * (components/migrationSessions.ts), for the messages: its exit code
 * `exitCode` means every attempt gave up waiting for a lock, and applied nothing.
 */
export interface LockRetry {
  /** Postgres lock_timeout, as written in PGOPTIONS, e.g. "5s". */
  lockTimeout: string;
  /** Runs of the command at most: 1 + lockRetries. */
  attempts: number;
  /** The wrapper's exit code for it (75). */
  exitCode: number;
}

/** Whether a stopped task is a transactional migration that gave up waiting for a lock (so it applied nothing). */
export function gaveUpOnLock(ctx: MigrationContext, task: DescribedTask): boolean {
  if (ctx.lockRetry === undefined || task.lastStatus !== "STOPPED") return false;
  return task.containers?.find((c) => c.name === ctx.containerName)?.exitCode === ctx.lockRetry.exitCode;
}

/** The provider's outs after a successful run. */
export interface MigrationRecord {
  migrationVersion: string;
  taskArn: string;
  exitCode: number;
  startedAt: string;
  stoppedAt: string;
  durationSeconds: number;
  logStream?: string;
}

/** Everything known when a run failed; the message names what is set. */
export interface FailureReport {
  /** Last state ECS reported; absent when RunTask started no task. */
  task?: DescribedTask;
  runTaskFailures?: RunTaskFailure[];
  /** RunTask answered with an already stopped task: ECS replayed an earlier attempt for this clientToken. */
  replayed?: boolean;
  /** Set when the provider gave up waiting: the timeout and what StopTask did. */
  timeout?: { seconds: number; stopReason: string; stopError?: string };
}

/**
 * Succeeded only when the task stopped and the named container exited 0;
 * any other stopped task failed, whatever its stop code says.
 */
export function classifyTask(task: DescribedTask, containerName: string): TaskOutcome {
  if (task.lastStatus !== "STOPPED") return { kind: "running", lastStatus: task.lastStatus ?? "UNKNOWN" };
  const containers = task.containers ?? [];
  const container = containers.find((c) => c.name === containerName);
  if (container === undefined) {
    const names = containers.map((c) => `"${c.name}"`).join(", ") || "none";
    return {
      kind: "failed",
      exitCode: undefined,
      summary: `the task has no container named "${containerName}" (containers: ${names}); set containerName to the migration container of the task definition`,
    };
  }
  if (container.exitCode === 0) return { kind: "succeeded" };
  return {
    kind: "failed",
    exitCode: container.exitCode,
    summary:
      container.exitCode === undefined
        ? `container "${containerName}" stopped without an exit code: it never ran (see the reasons below)`
        : `container "${containerName}" exited with code ${container.exitCode}`,
  };
}

/**
 * Outs of a successful run. ECS reports startedAt/stoppedAt for a task that
 * ran; the fallbacks (creation time, the moment STOPPED was observed) keep
 * the record complete if a field is missing rather than failing a migration
 * that did succeed.
 */
export function migrationRecord(ctx: MigrationContext, task: DescribedTask, observedAt: Date): MigrationRecord {
  const stoppedAt = task.stoppedAt ?? observedAt;
  const startedAt = task.startedAt ?? task.createdAt ?? stoppedAt;
  const taskArn = task.taskArn ?? "";
  const logs = logLocation(ctx, taskArn);
  return {
    migrationVersion: ctx.migrationVersion,
    taskArn,
    exitCode: 0,
    startedAt: startedAt.toISOString(),
    stoppedAt: stoppedAt.toISOString(),
    durationSeconds: (stoppedAt.getTime() - startedAt.getTime()) / 1000,
    ...(logs ? { logStream: logs.stream } : {}),
  };
}

/** The task id: the last segment of `arn:...:task/<cluster>/<id>` (or the older `task/<id>`). */
export function taskId(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf("/") + 1);
}

/**
 * The awslogs location of the migration container: stream
 * `<prefix>/<container>/<taskId>` in the group, plus a CloudWatch console
 * link (the console escapes '%' of URI-encoded names as '$25').
 */
export function logLocation(
  ctx: MigrationContext,
  taskArn: string,
): { group: string; stream: string; consoleUrl: string } | undefined {
  if (ctx.logGroup === undefined || ctx.logStreamPrefix === undefined) return undefined;
  const stream = `${ctx.logStreamPrefix}/${ctx.containerName}/${taskId(taskArn)}`;
  const consoleEscape = (s: string) => encodeURIComponent(s).replace(/%/g, "$25");
  const consoleUrl =
    `https://${ctx.region}.console.aws.amazon.com/cloudwatch/home?region=${ctx.region}` +
    `#logsV2:log-groups/log-group/${consoleEscape(ctx.logGroup)}/log-events/${consoleEscape(stream)}`;
  return { group: ctx.logGroup, stream, consoleUrl };
}

const TRAFFIC_NOT_MOVED =
  "Traffic was not moved: the release stops here, before the new color, its health gate and any weight change.";

/** The error `pulumi up` shows when the migration did not exit 0. */
export function failureMessage(ctx: MigrationContext, report: FailureReport): string {
  const { task, timeout } = report;
  const failures = report.runTaskFailures ?? [];
  const outcome = task ? classifyTask(task, ctx.containerName) : undefined;
  const container = task?.containers?.find((c) => c.name === ctx.containerName);
  const lock = task !== undefined && !timeout && gaveUpOnLock(ctx, task) ? ctx.lockRetry : undefined;
  const headline = timeout
    ? `timed out after ${timeout.seconds} s with the task still ${task?.lastStatus ?? "UNKNOWN"}`
    : outcome?.kind === "failed"
      ? lock
        ? `${outcome.summary}: the migration gave up waiting for a lock (lock_timeout ${lock.lockTimeout}) on ${lock.attempts === 1 ? "its only attempt" : `each of its ${lock.attempts} attempts`}, and applied nothing (it is transactional)`
        : outcome.summary
      : `ECS started no task (${failures.map((f) => f.reason ?? "no reason given").join(", ") || "no task and no failure returned"})`;
  const logs = task?.taskArn ? logLocation(ctx, task.taskArn) : undefined;
  const lines = [
    `${ctx.step ?? `Migration "${ctx.migrationVersion}"`} failed on ECS cluster "${ctx.cluster}": ${headline}.`,
    `  task: ${task?.taskArn ?? "none (never started)"}`,
    `  last status: ${task?.lastStatus ?? "none"}${task?.stopCode ? ` (stop code ${task.stopCode})` : ""}`,
    `  container exit code: ${container?.exitCode ?? "none"}`,
  ];
  if (task?.stoppedReason) lines.push(`  stopped reason: ${task.stoppedReason}`);
  if (container?.reason) lines.push(`  container reason: ${container.reason}`);
  for (const f of failures) {
    lines.push(
      `  RunTask failure: ${f.reason ?? "no reason given"}${f.detail ? ` (${f.detail})` : ""}${f.arn ? ` for ${f.arn}` : ""}`,
    );
  }
  if (timeout) {
    lines.push(
      timeout.stopError
        ? `  StopTask failed (${timeout.stopError}): stop the task yourself: aws ecs stop-task --region ${ctx.region} --cluster ${ctx.cluster} --task ${task?.taskArn}`
        : `  StopTask requested with reason "${timeout.stopReason}"`,
    );
  }
  if (logs) {
    lines.push(`  logs: ${logs.group}/${logs.stream}`);
    lines.push(`  console: ${logs.consoleUrl}`);
    lines.push(`  cli: aws logs tail ${logs.group} --region ${ctx.region} --log-stream-names ${logs.stream}`);
  } else {
    lines.push(
      task?.taskArn
        ? "  logs: unknown (pass logGroup and logStreamPrefix, the task definition's awslogs options, to get the location here)"
        : "  logs: none (no container ran)",
    );
  }
  if (report.replayed && !lock) {
    lines.push(
      `  note: RunTask returned this already stopped task from an earlier attempt: the clientToken is derived from cluster + migration version, ` +
        `so ECS answers every RunTask for this version with the same task for 24 h and the migration was not started again.`,
    );
  }
  lines.push(TRAFFIC_NOT_MOVED);
  lines.push(fixHint(ctx, report, outcome));
  return lines.join("\n");
}

function fixHint(ctx: MigrationContext, report: FailureReport, outcome: TaskOutcome | undefined): string {
  if (report.timeout) {
    return `Fix: find out from the logs why the migration ran longer than ${report.timeout.seconds} s (raise timeoutSeconds if it is just slow), then release it under a new migration version.`;
  }
  if (report.task === undefined) {
    return `Fix: nothing ran; make room or change placement for the reason above, then run \`pulumi up\` again.`;
  }
  if (report.task !== undefined && gaveUpOnLock(ctx, report.task)) {
    return (
      `Fix: another session held a lock the migration needs for longer than that (a long transaction, or one left idle in a transaction): ` +
      `find it in pg_stat_activity and pg_locks, end it or wait until it is gone, then run \`pulumi up\` again: ` +
      `a transactional migration that gave up on a lock runs again under the same version "${ctx.migrationVersion}" (a new task, whose clientToken follows from this one's).`
    );
  }
  if (outcome?.kind === "failed" && outcome.exitCode !== undefined) {
    return `Fix: read the logs, repair the migration (or the database, from the snapshot taken before it) and release it under a new migration version; "${ctx.migrationVersion}" is never run twice.`;
  }
  return `Fix: the migration did not run; correct the cause above (image, registry access, secrets, network or containerName) and release it under a new migration version; "${ctx.migrationVersion}" is never run twice.`;
}

/**
 * An ECS API error with the call that failed and, for the idempotency
 * conflict, what it means here: the same cluster + version was already run
 * with different parameters.
 */
export function apiErrorMessage(
  ctx: MigrationContext,
  operation: string,
  error: { name?: string; message?: string },
  taskArn?: string,
): string {
  const what = `${operation} for migration "${ctx.migrationVersion}" on ECS cluster "${ctx.cluster}"${taskArn ? ` (task ${taskArn})` : ""} failed: ${error.name ?? "Error"}: ${error.message ?? "no message"}.`;
  const why =
    error.name === "ConflictException" && operation === "RunTask"
      ? `\nECS already ran migration "${ctx.migrationVersion}" on this cluster with different parameters (task definition, command or network) within the last 24 h: ` +
        `the clientToken is derived from cluster + version, and the same migration version never runs twice. Release the changed migration under a new migration version.`
      : "";
  const attached = taskArn
    ? `\nThe task may still be running; the next \`pulumi up\` with the same inputs attaches to it instead of starting another (RunTask with the same clientToken and parameters is idempotent for 24 h).`
    : "";
  return `${what}${why}${attached}\n${TRAFFIC_NOT_MOVED}`;
}
