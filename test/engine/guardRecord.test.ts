/**
 * Real engine, fake cloud: the release guard judges an update against the
 * migration that last completed, not the one it last let through. Its
 * record (`api-release-guard-record`) is written only once the migration step
 * succeeded, so after a migration that fails, `pulumi preview` and
 * `pulumi up --skip-preview` (what the Automation API runs) refuse a hotfix
 * that carries the failed version, before any step runs; once a version
 * completes, the record moves to it and a hotfix may keep it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineProject, EngineProject } from "../../testkit/engine";
import { initLoopbackStack } from "../../testkit/engineStandIns";
import { EcsServer } from "../../testkit/ecsServer";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";

const STACK = "production";
const REASON = "INC-42: checkout times out on large carts";
/** The shipped stack's migration: it runs in the first update. */
const SHIPPED = "2026-11-20-orders-index";
const FAILING = "2026-12-01-index";
const FIXED = "2026-12-01-index-fix1";
let project: EngineProject;
let app: FaultServer;
let ecs: EcsServer;

interface StateResource {
  readonly urn: string;
  readonly inputs: Record<string, any>;
  readonly outputs?: Record<string, any>;
}

const set = (...pairs: [string, string][]) => project.setConfig(STACK, pairs);
const env = () => ({ AWS_ENDPOINT_URL_ECS: ecs.endpoint });
const run = async (args: string[]) => {
  const result = await project.pulumi([...args, "--stack", STACK], env());
  return { code: result.code, output: `${result.stdout}\n${result.stderr}` };
};
const up = () => run(["up", "--yes", "--skip-preview"]);
const migrationRuns = (exitCode: number) => ecs.play({ container: "api-migrate", statuses: ["STOPPED"], exitCode });
async function resources(): Promise<StateResource[]> {
  const state = JSON.parse((await project.ok(["stack", "export", "--stack", STACK])).stdout);
  return state.deployment.resources;
}
const named = (all: readonly StateResource[], name: string) => all.find((r) => r.urn.endsWith(`::${name}`));
/**
 * What the record holds; the version the guard itself let through last and the migration it judged that
 * against; what the marker after the migration holds.
 */
async function memory() {
  const all = await resources();
  const guard = named(all, "api-release-guard")?.inputs;
  return {
    record: named(all, "api-release-guard-record")?.outputs?.migration,
    guard: guard?.migration?.version,
    judged: guard?.completedMigration,
    completed: named(all, "api-migration-completed")?.inputs.migration,
  };
}
const hotfixRefusal = (version: string) =>
  `bluegreen:release.hotfix is set ("${REASON}") but bluegreen:migration.version changes (${SHIPPED} -> ${version})`;

beforeAll(async () => {
  project = createEngineProject();
  app = await startFaultServer();
  ecs = await EcsServer.start("eu-west-1");
  migrationRuns(0);
  await initLoopbackStack(project, STACK, { app });
  const first = await up();
  expect(first.code, first.output).toBe(0);
}, 600_000);

afterAll(async () => {
  await app?.close();
  await ecs?.stop();
  project?.remove();
});

describe("the release guard's record on the real engine", () => {
  it("holds the first update's migration once it ran", async () => {
    expect(await memory()).toEqual({
      record: { version: SHIPPED, breaking: false },
      guard: SHIPPED,
      // The first update had nothing to judge against.
      judged: undefined,
      completed: { version: SHIPPED, breaking: false },
    });
  }, 120_000);

  it("stays at the last completed migration when the next one fails, though the guard let the new version through", async () => {
    await set(["bluegreen:migration.version", FAILING]);
    ecs.reset();
    migrationRuns(3);
    const failed = await up();
    expect(failed.code).not.toBe(0);
    expect(failed.output).toContain("exited with code 3");
    expect(ecs.calls("RunTask")).toHaveLength(1);
    expect(await memory()).toEqual({
      record: { version: SHIPPED, breaking: false },
      // What the guard's own state would have said: the failed version, as if it had run.
      guard: FAILING,
      judged: { version: SHIPPED, breaking: false },
      completed: { version: SHIPPED, breaking: false },
    });
  }, 300_000);

  it("then refuses a hotfix that keeps the failed version, at preview and at `pulumi up --skip-preview`, before any step", async () => {
    await set(
      ["bluegreen:green.version", "1.4.3"],
      ["bluegreen:green.image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.3"],
      ["bluegreen:traffic.blue", "0"],
      ["bluegreen:traffic.green", "100"],
      ["bluegreen:release.hotfix.reason", REASON],
    );
    const preview = await run(["preview"]);
    expect(preview.code).not.toBe(0);
    expect(preview.output).toContain("api-release-guard");
    expect(preview.output).toContain(hotfixRefusal(FAILING));
    expect(preview.output).toContain(`keep bluegreen:migration.version at ${SHIPPED}.`);

    ecs.reset();
    const refused = await up();
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(hotfixRefusal(FAILING));
    // Nothing ran: no migration task, no emergency snapshot.
    expect(ecs.calls("RunTask")).toEqual([]);
    expect(named(await resources(), "api-hotfix-snapshot")).toBeUndefined();
  }, 300_000);

  it("moves to a fixed version once it completed, and a hotfix may then keep that version", async () => {
    await project.removeConfig(STACK, ["bluegreen:release.hotfix"]);
    await set(
      ["bluegreen:green.version", "1.5.0"],
      ["bluegreen:green.image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.5.0"],
      ["bluegreen:traffic.blue", "100"],
      ["bluegreen:traffic.green", "0"],
      ["bluegreen:migration.version", FIXED],
    );
    ecs.reset();
    migrationRuns(0);
    const fixed = await up();
    expect(fixed.code, fixed.output).toBe(0);
    expect(await memory()).toEqual({
      record: { version: FIXED, breaking: false },
      guard: FIXED,
      judged: { version: SHIPPED, breaking: false },
      completed: { version: FIXED, breaking: false },
    });

    await set(
      ["bluegreen:green.version", "1.4.3"],
      ["bluegreen:green.image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.3"],
      ["bluegreen:release.hotfix.reason", REASON],
    );
    const preview = await run(["preview"]);
    expect(preview.code, preview.output).toBe(0);
    expect(preview.output).not.toContain("bluegreen:release.hotfix is set");
  }, 300_000);
});
