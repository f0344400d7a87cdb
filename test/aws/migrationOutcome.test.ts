import { describe, expect, it } from "vitest";
import {
  apiErrorMessage,
  classifyTask,
  DescribedTask,
  failureMessage,
  logLocation,
  MigrationContext,
  migrationRecord,
  taskId,
} from "../../components/aws/migrationOutcome";

const ARN = "arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef";
const ID = "0123456789abcdef0123456789abcdef";
const ctx: MigrationContext = {
  migrationVersion: "0042",
  cluster: "prod",
  region: "us-east-1",
  containerName: "shop-migrate",
  logGroup: "/ecs/shop",
  logStreamPrefix: "migration",
};
const noLogs: MigrationContext = { ...ctx, logGroup: undefined, logStreamPrefix: undefined };
const CONSOLE = `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fecs$252Fshop/log-events/migration$252Fshop-migrate$252F${ID}`;
const LOG_LINES = [
  `  logs: /ecs/shop/migration/shop-migrate/${ID}`,
  `  console: ${CONSOLE}`,
  `  cli: aws logs tail /ecs/shop --region us-east-1 --log-stream-names migration/shop-migrate/${ID}`,
];
const TRAFFIC =
  "Traffic was not moved: the release stops here, before the new color, its health gate and any weight change.";

const stopped = (container: DescribedTask["containers"], extra: Partial<DescribedTask> = {}): DescribedTask => ({
  taskArn: ARN,
  lastStatus: "STOPPED",
  containers: container,
  ...extra,
});

describe("classifyTask", () => {
  it("GIVEN a task not yet STOPPED THEN it is running with its status (UNKNOWN when ECS gave none)", () => {
    expect(classifyTask({ taskArn: ARN, lastStatus: "PROVISIONING" }, "shop-migrate")).toEqual({
      kind: "running",
      lastStatus: "PROVISIONING",
    });
    expect(classifyTask({ taskArn: ARN }, "shop-migrate")).toEqual({ kind: "running", lastStatus: "UNKNOWN" });
  });

  it("GIVEN STOPPED with the named container at exit 0 THEN it succeeded, whatever the other containers did", () => {
    expect(
      classifyTask(
        stopped([
          { name: "sidecar", exitCode: 1 },
          { name: "shop-migrate", exitCode: 0 },
        ]),
        "shop-migrate",
      ),
    ).toEqual({ kind: "succeeded" });
  });

  it("GIVEN STOPPED with a non-zero exit THEN it failed with that code", () => {
    expect(classifyTask(stopped([{ name: "shop-migrate", exitCode: 3 }]), "shop-migrate")).toEqual({
      kind: "failed",
      exitCode: 3,
      summary: 'container "shop-migrate" exited with code 3',
    });
  });

  it("GIVEN STOPPED without an exit code THEN it failed: the container never ran", () => {
    expect(classifyTask(stopped([{ name: "shop-migrate" }]), "shop-migrate")).toEqual({
      kind: "failed",
      exitCode: undefined,
      summary: 'container "shop-migrate" stopped without an exit code: it never ran (see the reasons below)',
    });
  });

  it("GIVEN STOPPED without the named container THEN it failed and lists the containers found (or none)", () => {
    expect(classifyTask(stopped([{ name: "web", exitCode: 0 }]), "shop-migrate")).toEqual({
      kind: "failed",
      exitCode: undefined,
      summary:
        'the task has no container named "shop-migrate" (containers: "web"); set containerName to the migration container of the task definition',
    });
    expect(classifyTask(stopped(undefined), "shop-migrate")).toMatchObject({
      summary: expect.stringContaining("(containers: none)"),
    });
  });
});

describe("taskId and logLocation", () => {
  it("takes the id from both task ARN formats", () => {
    expect(taskId(ARN)).toBe(ID);
    expect(taskId(`arn:aws:ecs:us-east-1:123456789012:task/${ID}`)).toBe(ID);
  });

  it("GIVEN the awslogs group and prefix THEN the stream is <prefix>/<container>/<taskId> with a console link; without them there is none", () => {
    expect(logLocation(ctx, ARN)).toEqual({
      group: "/ecs/shop",
      stream: `migration/shop-migrate/${ID}`,
      consoleUrl: CONSOLE,
    });
    expect(logLocation(noLogs, ARN)).toBeUndefined();
  });
});

describe("migrationRecord", () => {
  const observedAt = new Date("2026-03-01T10:10:00.000Z");

  it("records ECS's start and stop times, the duration and the log stream", () => {
    const task = stopped([{ name: "shop-migrate", exitCode: 0 }], {
      createdAt: new Date("2026-03-01T10:00:00.000Z"),
      startedAt: new Date("2026-03-01T10:00:30.000Z"),
      stoppedAt: new Date("2026-03-01T10:02:15.500Z"),
    });
    expect(migrationRecord(ctx, task, observedAt)).toEqual({
      migrationVersion: "0042",
      taskArn: ARN,
      exitCode: 0,
      startedAt: "2026-03-01T10:00:30.000Z",
      stoppedAt: "2026-03-01T10:02:15.500Z",
      durationSeconds: 105.5,
      logStream: `migration/shop-migrate/${ID}`,
    });
  });

  it("GIVEN missing timestamps THEN it falls back to createdAt, then the observation time; without log config there is no logStream key", () => {
    const noStart = stopped([], {
      createdAt: new Date("2026-03-01T10:00:00.000Z"),
      stoppedAt: new Date("2026-03-01T10:01:00.000Z"),
    });
    expect(migrationRecord(noLogs, noStart, observedAt)).toEqual({
      migrationVersion: "0042",
      taskArn: ARN,
      exitCode: 0,
      startedAt: "2026-03-01T10:00:00.000Z",
      stoppedAt: "2026-03-01T10:01:00.000Z",
      durationSeconds: 60,
    });
    expect(migrationRecord(noLogs, stopped([]), observedAt)).toMatchObject({
      startedAt: "2026-03-01T10:10:00.000Z",
      stoppedAt: "2026-03-01T10:10:00.000Z",
      durationSeconds: 0,
    });
  });
});

describe("failureMessage", () => {
  it("GIVEN a non-zero exit THEN the whole message: version, task, status, exit code, reasons, logs, traffic, fix", () => {
    const task = stopped([{ name: "shop-migrate", exitCode: 3, reason: "relation exists" }], {
      stopCode: "EssentialContainerExited",
      stoppedReason: "Essential container in task exited",
    });
    expect(failureMessage(ctx, { task })).toBe(
      [
        'Migration "0042" failed on ECS cluster "prod": container "shop-migrate" exited with code 3.',
        `  task: ${ARN}`,
        "  last status: STOPPED (stop code EssentialContainerExited)",
        "  container exit code: 3",
        "  stopped reason: Essential container in task exited",
        "  container reason: relation exists",
        ...LOG_LINES,
        TRAFFIC,
        'Fix: read the logs, repair the migration (or the database, from the snapshot taken before it) and release it under a new migration version; "0042" is never run twice.',
      ].join("\n"),
    );
  });

  it("GIVEN RunTask failures THEN no task, exit code none, each failure with detail and arn, and nothing-ran fix", () => {
    const message = failureMessage(noLogs, {
      runTaskFailures: [
        {
          reason: "RESOURCE:MEMORY",
          detail: "no capacity",
          arn: "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/abc",
        },
        {},
      ],
    });
    expect(message).toBe(
      [
        'Migration "0042" failed on ECS cluster "prod": ECS started no task (RESOURCE:MEMORY, no reason given).',
        "  task: none (never started)",
        "  last status: none",
        "  container exit code: none",
        "  RunTask failure: RESOURCE:MEMORY (no capacity) for arn:aws:ecs:us-east-1:123456789012:container-instance/prod/abc",
        "  RunTask failure: no reason given",
        "  logs: none (no container ran)",
        TRAFFIC,
        "Fix: nothing ran; make room or change placement for the reason above, then run `pulumi up` again.",
      ].join("\n"),
    );
    expect(failureMessage(noLogs, { runTaskFailures: [] }).split("\n")[0]).toBe(
      'Migration "0042" failed on ECS cluster "prod": ECS started no task (no task and no failure returned).',
    );
  });

  it("GIVEN a container that never ran and no log config THEN exit code none, the stop reason, and where to configure logs", () => {
    const task = stopped([{ name: "shop-migrate" }], {
      stopCode: "TaskFailedToStart",
      stoppedReason: "CannotPullContainerError: not found",
    });
    expect(failureMessage(noLogs, { task })).toBe(
      [
        'Migration "0042" failed on ECS cluster "prod": container "shop-migrate" stopped without an exit code: it never ran (see the reasons below).',
        `  task: ${ARN}`,
        "  last status: STOPPED (stop code TaskFailedToStart)",
        "  container exit code: none",
        "  stopped reason: CannotPullContainerError: not found",
        "  logs: unknown (pass logGroup and logStreamPrefix, the task definition's awslogs options, to get the location here)",
        TRAFFIC,
        'Fix: the migration did not run; correct the cause above (image, registry access, secrets, network or containerName) and release it under a new migration version; "0042" is never run twice.',
      ].join("\n"),
    );
  });

  it("GIVEN a timeout THEN it says timed out, the last status, and that StopTask was requested, or how to stop the task when it failed", () => {
    const task: DescribedTask = { taskArn: ARN, lastStatus: "RUNNING", containers: [{ name: "shop-migrate" }] };
    const stopReason = "bluegreen: migration timed out after 900 s";
    expect(failureMessage(ctx, { task, timeout: { seconds: 900, stopReason } })).toBe(
      [
        'Migration "0042" failed on ECS cluster "prod": timed out after 900 s with the task still RUNNING.',
        `  task: ${ARN}`,
        "  last status: RUNNING",
        "  container exit code: none",
        `  StopTask requested with reason "${stopReason}"`,
        ...LOG_LINES,
        TRAFFIC,
        "Fix: find out from the logs why the migration ran longer than 900 s (raise timeoutSeconds if it is just slow), then release it under a new migration version.",
      ].join("\n"),
    );
    const lines = failureMessage(ctx, {
      task: { taskArn: ARN },
      timeout: { seconds: 900, stopReason, stopError: "AccessDeniedException: denied" },
    }).split("\n");
    expect(lines[0]).toBe(
      'Migration "0042" failed on ECS cluster "prod": timed out after 900 s with the task still UNKNOWN.',
    );
    expect(lines[4]).toBe(
      `  StopTask failed (AccessDeniedException: denied): stop the task yourself: aws ecs stop-task --region us-east-1 --cluster prod --task ${ARN}`,
    );
  });

  it("GIVEN RunTask replayed an earlier stopped task THEN the message says the migration was not started again", () => {
    const lines = failureMessage(ctx, { task: stopped([{ name: "shop-migrate", exitCode: 1 }]), replayed: true }).split(
      "\n",
    );
    expect(lines.at(-3)).toBe(
      "  note: RunTask returned this already stopped task from an earlier attempt: the clientToken is derived from cluster + migration version, " +
        "so ECS answers every RunTask for this version with the same task for 24 h and the migration was not started again.",
    );
  });
});

describe("apiErrorMessage", () => {
  it("GIVEN RunTask's ConflictException THEN it explains the reused cluster + version and the fix", () => {
    expect(apiErrorMessage(ctx, "RunTask", { name: "ConflictException", message: "token reused" })).toBe(
      [
        'RunTask for migration "0042" on ECS cluster "prod" failed: ConflictException: token reused.',
        'ECS already ran migration "0042" on this cluster with different parameters (task definition, command or network) within the last 24 h: ' +
          "the clientToken is derived from cluster + version, and the same migration version never runs twice. Release the changed migration under a new migration version.",
        TRAFFIC,
      ].join("\n"),
    );
  });

  it("GIVEN a failure while polling a started task THEN it names the task and that the next run attaches to it", () => {
    expect(apiErrorMessage(ctx, "DescribeTasks", { name: "ThrottlingException", message: "Rate exceeded" }, ARN)).toBe(
      [
        `DescribeTasks for migration "0042" on ECS cluster "prod" (task ${ARN}) failed: ThrottlingException: Rate exceeded.`,
        "The task may still be running; the next `pulumi up` with the same inputs attaches to it instead of starting another (RunTask with the same clientToken and parameters is idempotent for 24 h).",
        TRAFFIC,
      ].join("\n"),
    );
  });

  it("GIVEN an error without name or message THEN placeholders keep the sentence readable", () => {
    expect(apiErrorMessage(ctx, "RunTask", {})).toBe(
      `RunTask for migration "0042" on ECS cluster "prod" failed: Error: no message.\n${TRAFFIC}`,
    );
  });
});
