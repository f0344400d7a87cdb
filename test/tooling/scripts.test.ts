/**
 * `npm run shift` and `npm run status` as users run them (tsx, real
 * Automation API), against the recording stand-in `pulumi`; and without any
 * `pulumi` on PATH, where both must fail fast and say what to do instead.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScript } from "./runScript";
import { CALLS, deployedStaging, FakeCli, installFakeCli } from "./release/fakeCli";

/** Progress lines without their time prefix. */
const untimed = (stdout: string) => stdout.split("\n").map((line) => line.replace(/^\[[^\]]+\] /, ""));

describe("with a `pulumi` on PATH", () => {
  let cli: FakeCli;
  const env = () => ({ PATH: `${cli.binDir}:${process.env.PATH}`, FAKE_PULUMI_STATE: cli.stateFile });
  beforeAll(() => {
    cli = installFakeCli();
  });
  afterAll(() => cli.remove());

  it("`npm run shift` runs end to end: progress lines, exit 0", async () => {
    cli.reset(deployedStaging());
    const result = await runScript("shift.ts", ["staging", "--to", "green", "--steps", "25,50", "--pause", "0"], env());
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(untimed(result.stdout)).toEqual([
      "shift stack staging to green (1.5.0): deployed blue 90% / green 10%",
      "step 1/2: blue 75% / green 25%: pulumi up (the gate probes green first)",
      expect.stringMatching(/^step 1\/2 done in \d+s: blue 75% \/ green 25%$/),
      "step 2/2: blue 50% / green 50%: pulumi up (the gate probes green first)",
      expect.stringMatching(/^step 2\/2 done in \d+s: blue 50% \/ green 50%$/),
      "shift complete: blue 50% / green 50%",
      "",
    ]);
  });

  it("`npm run shift` with a blocked gate: rolls back through the CLI and exits 1 with the reason", async () => {
    cli.reset(deployedStaging([50]));
    const result = await runScript(
      "shift.ts",
      ["staging", "--to", "green", "--steps", "25,50,100", "--pause", "0"],
      env(),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'SHIFT FAILED: step 2/3 (blue 50% / green 50%) failed: Promotion gate blocked traffic to green of app "api" (version 1.5.0, weight 25 -> 50 of 100). ' +
        "Failed check: HTTP status at http://10.0.0.7:8082/healthz: observed HTTP 503; limit one of [200] (gate.expectedStatus). " +
        "Traffic was set back to blue 75% / green 25%.\n",
    );
    const changes = cli.state().calls.filter((call) => call[0] === "up" || call[1] === "set-all");
    expect(changes).toEqual([
      CALLS.setTraffic(75, 25),
      CALLS.up,
      CALLS.setTraffic(50, 50),
      CALLS.up,
      CALLS.putBack(75, 25),
      CALLS.upWithoutPolicies,
      CALLS.setAllowLargeStep(false),
    ]);
    expect(cli.state().outputs.weights).toEqual({ blue: 75, green: 25 });
  });

  it("`npm run status` renders the stack outputs", async () => {
    cli.reset(deployedStaging());
    const result = await runScript("status.ts", ["staging"], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        "Stack staging on aws (stack outputs of the last update): https://api-lb-alb.eu-west-1.elb.amazonaws.com",
        "  blue   1.4.2  ███████████████████████████░░░   90 %  weight  90  primary  gate skipped",
        "  green  1.5.0  ███░░░░░░░░░░░░░░░░░░░░░░░░░░░   10 %  weight  10           gate passed",
        "  last snapshot:  api-pre-2026-11-20-orders-index",
        "  last migration: 2026-11-20-orders-index",
        "",
      ].join("\n"),
    );
    expect(cli.state().calls).toEqual([...CALLS.select, ...CALLS.outputs]);
  });
});

describe("without the Pulumi CLI", () => {
  let emptyPath: string;
  beforeAll(() => {
    emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
  });
  afterAll(() => fs.rmSync(emptyPath, { recursive: true, force: true }));

  it.concurrent.each([
    ["shift.ts", ["staging", "--to", "green"], "`npm run shift`"],
    ["status.ts", ["staging"], "`npm run status`"],
  ])("%s exits 1 at once, naming the CLI and the offline commands", async (script, args, command) => {
    const result = await runScript(script, args, { PATH: emptyPath });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      `${command} needs the Pulumi CLI (it drives \`pulumi up\` / \`pulumi stack output\` through the Automation API), but running \`pulumi version\` failed: \`pulumi\` is not on PATH. ` +
        "Install the CLI (https://www.pulumi.com/docs/install/) and log in to the stack's backend. " +
        "Without the CLI: `npm run plan -- <stack>` shows the offline plan and `npm run status -- <stack> --offline` shows where the stack's config puts traffic.\n",
    );
  });
});
