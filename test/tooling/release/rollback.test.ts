/**
 * A rollback's order (tooling/release/rollback.ts) on the in-memory stack:
 * the promotion rule first, then the stable weights in the stack config,
 * then the direct move of the data plane, then the `pulumi up` that records
 * it; every failure retried, said and never hidden. The invariant that makes
 * a crash harmless (nothing moves traffic before the config says where it
 * goes, and no up runs unless it does) is checked over every combination of
 * failing attempts of the config write, the direct move and the up.
 */
import { describe, expect, it } from "vitest";
import type { TrafficRoute } from "../../../components/contracts/outputs";
import { readStackConfig } from "../../../tooling/engine/stackFiles";
import { runAbort } from "../../../tooling/release/abort";
import { runShift } from "../../../tooling/release/shift";
import { errorRateBreach, FakeClock, FakeStack, FakeStackOptions } from "./fakeStack";

const STEPS = { target: "green" as const, steps: [10, 25, 50, 100], pauseMs: 300_000, split: false };
const ROUTE: TrafficRoute = {
  kind: "alb",
  listenerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/api/1/2",
  targetGroupArns: {
    blue: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-blue/1",
    green: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-green/2",
  },
};
const MOVE_TO_BLUE = `move listener ${ROUTE.kind === "alb" ? ROUTE.listenerArn : ""} forwarding blue 100 / green 0`;
const REASON = "green error rate 7.1 % (12 of 169 requests) > 5 % (bluegreen:watch.maxErrorRate)";
const BREACH = errorRateBreach(REASON);
const untimed = (lines: string[]) => lines.map((line) => line.replace(/^\[[^\]]+\] /, ""));

/** A stack whose put-back fails to write the weights `failures` times, as a stack file that cannot be written. */
class WriteFailingStack extends FakeStack {
  private writes = 0;
  constructor(
    clock: FakeClock,
    options: FakeStackOptions,
    private readonly failures: number,
  ) {
    super("staging", clock, options);
  }
  override async setConfig(values: Record<string, string>): Promise<void> {
    // Only the put-back's write of the weights (with gate.allowLargeStep) fails.
    if (values["bluegreen:gate.allowLargeStep"] === "true" && this.writes++ < this.failures) {
      this.calls.push("set FAILED");
      throw new Error("error: could not write Pulumi.staging.yaml: read-only file system");
    }
    return super.setConfig(values);
  }
}

/** A shift on staging from 90/10 that breaches while holding after step 2 (50/50): a rollback to blue 100. */
async function breachingShift(
  options: { writeFailures?: number; moveFailures?: number; upFailures?: number; route?: TrafficRoute } = {},
) {
  const clock = new FakeClock();
  const stackOptions: FakeStackOptions = {
    deployed: { blue: 90, green: 10 },
    outputs: { trafficRoute: options.route ?? ROUTE },
    // Ups 1-2 are the steps; 3 onwards the rollback's.
    engineFails: (up) => (up >= 3 && up < 3 + (options.upFailures ?? 0) ? "the stack is currently locked" : undefined),
  };
  const stack = new WriteFailingStack(clock, stackOptions, options.writeFailures ?? 0);
  /** What the stack config said each time traffic was moved (a direct move, or an up's start). */
  const configAtMove: { what: string; traffic: unknown }[] = [];
  let moves = 0;
  const session = clock.session(
    stack,
    (_request, index) => (index === 1 ? { kind: "breach", breaches: [BREACH], reason: REASON } : undefined),
    async () => {
      configAtMove.push({ what: "move", traffic: pick(stack.traffic()) });
      if (moves++ < (options.moveFailures ?? 0)) throw new Error("connect ECONNREFUSED 10.0.0.1:443");
    },
  );
  const up = stack.up.bind(stack);
  stack.up = async (upOptions) => {
    if (!upOptions.policies) configAtMove.push({ what: "up", traffic: pick(stack.traffic()) });
    return up(upOptions);
  };
  const outcome = await runShift(session, STEPS);
  return { clock, stack, outcome, configAtMove };
}

const pick = (traffic: Record<string, unknown>) => ({ blue: traffic.blue, green: traffic.green });

describe("a rollback after a breach, on a stack whose outputs say where the route lives", () => {
  it("GIVEN nothing fails THEN config, then the direct move, then the recording up, in that order, and it says so", async () => {
    const { clock, stack, outcome } = await breachingShift();
    expect(outcome).toMatchObject({ end: "breach", weights: { blue: 100, green: 0 } });
    expect(stack.calls.slice(-4)).toEqual([
      "set bluegreen:traffic.blue=100 bluegreen:traffic.green=0 bluegreen:gate.allowLargeStep=true",
      MOVE_TO_BLUE,
      "up -policies",
      "set bluegreen:gate.allowLargeStep=false",
    ]);
    expect(untimed(clock.lines).slice(-5)).toEqual([
      "putting blue 100% / green 0% back: stack config, then the data plane directly, then pulumi up to record it",
      "stack config: blue 100% / green 0% (+0 ms)",
      `data plane: ${MOVE_TO_BLUE.replace(/^move /, "")}, read back (+0 ms)`,
      "recording blue 100% / green 0%: pulumi up (no step limit, policy pack not run)",
      "put back: blue 100% / green 0%, recorded (+65.0 s)",
    ]);
    expect(clock.events.map((e) => e.type).slice(-2)).toEqual(["rollback-started", "rolled-back"]);
  });

  it("GIVEN the direct move fails twice THEN it is tried again after 100 and 400 ms, each failure said, and succeeds", async () => {
    const { clock, stack, outcome } = await breachingShift({ moveFailures: 2 });
    expect(outcome.end).toBe("breach");
    expect(outcome.summary).not.toContain("direct move failed");
    expect(stack.calls.filter((call) => call.startsWith("move"))).toHaveLength(3);
    expect(untimed(clock.lines).filter((line) => line.includes("FAILED"))).toEqual([
      "the direct move FAILED (attempt 1 of 3, trying again in 100 ms): connect ECONNREFUSED 10.0.0.1:443",
      "the direct move FAILED (attempt 2 of 3, trying again in 400 ms): connect ECONNREFUSED 10.0.0.1:443",
    ]);
    expect(untimed(clock.lines)).toContain(`data plane: ${MOVE_TO_BLUE.replace(/^move /, "")}, read back (+500 ms)`);
  });

  it("GIVEN the direct move never works THEN the up moves traffic, and the outcome says the direct move failed", async () => {
    const { stack, outcome } = await breachingShift({ moveFailures: 3 });
    expect(outcome.end).toBe("breach");
    expect(outcome.summary).toContain(
      "The direct move failed (connect ECONNREFUSED 10.0.0.1:443): pulumi up moved traffic.",
    );
    expect(stack.deployed).toEqual({ blue: 100, green: 0 });
  });

  it("GIVEN the config cannot be written THEN users are moved directly, no up runs, and it ends rollbackFailed saying why", async () => {
    const { stack, outcome } = await breachingShift({ writeFailures: 3 });
    expect(outcome.end).toBe("rollbackFailed");
    expect(outcome.weights).toEqual({ blue: 100, green: 0 });
    expect(outcome.summary).toContain(
      "Traffic was moved to blue 100% / green 0% directly, but writing it to the stack",
    );
    expect(outcome.summary).toContain("a `pulumi up` now would send traffic back to blue 50% / green 50%");
    expect(stack.calls.slice(-4)).toEqual(["set FAILED", "set FAILED", "set FAILED", MOVE_TO_BLUE]);
  });

  it("GIVEN the recording up fails three times THEN traffic is on stable anyway, and the outcome says to run pulumi up", async () => {
    const { stack, outcome } = await breachingShift({ upFailures: 3 });
    expect(outcome.end).toBe("rollbackFailed");
    expect(outcome.weights).toEqual({ blue: 100, green: 0 });
    expect(outcome.summary).toContain(
      "Traffic was moved to blue 100% / green 0% directly and the stack config says so",
    );
    expect(outcome.summary).toContain("Run `pulumi up` on stack staging to record it");
    expect(stack.traffic()).toMatchObject({ blue: 100, green: 0 });
  });

  it("over every combination of failing attempts: nothing moves traffic before the config says stable, no failure is hidden", async () => {
    for (const writeFailures of [0, 1, 2, 3])
      for (const moveFailures of [0, 1, 2, 3])
        for (const upFailures of [0, 1, 2, 3]) {
          const failures = { writeFailures, moveFailures, upFailures };
          const { clock, stack, outcome, configAtMove } = await breachingShift(failures);
          const written = writeFailures < 3;
          const at = JSON.stringify(failures);
          // A crash at any point after the write leaves a config that the next up cannot undo the rollback with.
          for (const { what, traffic } of configAtMove) {
            if (what === "up" || written) expect(traffic, `${at}: ${what}`).toEqual({ blue: 100, green: 0 });
          }
          expect(configAtMove.filter((m) => m.what === "up").length, at).toBe(
            written ? Math.min(upFailures + 1, 3) : 0,
          );
          expect(configAtMove.filter((m) => m.what === "move").length, at).toBe(Math.min(moveFailures + 1, 3));
          const said = untimed(clock.lines).filter((line) => / FAILED \(attempt \d of 3/.test(line)).length;
          expect(said, at).toBe(
            Math.min(writeFailures, 3) + Math.min(moveFailures, 3) + (written ? Math.min(upFailures, 3) : 0),
          );
          const recorded = written && upFailures < 3;
          expect(outcome.end, at).toBe(recorded ? "breach" : "rollbackFailed");
          expect(stack.deployed, at).toEqual(recorded ? { blue: 100, green: 0 } : { blue: 50, green: 50 });
          if (recorded) expect(outcome.summary.includes("direct move failed"), at).toBe(moveFailures >= 3);
        }
  });
});

describe("what may refuse a rollback, judged before anything moves", () => {
  it("GIVEN a person made green's migration irreversible and major during the hold THEN nothing is moved, the config is put back, and it says so", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, {
      deployed: { blue: 90, green: 10 },
      outputs: { trafficRoute: ROUTE },
    });
    const values = readStackConfig("staging").values;
    const session = clock.session(stack, (_request, index) => {
      if (index !== 1) return undefined;
      // As `pulumi config set` from another terminal: green's release is now 2.0.0 with an irreversible migration.
      stack.raw["bluegreen:green"] = JSON.stringify({
        ...JSON.parse(values["bluegreen:green"]),
        version: "2.0.0",
        image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:2.0.0",
      });
      stack.raw["bluegreen:migration"] = JSON.stringify({
        ...JSON.parse(values["bluegreen:migration"]),
        reversible: false,
      });
      return { kind: "breach", breaches: [BREACH], reason: REASON };
    });
    const outcome = await runShift(session, STEPS);
    expect(outcome.end).toBe("rollbackFailed");
    expect(outcome.weights).toEqual({ blue: 50, green: 50 });
    expect(outcome.summary).toMatch(
      /Nothing was moved: putting blue 100% \/ green 0% back would be refused by blue's gate: /,
    );
    expect(outcome.summary).toContain("(the stack config was put back to blue 50% / green 50%)");
    expect(clock.moves).toEqual([]);
    // Written while the config was read again, then undone once the new config refused it; no update.
    expect(stack.calls.slice(-3)).toEqual([
      "up",
      "set bluegreen:traffic.blue=100 bluegreen:traffic.green=0 bluegreen:gate.allowLargeStep=true",
      "set bluegreen:traffic.blue=50 bluegreen:traffic.green=50 bluegreen:gate.allowLargeStep=false",
    ]);
    expect(clock.events.at(-1)).toMatchObject({ type: "rollback-failed" });
  });
});

describe("`shift --abort` moves the data plane the same way", () => {
  it("GIVEN 50/50 with a known route THEN config, direct move, recording up", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, {
      deployed: { blue: 50, green: 50 },
      outputs: { trafficRoute: ROUTE },
    });
    const outcome = await runAbort(clock.session(stack));
    expect(outcome).toEqual({
      end: "done",
      summary: "aborted: blue 100% / green 0%",
      weights: { blue: 100, green: 0 },
    });
    expect(stack.calls).toEqual([
      "set bluegreen:traffic.blue=100 bluegreen:traffic.green=0 bluegreen:gate.allowLargeStep=true",
      MOVE_TO_BLUE,
      "up -policies",
      "set bluegreen:gate.allowLargeStep=false",
    ]);
  });
});
