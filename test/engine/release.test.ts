/**
 * Real engine, fake cloud: a release's hard moments as a user meets them,
 * `npm run shift` started as a terminal starts a foreground job (its own
 * process group) against the `pulumi` CLI built from Go modules. Ctrl-C is
 * SIGINT to that whole group, as a terminal sends it. Green's gate probes a
 * target the test controls and needs more healthy rounds than it will ever
 * get, so a step's `pulumi up` runs until the test makes the target fail:
 * nothing here depends on how fast the machine is.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELEASE_EXIT } from "../../tooling/release/outcome";
import { createEngineProject, EngineProject } from "../../testkit/engine";
import {
  AwsReleaseStandIns,
  initLoopbackStack,
  QUICK_GATE,
  startAwsReleaseStandIns,
} from "../../testkit/engineStandIns";
import { EcsServer } from "../../testkit/ecsServer";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";

const STACK = "staging";
/** More healthy rounds than the test lets happen: the step's gate ends when its target fails. */
const ENDLESS_GATE: [string, string][] = [
  ["bluegreen:gate.consecutiveSuccesses", "3000"],
  ["bluegreen:gate.intervalMs", "200"],
  ["bluegreen:gate.deadlineSeconds", "1800"],
];
let project: EngineProject;
let app: FaultServer;
let ecs: EcsServer;
/** CloudWatch (healthy users' traffic for the watch) and ELBv2, once the stack is deployed. */
let aws: AwsReleaseStandIns | undefined;
const env = () => ({ AWS_ENDPOINT_URL_ECS: ecs.endpoint, ...aws?.env });
let green: SwitchableTarget;

/** Green's probe target: healthy (as the fault server's health routes answer) until told to fail. */
interface SwitchableTarget {
  readonly url: string;
  hits(): number;
  healthy(ok: boolean): void;
  close(): Promise<void>;
}

async function startSwitchableTarget(): Promise<SwitchableTarget> {
  let ok = true;
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: ok ? "healthy" : "unhealthy" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`,
    hits: () => hits,
    healthy: (value) => void (ok = value),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function weights(): Promise<unknown> {
  return JSON.parse((await project.ok(["stack", "output", "--stack", STACK, "--json"])).stdout).weights;
}

async function pendingOperations(): Promise<unknown[]> {
  const state = JSON.parse((await project.ok(["stack", "export", "--stack", STACK])).stdout);
  return state.deployment.pending_operations ?? [];
}

/** Resolves once the gate has probed green at least once more than `before`. */
async function greenProbed(before: number): Promise<void> {
  while (green.hits() <= before) await new Promise((resolve) => setTimeout(resolve, 50));
}

beforeAll(async () => {
  project = createEngineProject({ commands: true });
  app = await startFaultServer();
  green = await startSwitchableTarget();
  ecs = await EcsServer.start("eu-west-1");
  ecs.play({ container: "api-migrate", statuses: ["STOPPED"], exitCode: 0 });
  await initLoopbackStack(project, STACK, { app }, [["bluegreen:gate.targets.green[0]", green.url]]);
  // The starting weights, deployed as a plain `pulumi up` (commands.test.ts runs `npm run deploy` itself).
  await project.ok(["up", "--stack", STACK, "--yes", "--skip-preview"], env());
  aws = await startAwsReleaseStandIns(project, STACK);
}, 600_000);

afterAll(async () => {
  await app?.close();
  await green?.close();
  await ecs?.stop();
  await aws?.stop();
  project?.remove();
});

describe("a release interrupted, locked out and approved, on the real CLI", () => {
  it(
    "GIVEN a step's `pulumi up` running WHEN a second shift starts THEN it exits 7 (locked) having changed nothing; " +
      "WHEN Ctrl-C is pressed twice THEN the update is cancelled gracefully (no pending operations), the weights are put back, exit 6",
    async () => {
      expect(await weights()).toEqual({ blue: 90, green: 10 });
      await project.setConfig(STACK, ENDLESS_GATE);
      const before = green.hits();
      const shift = project.start("shift", [STACK, "--to", "green", "--steps", "50", "--pause", "0"], env());
      await shift.waitFor(/step 1\/1: .*pulumi up/);
      await greenProbed(before);

      const second = await project.command("shift", [STACK, "--to", "green", "--steps", "60", "--pause", "0"], env());
      expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(RELEASE_EXIT.locked.code);
      expect(second.stderr).toContain(`stack ${STACK} is locked by another update`);

      shift.interrupt();
      await shift.waitFor(/Ctrl-C: cancelling the running `pulumi up` gracefully/);
      shift.interrupt();
      // The cancelled update waits for the gate in flight: failing its target ends it.
      green.healthy(false);
      const result = await shift.done;
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.code, output).toBe(RELEASE_EXIT.interrupted.code);
      expect(output).toMatch(/Ctrl-C again: already stopping|Ctrl-C ignored: the previous weights are being put back/);
      expect(result.stderr).toContain("Traffic was set back to blue 90% / green 10%.");
      expect(await pendingOperations()).toEqual([]);
      expect(await weights()).toEqual({ blue: 90, green: 10 });

      // The stack is usable at once: nothing left locked or pending.
      const preview = await project.pulumi(["preview", "--stack", STACK], env());
      expect(preview.code, preview.stderr).toBe(0);
    },
    600_000,
  );

  it(
    "GIVEN a shift waiting for approval WHEN `npm run shift -- staging --continue` runs in another process " +
      "THEN the waiting shift takes its next step and completes",
    async () => {
      green.healthy(true);
      await project.setConfig(
        STACK,
        QUICK_GATE.filter(([key]) => ENDLESS_GATE.some(([slow]) => slow === key)),
      );
      const shift = project.start("shift", [STACK, "--to", "green", "--steps", "approve,50", "--pause", "0"], env());
      await shift.waitFor(/--continue/);
      const approve = await project.command("shift", [STACK, "--continue"], env());
      expect(approve.code, `${approve.stdout}\n${approve.stderr}`).toBe(0);
      const result = await shift.done;
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(RELEASE_EXIT.done.code);
      expect(result.stdout).toContain("shift complete: blue 50% / green 50%");
      expect(await weights()).toEqual({ blue: 50, green: 50 });

      // Each of these releases is in the stack's history, read back from the engine's update records.
      const history = await project.command("history", [STACK], env());
      expect(history.code, history.stderr).toBe(0);
      const lines = history.stdout.split("\n");
      const column = lines.find((line) => line.includes("summary"))!.indexOf("summary");
      const summaries = lines.filter((line) => /^\s+\d{4}-/.test(line)).map((line) => line.slice(column));
      // Newest first: the approved shift, the put-back after Ctrl-C, the interrupted step (not applied), the deploy.
      expect(summaries).toEqual([
        "shift to green step 1/1: blue 90% / green 10% -> blue 50% / green 50%; completed",
        "rollback of green step 1/1: holding blue 90% / green 10%; rolled-back",
        "FAILED: shift to green step 1/1: blue 90% / green 10% -> blue 50% / green 50%; not applied",
        expect.stringMatching(/^(no message|deploy)/),
      ]);
    },
    600_000,
  );
});
