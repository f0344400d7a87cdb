/**
 * Real engine, fake cloud: moving traffic on staging as a user does, with
 * `pulumi config set --path` and `pulumi up`, the real gate probing real
 * loopback servers (given through gate.targets). The ALB listener is the
 * fake aws provider's; its weights are read back from the stack's state.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { createEngineProject, EngineProject } from "../../testkit/engine";
import { initLoopbackStack } from "../../testkit/engineStandIns";
import { EcsServer } from "../../testkit/ecsServer";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";

const STACK = "staging";
let project: EngineProject;
let app: FaultServer;
let ecs: EcsServer;

const set = (key: string, value: string) => project.ok(["config", "set", "--stack", STACK, "--path", key, value]);
const env = () => ({ AWS_ENDPOINT_URL_ECS: ecs.endpoint });

/** The listener's forward weights in the stack's state, blue then green. */
async function listenerWeights(): Promise<number[]> {
  const exported = JSON.parse((await project.ok(["stack", "export", "--stack", STACK])).stdout);
  const listener = exported.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::api-traffic-listener"));
  return listener.inputs.defaultActions[0].forward.targetGroups.map((group: { weight: number }) => group.weight);
}

/** `pulumi up` with an event log; returns the result and the URNs in the order their operations finished. */
async function upWithEvents(): Promise<{ code: number; output: string; finished: string[] }> {
  const log = path.join(project.dir, `events-${Date.now()}.jsonl`);
  // --event-log exists when debug commands are on, as the Automation API turns them on.
  const result = await project.pulumi(["up", "--stack", STACK, "--yes", "--skip-preview", "--event-log", log], {
    ...env(),
    PULUMI_DEBUG_COMMANDS: "true",
  });
  const events = fs.existsSync(log)
    ? fs
        .readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];
  const finished = events.filter((e) => e.resOutputsEvent).map((e) => e.resOutputsEvent.metadata.urn as string);
  return { code: result.code, output: `${result.stdout}\n${result.stderr}`, finished };
}

beforeAll(async () => {
  project = createEngineProject();
  app = await startFaultServer();
  ecs = await EcsServer.start("eu-west-1");
  ecs.play({ container: "api-migrate", statuses: ["STOPPED"], exitCode: 0 });
  await initLoopbackStack(project, STACK, { app });
  await project.ok(["up", "--stack", STACK, "--yes", "--skip-preview"], env());
}, 300_000);

afterAll(async () => {
  await app?.close();
  await ecs?.stop();
  project?.remove();
});

describe("staging on the real engine: weights by config", () => {
  it("GIVEN 90/10 WHEN `config set --path bluegreen:traffic.green 50` (and blue 50) THEN green is probed before the listener moves", async () => {
    expect(await listenerWeights()).toEqual([90, 10]);
    app.reset();
    await set("bluegreen:traffic.blue", "50");
    await set("bluegreen:traffic.green", "50");
    const up = await upWithEvents();
    expect(up.code, up.output).toBe(0);
    expect(app.hits("/green/healthz")).toBeGreaterThanOrEqual(2);
    // Blue's share shrinks: it is not probed.
    expect(app.hits("/blue/healthz")).toBe(0);
    const gate = up.finished.findIndex((urn) =>
      urn.endsWith(`${DYNAMIC_TYPES.promotionGateCheck.token}::api-green-gate-check`),
    );
    const listener = up.finished.findIndex((urn) => urn.endsWith("::api-traffic-listener"));
    expect(gate).toBeGreaterThanOrEqual(0);
    expect(listener).toBeGreaterThan(gate);
    expect(await listenerWeights()).toEqual([50, 50]);
  }, 120_000);

  it("GIVEN a failing green WHEN its share rises THEN the update fails with the gate's message and the listener keeps 50/50", async () => {
    await set("bluegreen:gate.targets.green[0]", app.url("/status/503"));
    await set("bluegreen:traffic.blue", "25");
    await set("bluegreen:traffic.green", "75");
    const up = await upWithEvents();
    expect(up.code).not.toBe(0);
    expect(up.output).toContain('Promotion gate blocked traffic to green of app "api"');
    expect(up.output).toContain("observed HTTP 503");
    expect(up.finished.some((urn) => urn.endsWith("::api-traffic-listener"))).toBe(false);
    expect(await listenerWeights()).toEqual([50, 50]);
  }, 120_000);

  it("GIVEN the same failing green WHEN traffic goes back to blue THEN the rollback succeeds without a single probe", async () => {
    app.reset();
    await set("bluegreen:traffic.blue", "100");
    await set("bluegreen:traffic.green", "0");
    const up = await upWithEvents();
    expect(up.code, up.output).toBe(0);
    expect(app.totalHits()).toBe(0);
    expect(await listenerWeights()).toEqual([100, 0]);
  }, 120_000);
});
