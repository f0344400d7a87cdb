/**
 * The Automation API wiring, through the REAL @pulumi/pulumi/automation code,
 * against a stand-in `pulumi` binary that records every command line: proves
 * which CLI commands a shift runs. (scripts.test.ts runs the commands whole.)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { automationShiftStack } from "../../../tooling/shift/automation";
import { selectStack, PulumiCliMissingError } from "../../../tooling/cli/pulumiCli";
import { runShift } from "../../../tooling/shift/engine";
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
    const stack = automationShiftStack(await selectStack("staging", "shift"));
    const io = { now: () => new Date(0), sleep: async () => undefined, log: () => undefined, output: () => undefined };
    const outcome = await runShift(stack, { target: "green", steps: [25, 50], pauseMs: 0, split: false }, io);

    expect(outcome).toEqual({ ok: true, weights: { blue: 50, green: 50 } });
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
