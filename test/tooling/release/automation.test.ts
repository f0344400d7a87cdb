/**
 * The Automation API wiring, through the REAL @pulumi/pulumi/automation code,
 * against a stand-in `pulumi` binary that records every command line: proves
 * which CLI commands a shift runs. (scripts.test.ts runs the commands whole.)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { automationReleaseStack } from "../../../tooling/release/automation";
import { Interrupts } from "../../../tooling/release/interrupts";
import { selectStack, PulumiCliMissingError } from "../../../tooling/cli/pulumiCli";
import { runShift } from "../../../tooling/release/shift";
import { CALLS, deployedStaging, FakeCli, installFakeCli } from "./fakeCli";

describe("Automation API wiring against a recording `pulumi`", () => {
  let cli: FakeCli;
  const saved = { PATH: process.env.PATH };

  beforeAll(() => {
    cli = installFakeCli();
    cli.reset(deployedStaging());
    Object.assign(process.env, { PATH: `${cli.binDir}:${saved.PATH}`, FAKE_PULUMI_STATE: cli.stateFile });
  });
  afterAll(() => {
    process.env.PATH = saved.PATH;
    delete process.env.FAKE_PULUMI_STATE;
    cli.remove();
  });

  it("selects the stack, reads config and deployed weights, then per step: config set-all --path and up with the policy pack", async () => {
    const stack = automationReleaseStack(await selectStack("staging", "shift"));
    const session = {
      stack,
      now: () => new Date(0),
      log: () => undefined,
      output: () => undefined,
      interrupts: new Interrupts(() => undefined),
      notify: () => undefined,
      moveDataPlane: () => Promise.reject(new Error("a shift whose steps pass moves no data plane directly")),
      sleep: () => Promise.reject(new Error("a shift whose steps pass never waits to try again")),
      who: "ops@laptop",
      watcher: () => {
        throw new Error("a shift with --pause 0 holds nowhere");
      },
    };
    const outcome = await runShift(session, { target: "green", steps: [25, 50], pauseMs: 0, split: false });

    expect(outcome).toMatchObject({ end: "done", weights: { blue: 50, green: 50 } });
    expect(cli.state().calls).toEqual([
      ...CALLS.select,
      CALLS.config,
      ...CALLS.outputs,
      CALLS.setTraffic(75, 25),
      CALLS.up,
      ...CALLS.afterUp,
      CALLS.setTraffic(50, 50),
      CALLS.up,
      ...CALLS.afterUp,
    ]);
    // `--path` kept the rest of the traffic object and typed the numbers.
    expect(JSON.parse(cli.state().config["bluegreen:traffic"])).toEqual({
      blue: 50,
      green: 50,
      stickinessSeconds: 300,
    });
  });
});

describe("without the Pulumi CLI", () => {
  let emptyPath: string;
  const saved = process.env.PATH;
  beforeAll(() => {
    emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
    process.env.PATH = emptyPath;
  });
  afterAll(() => {
    process.env.PATH = saved;
    fs.rmSync(emptyPath, { recursive: true, force: true });
  });

  it("selectStack throws PulumiCliMissingError naming the command and the offline alternatives", async () => {
    const error = await selectStack("staging", "shift").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PulumiCliMissingError);
    expect((error as Error).message).toMatch(
      /^`npm run shift` needs the Pulumi CLI .* `pulumi` is not on PATH\. .* `npm run plan -- <stack>` .* `npm run status -- <stack> --offline`/,
    );
  });
});
