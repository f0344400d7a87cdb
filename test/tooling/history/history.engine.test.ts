/**
 * Real engine, fake cloud: `npm run history` as users run it, through the
 * Automation API against the `pulumi` CLI built from Go modules. The stack is
 * deployed, then moved by `pulumi up` runs whose messages carry release
 * records as `shift` writes them (one of them fails at its gate); the
 * history must tell that story newest first, from the engine's own records,
 * without showing a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineProject, EngineProject } from "../../../testkit/engine";
import { initLoopbackStack } from "../../../testkit/engineStandIns";
import { EcsServer } from "../../../testkit/ecsServer";
import { FaultServer, startFaultServer } from "../../../testkit/faultServer";
import { formatUpdateMessage, ReleaseRecord } from "../../../tooling/history/record";

const STACK = "staging";
const SECRET = "Bearer history-s3cret-header";
let project: EngineProject;
let app: FaultServer;
let ecs: EcsServer;
const env = () => ({ AWS_ENDPOINT_URL_ECS: ecs.endpoint });

const split = (blue: number, green: number) => ({ blue, green });
const STEP_1: ReleaseRecord = {
  command: "shift",
  step: "1/2",
  target: "green",
  weights: { before: split(90, 10), after: split(50, 50) },
  gate: { blue: "skipped", green: "passed" },
  result: "progressing",
};
const STEP_2: ReleaseRecord = { ...STEP_1, step: "2/2", weights: { before: split(50, 50), after: split(0, 100) } };
const ROLLBACK: ReleaseRecord = {
  command: "rollback",
  step: "2/2",
  target: "green",
  weights: { before: split(0, 100), after: split(50, 50) },
  gate: { green: "blocked" },
  result: "rolled-back",
};

/** `pulumi up` with the traffic split and the message `shift` would give it. */
async function up(weights: { blue: number; green: number }, record: ReleaseRecord) {
  await project.setConfig(STACK, [
    ["bluegreen:traffic.blue", String(weights.blue)],
    ["bluegreen:traffic.green", String(weights.green)],
  ]);
  return project.pulumi(
    ["up", "--stack", STACK, "--yes", "--skip-preview", "--message", formatUpdateMessage(record)],
    env(),
  );
}

beforeAll(async () => {
  project = createEngineProject({ commands: true });
  app = await startFaultServer();
  ecs = await EcsServer.start("eu-west-1");
  ecs.play({ container: "api-migrate", statuses: ["STOPPED"], exitCode: 0 });
  await initLoopbackStack(project, STACK, { app });
  await project.setConfig(STACK, [["bluegreen:gateHeaders.Authorization", SECRET]], { secret: true });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await ecs?.stop();
  project?.remove();
});

describe("`npm run history` against the real CLI", () => {
  it("a deploy, a shift step, a step its gate blocks and the rollback: each update lands in the engine's history", async () => {
    const deploy = await project.command("deploy", [STACK, "--yes"], env());
    expect(deploy.code, `${deploy.stdout}\n${deploy.stderr}`).toBe(0);
    const step1 = await up(split(50, 50), STEP_1);
    expect(step1.code, `${step1.stdout}\n${step1.stderr}`).toBe(0);
    await project.setConfig(STACK, [["bluegreen:gate.targets.green[0]", app.url("/status/503")]]);
    const step2 = await up(split(0, 100), STEP_2);
    expect(step2.code, "the gate blocks green").not.toBe(0);
    const rollback = await up(split(50, 50), ROLLBACK);
    expect(rollback.code, `${rollback.stdout}\n${rollback.stderr}`).toBe(0);
  }, 600_000);

  it("the table lists them newest first with their versions, weights, records and results", async () => {
    const history = await project.command("history", [STACK], env());
    expect(history.code, history.stderr).toBe(0);
    const lines = history.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("Stack staging: 4 updates, newest first");
    expect(lines[1]).toMatch(
      /^ {2}started \(UTC\)\s+took\s+kind\s+result\s+blue\s+green\s+release\s+gate blue\/green\s+watch\s+summary$/,
    );
    const row = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+\S+\s+update`;
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^  ${row}\\s+succeeded\\s+1\\.4\\.2 50%\\s+1\\.5\\.0 50%\\s+rollback 2/2\\s+-/blocked\\s+-\\s+` +
            "rollback of green step 2/2: blue 0% / green 100% -> blue 50% / green 50%; gate green blocked; rolled-back$",
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^  ${row}\\s+failed\\s+1\\.4\\.2 0%\\s+1\\.5\\.0 100%\\s+shift 2/2\\s+skipped/passed\\s+-\\s+` +
            "FAILED: shift to green step 2/2: blue 50% / green 50% -> blue 0% / green 100%; gate blue skipped, green passed; not applied$",
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^  ${row}\\s+succeeded\\s+1\\.4\\.2 50%\\s+1\\.5\\.0 50%\\s+shift 1/2\\s+skipped/passed\\s+-\\s+shift to green step 1/2: `,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^  ${row}\\s+succeeded\\s+1\\.4\\.2 90%\\s+1\\.5\\.0 10%\\s+-\\s+-\\s+-\\s+no message$`),
      ),
    ]);
    expect(history.stdout + history.stderr).not.toContain("s3cret");
  }, 120_000);

  it("`--json` carries the same, and `--limit` keeps the newest", async () => {
    const history = await project.command("history", [STACK, "--json", "--limit", "3"], env());
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).not.toContain("s3cret");
    const document = JSON.parse(history.stdout);
    expect(document.stack).toBe(STACK);
    expect(
      document.updates.map((u: Record<string, unknown>) => [u.kind, u.result, u.versions, u.weights, u.release]),
    ).toEqual([
      [
        "update",
        "succeeded",
        { blue: "1.4.2", green: "1.5.0" },
        split(50, 50),
        { ...ROLLBACK, gate: { blue: null, green: "blocked" }, watch: null },
      ],
      ["update", "failed", { blue: "1.4.2", green: "1.5.0" }, split(0, 100), { ...STEP_2, watch: null }],
      ["update", "succeeded", { blue: "1.4.2", green: "1.5.0" }, split(50, 50), { ...STEP_1, watch: null }],
    ]);
    const times = document.updates.map((u: { startTime: string }) => Date.parse(u.startTime));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const u of document.updates) expect(u.durationSeconds).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it("a stack that does not exist exits 1 and names it", async () => {
    const history = await project.command("history", ["no-such-stack"], env());
    expect(history.code).toBe(1);
    expect(history.stderr).toBe(
      "no stack named no-such-stack in this backend: `pulumi stack ls` lists the stacks you can reach\n",
    );
  }, 120_000);
});
