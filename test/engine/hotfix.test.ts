/**
 * Real engine, fake cloud: the release guard and a hotfix on production as a
 * user runs them, with `pulumi config set --path`, `pulumi preview` and
 * `pulumi up`. The guard's Check refuses at preview, before any step runs, a
 * breaking migration without the maintenance page and a hotfix carrying a new
 * migration version; a hotfix without one jumps 0 -> 100 % past maxStep 25
 * in one update, probed, after its emergency snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineProject, EngineProject } from "../../testkit/engine";
import { initLoopbackStack } from "../../testkit/engineStandIns";
import { EcsServer } from "../../testkit/ecsServer";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";

const STACK = "production";
const REASON = "INC-42: checkout times out on large carts";
let project: EngineProject;
let app: FaultServer;
let ecs: EcsServer;

const set = (...pairs: [string, string][]) => project.setConfig(STACK, pairs);
const env = () => ({ AWS_ENDPOINT_URL_ECS: ecs.endpoint });
const preview = async () => {
  const result = await project.pulumi(["preview", "--stack", STACK], env());
  return { code: result.code, output: `${result.stdout}\n${result.stderr}` };
};

beforeAll(async () => {
  project = createEngineProject();
  app = await startFaultServer();
  ecs = await EcsServer.start("eu-west-1");
  ecs.play({ container: "api-migrate", statuses: ["STOPPED"], exitCode: 0 });
  await initLoopbackStack(project, STACK, { app });
  await project.ok(["up", "--stack", STACK, "--yes", "--skip-preview"], env());
}, 600_000);

afterAll(async () => {
  await app?.close();
  await ecs?.stop();
  project?.remove();
});

describe("the release guard and a hotfix on the real engine", () => {
  it("refuses a new breaking migration in production without maintenance, before any step runs, naming the key", async () => {
    await set(
      ["bluegreen:migration.version", "2026-12-01-split-orders"],
      ["bluegreen:migration.reversible", "false"],
      ["bluegreen:migration.breaking", "true"],
      ["bluegreen:migration.rehearse", "true"],
    );
    const refused = await preview();
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain("api-release-guard");
    expect(refused.output).toContain(
      "migration 2026-12-01-split-orders is breaking (bluegreen:migration.breaking) and runs in this production update (2026-11-20-orders-index -> 2026-12-01-split-orders), but bluegreen:maintenance.enabled is not true",
    );
    // `pulumi up` (no separate preview) stops at the guard's Check too: no snapshot, no migration task.
    ecs.reset();
    const up = await project.pulumi(["up", "--stack", STACK, "--yes", "--skip-preview"], env());
    expect(up.code).not.toBe(0);
    expect(up.stdout + up.stderr).toContain("bluegreen:maintenance.enabled is not true");
    expect(ecs.calls("RunTask")).toEqual([]);
    const state = JSON.stringify(JSON.parse((await project.ok(["stack", "export", "--stack", STACK])).stdout));
    expect(state).not.toContain("api-pre-2026-12-01-split-orders");
    await project.removeConfig(
      STACK,
      ["reversible", "breaking", "rehearse"].map((key) => `bluegreen:migration.${key}`),
    );
    await set(["bluegreen:migration.reversible", "true"], ["bluegreen:migration.version", "2026-11-20-orders-index"]);
  }, 300_000);

  it("refuses a hotfix that carries a new migration version at preview, naming bluegreen:release.hotfix", async () => {
    await set(
      ["bluegreen:green.version", "1.4.3"],
      ["bluegreen:green.image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.3"],
      ["bluegreen:release.hotfix.reason", REASON],
      ["bluegreen:migration.version", "2026-12-01-index"],
    );
    const refused = await preview();
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(
      `bluegreen:release.hotfix is set ("${REASON}") but bluegreen:migration.version changes (2026-11-20-orders-index -> 2026-12-01-index)`,
    );
    await set(["bluegreen:migration.version", "2026-11-20-orders-index"]);
  }, 300_000);

  it("jumps the patch release 0 -> 100 % past maxStep 25 in one update with the flag: probed, after the emergency snapshot", async () => {
    await set(["bluegreen:traffic.blue", "0"], ["bluegreen:traffic.green", "100"]);
    app.reset();
    const up = await project.pulumi(["up", "--stack", STACK, "--yes", "--skip-preview"], env());
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(app.hits("/green/healthz")).toBeGreaterThanOrEqual(1);
    const outputs = JSON.parse((await project.ok(["stack", "output", "--stack", STACK, "--json"])).stdout);
    expect(outputs.hotfix).toEqual({ reason: REASON, snapshotId: "api-hotfix-1-4-3" });
    expect(outputs.weights).toEqual({ blue: 0, green: 100 });
    const state = JSON.parse((await project.ok(["stack", "export", "--stack", STACK])).stdout);
    const snapshot = state.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::api-hotfix-snapshot"));
    expect(snapshot.inputs).toMatchObject({
      dbSnapshotIdentifier: "api-hotfix-1-4-3",
      dbInstanceIdentifier: "api-production",
    });
    const gate = state.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::api-green-gate-check"));
    expect(gate.outputs).toMatchObject({ verdict: "passed", samples: 1, hotfix: true });
  }, 300_000);
});
