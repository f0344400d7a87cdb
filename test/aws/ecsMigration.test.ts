import { describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import * as pulumi from "@pulumi/pulumi";
import { EcsMigration } from "../../components/aws/ecsMigration";
import { migrationClientToken, checkMigrationInputs } from "../../components/aws/migrationInputs";
import type { TaskPlay } from "../../testkit/ecsServer";
import { ACCESS_KEY, SECRET_KEY, TASK_DEF, useEcsMigrationRig } from "./ecsMigrationRig";

const TYPE = DYNAMIC_TYPES.ecsMigration.token;
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("checkMigrationInputs (pure)", () => {
  const valid = {
    region: "us-east-1",
    cluster: "prod",
    taskDefinitionArn: TASK_DEF,
    containerName: "shop-migrate",
    command: ["npm", "run", "migrate"],
    subnetIds: ["subnet-0a1b2c3d4e5f60718"],
    securityGroupIds: ["sg-0123456789abcdef0"],
    migrationVersion: "0042",
    timeoutSeconds: 900,
  };

  it("GIVEN complete, well-formed inputs THEN there are no failures", () => {
    expect(checkMigrationInputs(valid)).toEqual([]);
  });

  it("GIVEN values still unknown at preview THEN they are not judged", () => {
    const unknowns = Object.fromEntries(Object.keys(valid).map((k) => [k, UNKNOWN]));
    expect(
      checkMigrationInputs({ ...unknowns, subnetIds: [UNKNOWN], pollIntervalSeconds: UNKNOWN, endpoint: UNKNOWN }),
    ).toEqual([]);
  });

  it("GIVEN every input wrong THEN each failure names the property, the observed value and the rule", () => {
    const failures = checkMigrationInputs({
      region: "US East",
      cluster: "",
      taskDefinitionArn: "shop-migrate:7",
      containerName: " ",
      command: [],
      subnetIds: [],
      securityGroupIds: ["default"],
      migrationVersion: "",
      timeoutSeconds: 0,
      pollIntervalSeconds: 120,
      logGroup: "/ecs/shop",
      endpoint: "ecs.local",
    });
    expect(failures).toEqual([
      { property: "region", reason: 'must be an AWS region such as "us-east-1", got "US East"' },
      { property: "cluster", reason: 'must be a non-empty string, got ""' },
      { property: "containerName", reason: 'must be a non-empty string, got " "' },
      { property: "migrationVersion", reason: 'must be a non-empty string, got ""' },
      {
        property: "taskDefinitionArn",
        reason:
          'must be a task definition ARN with its revision (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>), got "shop-migrate:7": a pinned revision is what makes the migration run the intended image',
      },
      {
        property: "command",
        reason: "must be a non-empty list of strings (omit it to run the image's own command), got []",
      },
      {
        property: "subnetIds",
        reason: "must list at least one subnet id (a Fargate task in awsvpc mode needs a subnet to run in), got []",
      },
      { property: "securityGroupIds", reason: 'must hold sg-<hex> ids, got ["default"]' },
      {
        property: "timeoutSeconds",
        reason: "must be a number of seconds from 1 to 86400 (RunTask's idempotency window is 24 h), got 0",
      },
      { property: "pollIntervalSeconds", reason: "must be a number of seconds above 0 and at most 60, got 120" },
      {
        property: "logStreamPrefix",
        reason:
          "logGroup and logStreamPrefix go together (the awslogs group and stream prefix of the task definition): give both or neither",
      },
      {
        property: "endpoint",
        reason: 'must be an http(s) URL such as "https://ecs.us-east-1.amazonaws.com", got "ecs.local"',
      },
    ]);
  });

  it("GIVEN a task definition from another region, or a poll interval above the timeout THEN both are refused with the reason", () => {
    expect(
      checkMigrationInputs({
        ...valid,
        taskDefinitionArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-migrate:7",
        timeoutSeconds: 5,
        pollIntervalSeconds: 6,
      }),
    ).toEqual([
      {
        property: "taskDefinitionArn",
        reason:
          'is in region "eu-west-1" but region is "us-east-1": ECS runs only task definitions of the cluster\'s region',
      },
      {
        property: "pollIntervalSeconds",
        reason: "is 6 s, longer than timeoutSeconds 5 s: the first DescribeTasks would come after the deadline",
      },
    ]);
  });

  it("GIVEN required inputs missing THEN each is reported", () => {
    expect(checkMigrationInputs({}).map((f) => f.property)).toEqual([
      "region",
      "cluster",
      "containerName",
      "migrationVersion",
      "taskDefinitionArn",
      "subnetIds",
      "securityGroupIds",
      "timeoutSeconds",
    ]);
  });
});

describe("migrationClientToken (pure)", () => {
  it("is stable per cluster + version, the same for a cluster's name and ARN, and fits RunTask's 64 characters", () => {
    const token = migrationClientToken("prod", "0042");
    expect(token).toMatch(/^bluegreen-migration-[0-9a-f]{44}$/);
    expect(token).toHaveLength(64);
    expect(migrationClientToken("prod", "0042")).toBe(token);
    expect(migrationClientToken("arn:aws:ecs:us-east-1:123456789012:cluster/prod", "0042")).toBe(token);
    expect(migrationClientToken("prod", "0043")).not.toBe(token);
    expect(migrationClientToken("staging", "0042")).not.toBe(token);
  });
});

describe("EcsMigration provider through the real dynamic-provider host and the AWS SDK against a local ECS endpoint", () => {
  const rig = useEcsMigrationRig();
  const { inputs, createError } = rig;
  const succeeds: TaskPlay = {
    container: "shop-migrate",
    statuses: ["PROVISIONING", "PENDING", "RUNNING", "STOPPED"],
    exitCode: 0,
  };

  it("serializes into a small closure that loads only the SDK and crypto, at run time", () => {
    expect(rig.text.length).toBeLessThan(32_000);
    expect([...rig.text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).sort()).toEqual([
      "@aws-sdk/client-ecs",
      "node:crypto",
    ]);
  });

  it("GIVEN invalid inputs WHEN checked by the host THEN the failures come back with their reasons", async () => {
    const result = await rig.host.check(TYPE, rig.text, {}, { ...inputs("0001"), subnetIds: [] });
    expect(result.failures).toEqual([
      {
        property: "subnetIds",
        reason: "must list at least one subnet id (a Fargate task in awsvpc mode needs a subnet to run in), got []",
      },
    ]);
  });

  it("GIVEN a task that goes PROVISIONING -> RUNNING -> STOPPED with exit 0 WHEN created THEN RunTask is exact and the outs record the run", async () => {
    rig.ecs.play(succeeds);
    const created = await rig.host.create(TYPE, rig.text, { ...inputs("0042") });

    const [run] = rig.ecs.calls("RunTask");
    expect(run).toEqual({
      cluster: "prod",
      taskDefinition: TASK_DEF,
      launchType: "FARGATE",
      count: 1,
      startedBy: "bluegreen",
      clientToken: migrationClientToken("prod", "0042"),
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
          securityGroups: ["sg-0123456789abcdef0"],
          assignPublicIp: "DISABLED",
        },
      },
      overrides: { containerOverrides: [{ name: "shop-migrate", command: ["npm", "run", "migrate"] }] },
    });
    const taskArn = created.outs.taskArn as string;
    expect(taskArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/prod\/[0-9a-f]{32}$/);
    expect(rig.ecs.calls("DescribeTasks")).toEqual([
      { cluster: "prod", tasks: [taskArn] },
      { cluster: "prod", tasks: [taskArn] },
      { cluster: "prod", tasks: [taskArn] },
    ]);
    expect(rig.ecs.calls("StopTask")).toEqual([]);
    const { startedAt, stoppedAt, durationSeconds, ...rest } = created.outs;
    expect(created.id).toBe("prod/0042");
    expect(rest).toEqual({
      migrationVersion: "0042",
      taskArn,
      exitCode: 0,
      logStream: `migration/shop-migrate/${taskArn.split("/")[2]}`,
    });
    expect(Date.parse(stoppedAt as string) - Date.parse(startedAt as string)).toBe(
      Math.round((durationSeconds as number) * 1000),
    );
    expect(durationSeconds as number).toBeGreaterThan(0);
    // Signed by the default chain's env credentials, which stay out of the state.
    expect(rig.ecs.requests[0].headers.authorization).toContain(`Credential=${ACCESS_KEY}/`);
    expect(rig.ecs.requests[0].headers.authorization).toContain("/us-east-1/ecs/aws4_request");
    expect(JSON.stringify(created)).not.toMatch(new RegExp(`${ACCESS_KEY}|${SECRET_KEY}`));
  });

  it("GIVEN DescribeTasks answers MISSING right after RunTask THEN the provider keeps polling and succeeds", async () => {
    rig.ecs.play({ ...succeeds, missingDescribes: 2 });
    const created = await rig.host.create(TYPE, rig.text, { ...inputs("0043", { command: undefined }) });
    expect(created.outs.exitCode).toBe(0);
    expect(rig.ecs.calls("DescribeTasks")).toHaveLength(5);
    expect(rig.ecs.calls("RunTask")[0].overrides).toBeUndefined();
  });

  it("GIVEN the container exits 3 THEN the update fails with version, task, status, exit code, reasons, logs and traffic not moved", async () => {
    rig.ecs.play({
      container: "shop-migrate",
      statuses: ["PROVISIONING", "RUNNING", "STOPPED"],
      exitCode: 3,
      stopCode: "EssentialContainerExited",
      stoppedReason: "Essential container in task exited",
      containerReason: 'relation "orders" already exists',
    });
    const message = await createError(inputs("0044"));
    const [{ tasks }] = rig.ecs.calls("DescribeTasks");
    const taskId = tasks[0].split("/")[2];
    expect(message).toContain(
      `Migration "0044" failed on ECS cluster "prod": container "shop-migrate" exited with code 3.`,
    );
    expect(message).toContain(
      `  task: ${tasks[0]}\n  last status: STOPPED (stop code EssentialContainerExited)\n  container exit code: 3\n`,
    );
    expect(message).toContain(
      '  stopped reason: Essential container in task exited\n  container reason: relation "orders" already exists\n',
    );
    expect(message).toContain(`  logs: /ecs/shop/migration/shop-migrate/${taskId}\n`);
    expect(message).toContain(
      `#logsV2:log-groups/log-group/$252Fecs$252Fshop/log-events/migration$252Fshop-migrate$252F${taskId}`,
    );
    expect(message).toContain("Traffic was not moved");
  });

  it("GIVEN RunTask returns failures [RESOURCE:MEMORY] THEN the error says no task started, exit code none, and names the reason", async () => {
    rig.ecs.play({
      failures: [{ arn: "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/abc", reason: "RESOURCE:MEMORY" }],
    });
    const message = await createError(inputs("0045"));
    expect(message).toContain(`Migration "0045" failed on ECS cluster "prod": ECS started no task (RESOURCE:MEMORY).`);
    expect(message).toContain("  task: none (never started)\n  last status: none\n  container exit code: none\n");
    expect(message).toContain(
      "  RunTask failure: RESOURCE:MEMORY for arn:aws:ecs:us-east-1:123456789012:container-instance/prod/abc\n",
    );
    expect(message).toContain("  logs: none (no container ran)");
    expect(rig.ecs.calls("DescribeTasks")).toEqual([]);
  });

  it("GIVEN the task stops with CannotPullContainerError and no exit code THEN the error says the container never ran", async () => {
    rig.ecs.play({
      container: "shop-migrate",
      statuses: ["PROVISIONING", "STOPPED"],
      stopCode: "TaskFailedToStart",
      stoppedReason: "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found",
    });
    const message = await createError(inputs("0046"));
    expect(message).toContain('container "shop-migrate" stopped without an exit code: it never ran');
    expect(message).toContain("  last status: STOPPED (stop code TaskFailedToStart)\n  container exit code: none\n");
    expect(message).toContain(
      "  stopped reason: CannotPullContainerError: pull image manifest has been retried 5 time(s): not found\n",
    );
  });

  it("GIVEN the task stays RUNNING WHEN the timeout passes THEN StopTask is called with the reason and the update fails, not before the timeout (overshoot: bench/ecsMigration.ts)", async () => {
    rig.ecs.play({ container: "shop-migrate", statuses: ["PROVISIONING", "RUNNING"] });
    const started = Date.now();
    const message = await createError(inputs("0047", { timeoutSeconds: 1 }));
    const elapsedMs = Date.now() - started;
    const [{ tasks }] = rig.ecs.calls("DescribeTasks");
    expect(rig.ecs.calls("StopTask")).toEqual([
      { cluster: "prod", task: tasks[0], reason: "bluegreen: migration timed out after 1 s" },
    ]);
    expect(message).toContain(
      `Migration "0047" failed on ECS cluster "prod": timed out after 1 s with the task still RUNNING.`,
    );
    expect(message).toContain('  StopTask requested with reason "bluegreen: migration timed out after 1 s"');
    expect(elapsedMs).toBeGreaterThanOrEqual(1000);
  });

  it("GIVEN the named container is not in the task THEN the error names the containers found", async () => {
    rig.ecs.play({ ...succeeds, container: "web" });
    const message = await createError(inputs("0048"));
    expect(message).toContain('the task has no container named "shop-migrate" (containers: "web")');
  });

  it("GIVEN a create retried for the same cluster + version THEN ECS returns the first task and no second one starts", async () => {
    rig.ecs.play(succeeds);
    const first = await rig.host.create(TYPE, rig.text, { ...inputs("0049") });
    const startedBefore = rig.ecs.tasksStarted;
    const retried = await rig.host.create(TYPE, rig.text, { ...inputs("0049") });
    expect(rig.ecs.tasksStarted).toBe(startedBefore);
    expect(retried.outs).toEqual(first.outs);
    expect(rig.ecs.calls("RunTask").map((r) => r.clientToken)).toEqual([
      migrationClientToken("prod", "0049"),
      migrationClientToken("prod", "0049"),
    ]);
  });

  it("GIVEN a failed version retried with the same inputs THEN the old stopped task is reported as a replay, not run again", async () => {
    rig.ecs.play({ container: "shop-migrate", statuses: ["PROVISIONING", "STOPPED"], exitCode: 1 });
    await createError(inputs("0050"));
    const startedBefore = rig.ecs.tasksStarted;
    const message = await createError(inputs("0050"));
    expect(rig.ecs.tasksStarted).toBe(startedBefore);
    expect(message).toContain("note: RunTask returned this already stopped task from an earlier attempt");
  });

  it("GIVEN the same version with a new task definition after a run THEN ECS's ConflictException is explained", async () => {
    rig.ecs.play({ container: "shop-migrate", statuses: ["PROVISIONING", "STOPPED"], exitCode: 1 });
    await createError(inputs("0051"));
    const message = await createError(inputs("0051", { taskDefinitionArn: TASK_DEF.replace(/:7$/, ":8") }));
    expect(message).toContain(`RunTask for migration "0051" on ECS cluster "prod" failed: ConflictException:`);
    expect(message).toContain(
      "the same migration version never runs twice. Release the changed migration under a new migration version.",
    );
    expect(message).toContain("Traffic was not moved");
  });

  it("GIVEN the same migrationVersion WHEN diffed THEN there are no changes, even with a new task definition; a new version is an update, never a replace", async () => {
    const olds = { migrationVersion: "0042", taskArn: "arn:aws:ecs:us-east-1:123456789012:task/prod/abc", exitCode: 0 };
    expect(
      await rig.host.diff(TYPE, rig.text, "prod/0042", olds, {
        ...inputs("0042", { taskDefinitionArn: TASK_DEF.replace(/:7$/, ":9") }),
      }),
    ).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await rig.host.diff(TYPE, rig.text, "prod/0042", olds, { ...inputs("0043") })).toEqual({
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("GIVEN an update with the same version THEN no RunTask is sent and the previous record stands; a new version runs once", async () => {
    const olds = {
      migrationVersion: "0052",
      taskArn: "arn:aws:ecs:us-east-1:123456789012:task/prod/abc",
      exitCode: 0,
      startedAt: "2026-01-01T00:00:00.000Z",
      stoppedAt: "2026-01-01T00:01:00.000Z",
      durationSeconds: 60,
      logStream: "migration/shop-migrate/abc",
    };
    expect(
      await rig.host.update(TYPE, rig.text, "prod/0052", olds, {
        ...inputs("0052", { taskDefinitionArn: TASK_DEF.replace(/:7$/, ":9") }),
      }),
    ).toEqual(olds);
    expect(rig.ecs.requests).toEqual([]);

    rig.ecs.play(succeeds);
    const outs = await rig.host.update(TYPE, rig.text, "prod/0052", olds, { ...inputs("0053") });
    expect(outs.migrationVersion).toBe("0053");
    expect(rig.ecs.calls("RunTask").map((r) => r.clientToken)).toEqual([migrationClientToken("prod", "0053")]);
  });
});

describe("EcsMigration resource", () => {
  it("registers as pulumi-nodejs:dynamic/bluegreen:EcsMigration with its inputs, the serialized provider and readable outputs", async () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args);
          return {
            id: "prod/0042",
            state: { ...args.inputs, taskArn: "arn:aws:ecs:us-east-1:123456789012:task/prod/abc", exitCode: 0 },
          };
        },
        call: (args) => args.inputs,
      },
      "bluegreen",
      "test",
      false,
    );
    const migration = new EcsMigration("shop-migration-run", {
      region: "us-east-1",
      cluster: pulumi.output("prod"),
      taskDefinitionArn: TASK_DEF,
      containerName: "shop-migrate",
      subnetIds: ["subnet-0a1b2c3d4e5f60718"],
      securityGroupIds: [pulumi.output("sg-0123456789abcdef0")],
      migrationVersion: "0042",
      timeoutSeconds: 900,
    });
    const [taskArn, version] = await new Promise<[string, string]>((resolve) =>
      pulumi.all([migration.taskArn, migration.migrationVersion]).apply(resolve),
    );
    expect(taskArn).toBe("arn:aws:ecs:us-east-1:123456789012:task/prod/abc");
    expect(version).toBe("0042");
    expect(registered).toHaveLength(1);
    expect(registered[0].type).toBe(TYPE);
    const { __provider, ...rest } = registered[0].inputs;
    expect(__provider).toContain("exports.handler");
    expect(rest).toEqual({
      region: "us-east-1",
      cluster: "prod",
      taskDefinitionArn: TASK_DEF,
      containerName: "shop-migrate",
      subnetIds: ["subnet-0a1b2c3d4e5f60718"],
      securityGroupIds: ["sg-0123456789abcdef0"],
      migrationVersion: "0042",
      timeoutSeconds: 900,
    });
  });
});
