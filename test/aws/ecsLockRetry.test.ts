/**
 * A transactional migration on ECS that gave up waiting for a lock (the
 * lock-timeout wrapper's exit 75, components/migrationSessions.ts): the
 * failure says so, and a later `pulumi up` runs it again as a new task whose
 * clientToken derives from the stopped one (a migration not declared
 * transactional never is). The provider runs in Pulumi's real
 * dynamic-provider host with the real AWS SDK against testkit/ecsServer.ts,
 * as in ecsMigration.test.ts.
 */
import { describe, expect, it } from "vitest";
import { EcsMigrationInputs, lockRerunClientToken } from "../../components/aws/ecsMigration";
import { migrationClientToken } from "../../components/aws/migrationInputs";
import { failureMessage, LockRetry } from "../../components/aws/migrationOutcome";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { LOCK_TIMEOUT_EXIT_CODE } from "../../components/migrationSessions";
import type { TaskPlay } from "../../testkit/ecsServer";
import { useEcsMigrationRig } from "./ecsMigrationRig";

const TYPE = DYNAMIC_TYPES.ecsMigration.token;
const LOCK_RETRY: LockRetry = { lockTimeout: "5s", attempts: 4, exitCode: LOCK_TIMEOUT_EXIT_CODE };
const TASK = "arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef";
const CONTEXT = {
  migrationVersion: "0042",
  cluster: "prod",
  region: "us-east-1",
  containerName: "shop-migrate",
  logGroup: "/ecs/shop",
  logStreamPrefix: "migration",
};
const stopped = (exitCode: number) => ({
  taskArn: TASK,
  lastStatus: "STOPPED",
  stopCode: "EssentialContainerExited",
  containers: [{ name: "shop-migrate", exitCode }],
});

describe("the failure of a transactional migration that gave up on a lock (pure)", () => {
  it("says it gave up waiting for a lock on each attempt, applied nothing, and runs again at the next pulumi up", () => {
    const message = failureMessage({ ...CONTEXT, lockRetry: LOCK_RETRY }, { task: stopped(75), replayed: false });
    expect(message).toContain(
      'Migration "0042" failed on ECS cluster "prod": container "shop-migrate" exited with code 75: the migration gave up waiting for a lock (lock_timeout 5s) on each of its 4 attempts, and applied nothing (it is transactional).',
    );
    expect(message).toContain("Traffic was not moved");
    expect(message).toContain(
      'Fix: another session held a lock the migration needs for longer than that (a long transaction, or one left idle in a transaction): find it in pg_stat_activity and pg_locks, end it or wait until it is gone, then run `pulumi up` again: a transactional migration that gave up on a lock runs again under the same version "0042"',
    );
    expect(failureMessage({ ...CONTEXT, lockRetry: { ...LOCK_RETRY, attempts: 1 } }, { task: stopped(75) })).toContain(
      "on its only attempt, and applied nothing",
    );
  });

  it("reads exit 75 as any other code without lockRetry (a migration not declared transactional), and another code as itself", () => {
    const plain = failureMessage(CONTEXT, { task: stopped(75), replayed: true });
    expect(plain).toContain('container "shop-migrate" exited with code 75.');
    expect(plain).toContain("note: RunTask returned this already stopped task from an earlier attempt");
    expect(plain).toContain('"0042" is never run twice');
    expect(failureMessage({ ...CONTEXT, lockRetry: LOCK_RETRY }, { task: stopped(3) })).toContain(
      'container "shop-migrate" exited with code 3.',
    );
  });
});

describe("lockRerunClientToken (pure)", () => {
  it("is RunTask's 64 characters, the same for the same stopped task, and never a version's own token", () => {
    const next = lockRerunClientToken("prod", "0042", TASK);
    expect(next).toMatch(/^bluegreen-migration-[0-9a-f]{44}$/);
    expect(lockRerunClientToken("arn:aws:ecs:us-east-1:123456789012:cluster/prod", "0042", TASK)).toBe(next);
    expect(lockRerunClientToken("prod", "0042", TASK.replace(/f$/, "e"))).not.toBe(next);
    expect(next).not.toBe(migrationClientToken("prod", "0042"));
  });
});

describe("EcsMigration of a transactional migration through the real host and the AWS SDK", () => {
  const rig = useEcsMigrationRig();
  const { createError } = rig;
  const inputs = (migrationVersion: string, overrides: Partial<EcsMigrationInputs> = {}): EcsMigrationInputs =>
    rig.inputs(migrationVersion, {
      command: ["sh", "-c", "<wrapper>", "migration", "npm", "run", "migrate"],
      subnetIds: ["subnet-0a1b2c3d4e5f60718"],
      lockRetry: LOCK_RETRY,
      ...overrides,
    });
  const gaveUp: TaskPlay = {
    container: "shop-migrate",
    statuses: ["PROVISIONING", "RUNNING", "STOPPED"],
    exitCode: LOCK_TIMEOUT_EXIT_CODE,
    stopCode: "EssentialContainerExited",
  };
  const succeeds: TaskPlay = {
    container: "shop-migrate",
    statuses: ["PROVISIONING", "RUNNING", "STOPPED"],
    exitCode: 0,
  };

  it("GIVEN the wrapped migration exits 75 THEN the update fails saying it gave up on a lock and applied nothing", async () => {
    rig.ecs.play(gaveUp);
    const message = await createError(inputs("0101"));
    expect(message).toContain(
      'container "shop-migrate" exited with code 75: the migration gave up waiting for a lock (lock_timeout 5s) on each of its 4 attempts, and applied nothing (it is transactional).',
    );
    expect(message).not.toContain("note: RunTask returned this already stopped task");
  });

  it("GIVEN a later pulumi up THEN the stopped task is followed by a new run with the token derived from it, and a retried create attaches to that run", async () => {
    rig.ecs.play(gaveUp);
    await createError(inputs("0102"));
    const [first] = rig.ecs.calls("DescribeTasks")[0].tasks as string[];
    rig.ecs.reset();
    rig.ecs.play(succeeds);
    const started = rig.ecs.tasksStarted;
    const created = await rig.host.create(TYPE, rig.text, { ...inputs("0102") });
    expect(rig.ecs.tasksStarted).toBe(started + 1);
    expect(rig.ecs.calls("RunTask").map((call) => call.clientToken)).toEqual([
      migrationClientToken("prod", "0102"),
      lockRerunClientToken("prod", "0102", first),
    ]);
    expect(created.outs.exitCode).toBe(0);
    expect(created.outs.taskArn).not.toBe(first);

    rig.ecs.reset();
    const again = await rig.host.create(TYPE, rig.text, { ...inputs("0102") });
    expect(rig.ecs.tasksStarted).toBe(started + 1);
    expect(again.outs.taskArn).toBe(created.outs.taskArn);
    expect(rig.ecs.calls("RunTask")).toHaveLength(2);
  });

  it("GIVEN a migration not declared transactional (no lockRetry) THEN its stopped task is reported as a replay, never run again", async () => {
    rig.ecs.play(gaveUp);
    await createError(inputs("0103", { lockRetry: undefined }));
    const started = rig.ecs.tasksStarted;
    const message = await createError(inputs("0103", { lockRetry: undefined }));
    expect(rig.ecs.tasksStarted).toBe(started);
    expect(message).toContain("note: RunTask returned this already stopped task from an earlier attempt");
  });

  it("GIVEN a malformed lockRetry WHEN checked THEN it is refused with the shape expected", async () => {
    const result = await rig.host.check(
      TYPE,
      rig.text,
      {},
      { ...inputs("0104"), lockRetry: { lockTimeout: "", attempts: 0 } },
    );
    expect(result.failures).toEqual([
      {
        property: "lockRetry",
        reason:
          'must be { lockTimeout: "5s", attempts: 1 or more, exitCode: 1-255 } (what the lock-timeout wrapper was told), got {"attempts":0,"lockTimeout":""}',
      },
    ]);
  });
});
