/**
 * Real engine, fake cloud: `npm run deploy`, `npm run status` and
 * `npm run shift` as users run them, through the Automation API against the
 * `pulumi` CLI built from Go modules. The shift recognises a blocked gate by
 * the engine's diagnostic events (the CLI streams them back over gRPC).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineProject, EngineProject } from "../../testkit/engine";
import { AwsReleaseStandIns, initLoopbackStack, startAwsReleaseStandIns } from "../../testkit/engineStandIns";
import { EcsServer } from "../../testkit/ecsServer";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";

const STACK = "staging";
let project: EngineProject;
let app: FaultServer;
let ecs: EcsServer;
/** CloudWatch and ELBv2, once the stack is deployed (they need its target groups). */
let aws: AwsReleaseStandIns | undefined;
const env = () => ({ AWS_ENDPOINT_URL_ECS: ecs.endpoint, ...aws?.env });
/** Progress lines without their time prefix. */
const untimed = (stdout: string) => stdout.split("\n").map((line) => line.replace(/^\[[^\]]+\] /, ""));

async function weights(): Promise<unknown> {
  return JSON.parse((await project.ok(["stack", "output", "--stack", STACK, "--json"])).stdout).weights;
}

beforeAll(async () => {
  project = createEngineProject({ commands: true });
  app = await startFaultServer();
  ecs = await EcsServer.start("eu-west-1");
  ecs.play({ container: "api-migrate", statuses: ["STOPPED"], exitCode: 0 });
  await initLoopbackStack(project, STACK, { app });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await ecs?.stop();
  await aws?.stop();
  project?.remove();
});

describe("the project's commands against the real CLI", () => {
  it("`npm run deploy -- staging --yes` runs `pulumi up` with the policy pack and the stack's policy config", async () => {
    const deploy = await project.command("deploy", [STACK, "--yes"], env());
    expect(deploy.code, `${deploy.stdout}\n${deploy.stderr}`).toBe(0);
    expect(deploy.stdout).toContain(
      `--policy-pack ${project.dir}/policies --policy-pack-config ${project.dir}/policies/config/staging.json --yes`,
    );
    expect(deploy.stdout).toMatch(/Resources:\s+\+ \d+ created/);
    expect(await weights()).toEqual({ blue: 90, green: 10 });
    aws = await startAwsReleaseStandIns(project, STACK);
  }, 300_000);

  it("`npm run status -- staging` shows the deployed split and verdicts from the stack outputs", async () => {
    const status = await project.command("status", [STACK], env());
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^Stack staging on aws \(stack outputs of the last update\)/);
    expect(status.stdout).toMatch(/green\s+1\.5\.0\s+\S+\s+10 %\s+weight\s+10\s+gate passed/);
  }, 120_000);

  it("`npm run shift -- staging --to green --steps 25,50 --pause 0` moves traffic one gated up per step", async () => {
    const shift = await project.command("shift", [STACK, "--to", "green", "--steps", "25,50", "--pause", "0"], env());
    expect(shift.code, `${shift.stdout}\n${shift.stderr}`).toBe(0);
    expect(untimed(shift.stdout)).toContain("shift complete: blue 50% / green 50%");
    expect(await weights()).toEqual({ blue: 50, green: 50 });
  }, 300_000);

  it("a step whose gate fails puts the previous weights back and names the gate's reason", async () => {
    await project.ok([
      "config",
      "set",
      "--stack",
      STACK,
      "--path",
      "bluegreen:gate.targets.green[0]",
      app.url("/status/503"),
    ]);
    const shift = await project.command("shift", [STACK, "--to", "green", "--steps", "75", "--pause", "0"], env());
    expect(shift.code).toBe(1);
    expect(shift.stderr).toMatch(
      /^SHIFT FAILED: step 1\/1 \(blue 25% \/ green 75%\) failed: Promotion gate blocked traffic to green of app "api"/,
    );
    expect(shift.stderr).toContain("observed HTTP 503");
    expect(shift.stderr).toContain("Traffic was set back to blue 50% / green 50%.");
    // The fake cloud's listener exists nowhere: the direct move fails, says so, and the recording up moves traffic.
    expect(shift.stderr).toMatch(
      /The direct move failed \(ModifyListener of arn:aws:elasticloadbalancing:.*ECONNREFUSED.*\): pulumi up moved traffic/,
    );
    expect(await weights()).toEqual({ blue: 50, green: 50 });
  }, 300_000);

  it("`npm run shift -- staging --abort` sends everything back to blue at once, without probing the failing green", async () => {
    app.reset();
    const abort = await project.command("shift", [STACK, "--abort"], env());
    expect(abort.code, `${abort.stdout}\n${abort.stderr}`).toBe(0);
    expect(untimed(abort.stdout)).toContain(
      "abort: blue 50% / green 50% -> blue 100% / green 0%: all traffic back to stable blue (1.4.2) at once",
    );
    expect(app.totalHits()).toBe(0);
    expect(await weights()).toEqual({ blue: 100, green: 0 });
  }, 300_000);
});
