/**
 * `npm run shift` as the release engine runs it, against an in-memory stack
 * with the program's real config rules and the gate's real promotion rule,
 * on a logical clock (holds pass their duration; nothing waits in real time).
 */
import { describe, expect, it } from "vitest";
import { parseReleaseRecord } from "../../../tooling/history/record";
import { runShift } from "../../../tooling/release/shift";
import { readStackConfig } from "../../../tooling/engine/stackFiles";
import { errorRateBreach, FakeClock, FakeStack } from "./fakeStack";

const STEPS = { target: "green" as const, steps: [10, 25, 50, 100], pauseMs: 300_000, split: false };
const GATE_503 =
  'Promotion gate blocked traffic to green of app "api" (version 1.5.0, weight 25 -> 50 of 100). ' +
  "Failed check: HTTP status at http://10.0.0.7:8082/healthz: observed HTTP 503; limit one of [200] (gate.expectedStatus). " +
  "Stopped because 3 consecutive failed rounds reached gate.failureThreshold (3). Traffic was NOT moved: the listener weights are unchanged";

function set(blue: number, green: number): string {
  return `set bluegreen:traffic.blue=${blue} bluegreen:traffic.green=${green}`;
}
/** Putting weights back: the weights and gate.allowLargeStep in one write, then one update without the policy pack. */
const putBack = (blue: number, green: number) => [
  `${set(blue, green)} bluegreen:gate.allowLargeStep=true`,
  "up -policies",
  "set bluegreen:gate.allowLargeStep=false",
];
/** What a put-back logs on a stack whose outputs say nothing about its route (deployed by an earlier program). */
const putBackLines = (blue: number, green: number) => [
  `putting blue ${blue}% / green ${green}% back: stack config, then the data plane directly, then pulumi up to record it`,
  `stack config: blue ${blue}% / green ${green}% (+0 ms)`,
  "data plane: no direct move: the stack has no `trafficRoute` output, it was deployed by an earlier version of this program. pulumi up moves traffic",
  `recording blue ${blue}% / green ${green}%: pulumi up (no step limit, policy pack not run)`,
  `put back: blue ${blue}% / green ${green}%, recorded (+65.0 s)`,
];
const untimed = (lines: string[]) => lines.map((line) => line.replace(/^\[[^\]]+\] /, ""));

describe("runShift on staging (gate.maxStep 50), green at 10 %", () => {
  it("GIVEN healthy gates WHEN shifting THEN runs one gated up per step, watching between, and logs step, weights and time", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 90, green: 10 } });
    const outcome = await runShift(clock.session(stack), STEPS);

    expect(outcome).toEqual({
      end: "done",
      summary: "shift complete: blue 0% / green 100%",
      weights: { blue: 0, green: 100 },
    });
    expect(stack.calls).toEqual([set(75, 25), "up", set(50, 50), "up", set(0, 100), "up"]);
    expect(clock.lines).toEqual([
      "[10:00:00Z +0s] shift stack staging to green (1.5.0): deployed blue 90% / green 10%",
      "[10:00:00Z +0s] already reached: 10 % (skipped)",
      "[10:00:00Z +0s] step 1/3: blue 75% / green 25%: pulumi up (the gate probes green first)",
      "[10:01:05Z +1m05s] step 1/3 done in 1m05s: blue 75% / green 25%",
      "[10:01:05Z +1m05s] hold 5m00s before step 2/3, watching green every 60 s",
      "[10:06:05Z +6m05s] step 2/3: blue 50% / green 50%: pulumi up (the gate probes green first)",
      "[10:07:10Z +7m10s] step 2/3 done in 1m05s: blue 50% / green 50%",
      "[10:07:10Z +7m10s] hold 5m00s before step 3/3, watching green every 60 s",
      "[10:12:10Z +12m10s] step 3/3: blue 0% / green 100%: pulumi up (the gate probes green first)",
      "[10:13:15Z +13m15s] step 3/3 done in 1m05s: blue 0% / green 100%",
    ]);
    expect(clock.holds.map((h) => [h.durationMs, h.roles.candidate, h.roles.stable, h.weights])).toEqual([
      [300_000, "green", "blue", { blue: 75, green: 25 }],
      [300_000, "green", "blue", { blue: 50, green: 50 }],
    ]);
    expect(stack.traffic()).toEqual({ blue: 0, green: 100, stickinessSeconds: 300 });
    // Each update carries the release record the stack's history shows.
    expect(stack.messages.map((m) => parseReleaseRecord(m))).toEqual([
      expect.objectContaining({
        kind: "record",
        record: expect.objectContaining({ step: "1/3", result: "progressing" }),
      }),
      expect.objectContaining({
        kind: "record",
        record: expect.objectContaining({ step: "2/3", result: "progressing" }),
      }),
      expect.objectContaining({
        kind: "record",
        record: expect.objectContaining({ step: "3/3", result: "completed" }),
      }),
    ]);
    expect(clock.events.map((e) => e.type)).toEqual([
      "step-started",
      "step-done",
      "step-started",
      "step-done",
      "step-started",
      "step-done",
      "completed",
    ]);
  });

  it.each([
    [1, 25, { blue: 90, green: 10 }],
    [2, 50, { blue: 75, green: 25 }],
    [3, 100, { blue: 50, green: 50 }],
  ])(
    "GIVEN the gate fails at step %d (green %d) THEN the previous weights go back, without the policy pack, and the reason is returned",
    async (index, failing, previous) => {
      const clock = new FakeClock();
      const stack = new FakeStack("staging", clock, {
        deployed: { blue: 90, green: 10 },
        probeFails: (color, weight) => color === "green" && weight === failing,
      });
      const outcome = await runShift(clock.session(stack), STEPS);

      const reason = GATE_503.replace("weight 25 -> 50", `weight ${previous.green} -> ${failing}`);
      expect(outcome).toEqual({
        end: "failed",
        summary: `step ${index}/3 (blue ${100 - failing}% / green ${failing}%) failed: ${reason}. Traffic was set back to blue ${previous.blue}% / green ${previous.green}%.`,
        weights: previous,
      });
      const reached = [set(75, 25), "up", set(50, 50), "up"].slice(0, 2 * (index - 1));
      expect(stack.calls).toEqual([
        ...reached,
        set(100 - failing, failing),
        "up",
        ...putBack(previous.blue, previous.green),
      ]);
      expect(stack.deployed).toEqual(previous);
      expect(untimed(clock.lines).slice(-6)).toEqual([
        `step ${index}/3 FAILED after 1m05s: ${reason}`,
        ...putBackLines(previous.blue, previous.green),
      ]);
    },
  );

  it("GIVEN the rollback's update fails three times THEN ends in rollbackFailed, with both reasons and what to do", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, {
      deployed: { blue: 90, green: 10 },
      probeFails: (color, weight) => color === "green" && weight === 50,
      engineFails: (up) => (up >= 3 ? "the stack is currently locked by 1 lock(s)" : undefined),
    });
    const outcome = await runShift(clock.session(stack), STEPS);
    expect(outcome.end).toBe("rollbackFailed");
    expect(outcome.summary).toBe(
      `step 2/3 (blue 50% / green 50%) failed: ${GATE_503}. Putting blue 75% / green 25% back FAILED: the stack is currently locked by 1 lock(s). ` +
        "Traffic may still be at blue 75% / green 25%: check `npm run status -- staging` and move it by hand (`npm run shift -- staging --abort`).",
    );
    expect(clock.events.map((e) => e.type).slice(-2)).toEqual(["rollback-started", "rollback-failed"]);
  });

  it("GIVEN a crash while holding after step 2 WHEN rerun THEN reads the deployed weights and continues from step 3 only", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 90, green: 10 } });
    const crashing = clock.session(stack, (_request, index) => {
      if (index === 1) throw new Error("killed");
      return undefined;
    });
    await expect(runShift(crashing, STEPS)).rejects.toThrow("killed");
    expect(stack.deployed).toEqual({ blue: 50, green: 50 });

    const rerun = new FakeClock("2026-11-24T11:00:00Z");
    const calls = stack.calls.length;
    const outcome = await runShift(rerun.session(stack), STEPS);
    expect(outcome.end).toBe("done");
    expect(stack.calls.slice(calls)).toEqual([set(0, 100), "up"]);
    expect(rerun.lines.slice(0, 3)).toEqual([
      "[11:00:00Z +0s] shift stack staging to green (1.5.0): deployed blue 50% / green 50%",
      "[11:00:00Z +0s] already reached: 10 %, 25 %, 50 % (skipped)",
      "[11:00:00Z +0s] step 1/1: blue 0% / green 100%: pulumi up (the gate probes green first)",
    ]);
  });

  it("GIVEN a crash after the config was written but before the up THEN the rerun redoes that step from the deployed weights", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 75, green: 25 } });
    await stack.setConfig({ "bluegreen:traffic.blue": "50", "bluegreen:traffic.green": "50" });
    const outcome = await runShift(clock.session(stack), STEPS);
    expect(outcome.end).toBe("done");
    expect(stack.calls.slice(1)).toEqual([set(50, 50), "up", set(0, 100), "up"]);
  });

  it("GIVEN the stack's migration was rehearsed THEN its plan says what the rehearsal measured; another version's report is not shown", async () => {
    const rehearsal = (migrationVersion: string) => ({
      kind: "migration-rehearsal",
      migrationVersion,
      durationMs: 4_200,
      sampledEveryMs: 50,
      locks: [{ table: "public.orders", mode: "AccessExclusiveLock", heldMs: 4_100 }],
    });
    const shift = async (reported: string) => {
      const clock = new FakeClock();
      const outputs = { migrationVersion: "42", rehearsal: rehearsal(reported) };
      const stack = new FakeStack("staging", clock, { deployed: { blue: 90, green: 10 }, outputs });
      await runShift(clock.session(stack), STEPS);
      return untimed(clock.lines).filter((line) => line.includes("rehears"));
    };
    expect(await shift("42")).toEqual([
      "migration 42 rehearsed on a copy of the real data: ran 4.2 s; held public.orders AccessExclusiveLock 4.1 s",
    ]);
    expect(await shift("41")).toEqual([]);
  });

  it("does nothing when the target already has every step", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 0, green: 100 } });
    expect(await runShift(clock.session(stack), STEPS)).toMatchObject({
      end: "done",
      summary: "nothing to do: green already has 100 %",
    });
    expect(stack.calls).toEqual([]);
  });
});

describe("runShift watching: breach, no data, bake", () => {
  it("GIVEN a breach while holding after step 2 THEN all traffic goes to the stable color at once, without gate or pack", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 90, green: 10 } });
    const reason = "green error rate 7.1 % (12 of 169 requests) > 5 % (bluegreen:watch.maxErrorRate)";
    const session = clock.session(stack, (_request, index) =>
      index === 1 ? { kind: "breach", breaches: [errorRateBreach(reason)], reason } : undefined,
    );
    const outcome = await runShift(session, STEPS);

    expect(outcome).toEqual({
      end: "breach",
      summary: `green breached at blue 50% / green 50%: ${reason}. Traffic was rolled back to blue 100% / green 0%.`,
      weights: { blue: 100, green: 0 },
    });
    // 50 -> 0 for green is past gate.maxStep 50 only for a promotion; a rollback needs no flag.
    expect(stack.calls.slice(-3)).toEqual(putBack(100, 0));
    expect(stack.gateConfig().allowLargeStep).toBe(false);
    expect(stack.deployed).toEqual({ blue: 100, green: 0 });
    expect(clock.events.map((e) => e.type).slice(-3)).toEqual(["breach", "rollback-started", "rolled-back"]);
    const rollback = parseReleaseRecord(stack.messages.at(-1)!);
    expect(rollback).toMatchObject({
      kind: "record",
      record: { command: "rollback", result: "rolled-back", watch: { outcome: "breach", reason } },
    });
  });

  it("GIVEN the watch stops on no data THEN traffic stays where it is and nothing moves", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 90, green: 10 } });
    const session = clock.session(stack, () => ({
      kind: "inconclusive",
      rounds: 5,
      reason: "green: 3 requests < 20 (bluegreen:watch.minSamples)",
    }));
    const outcome = await runShift(session, STEPS);
    expect(outcome.end).toBe("inconclusive");
    expect(outcome.summary).toContain("no data is not a pass: 5 inconclusive rounds in a row");
    expect(outcome.weights).toEqual({ blue: 75, green: 25 });
    expect(stack.calls).toEqual([set(75, 25), "up"]);
  });

  it("GIVEN --bake THEN holds after the last step and closes it with a record-only update", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 50, green: 50 } });
    const outcome = await runShift(clock.session(stack), { ...STEPS, bakeMs: 3_600_000 });
    expect(outcome.end).toBe("done");
    expect(clock.holds.map((h) => h.label)).toEqual(["bake 1h00m"]);
    expect(stack.calls).toEqual([set(0, 100), "up", "up"]);
    expect(parseReleaseRecord(stack.messages[0])).toMatchObject({ record: { step: "1/1", result: "progressing" } });
    expect(parseReleaseRecord(stack.messages[1])).toMatchObject({
      record: { step: "bake", result: "completed", watch: { outcome: "healthy" } },
    });
  });

  it("GIVEN a breach during the bake THEN rolls back like during a pause", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 50, green: 50 } });
    const session = clock.session(stack, (request) =>
      request.label.startsWith("bake")
        ? {
            kind: "breach",
            breaches: [
              {
                color: "green",
                measure: "failed probe rounds",
                observed: 3,
                limit: 3,
                key: "bluegreen:watch.failedProbeRounds",
                atLimit: true,
                text: "green failed 3 probe rounds in a row",
              },
            ],
            reason: "green failed 3 probe rounds in a row",
          }
        : undefined,
    );
    const outcome = await runShift(session, { ...STEPS, bakeMs: 3_600_000 });
    expect(outcome.end).toBe("breach");
    expect(stack.deployed).toEqual({ blue: 100, green: 0 });
  });
});

describe("runShift refusals: nothing is changed", () => {
  it("refuses steps above production's gate.maxStep before any up", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("production", clock, { deployed: { blue: 100, green: 0 } });
    const outcome = await runShift(clock.session(stack), STEPS);
    expect(outcome).toEqual({
      end: "failed",
      summary:
        "50 -> 100 (+50 points) moves more than bluegreen:gate.maxStep (25 points per update), so the gate would block it. " +
        "Use --steps 10,25,50,75,100, or add --split to insert the intermediate steps.",
    });
    expect(stack.calls).toEqual([]);
  });

  it("with --split, every split step passes the real gate rules on production", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("production", clock, { deployed: { blue: 100, green: 0 } });
    const outcome = await runShift(clock.session(stack), { ...STEPS, split: true, pauseMs: 0 });
    expect(outcome.end).toBe("done");
    expect(stack.calls.filter((call) => call !== "up")).toEqual([
      set(90, 10),
      set(75, 25),
      set(50, 50),
      set(25, 75),
      set(0, 100),
    ]);
    expect(clock.holds).toEqual([]);
    expect(clock.lines[1]).toBe("[10:00:00Z +0s] step 50 -> 100 (+50 points) split into 75, 100 (gate.maxStep 25)");
  });

  it("refuses a shift whose config the program would reject (the target has no tasks)", async () => {
    const clock = new FakeClock();
    const green = JSON.parse(readStackConfig("staging").values["bluegreen:green"]);
    const stack = new FakeStack("staging", clock, {
      deployed: { blue: 100, green: 0 },
      overrides: { "bluegreen:green": { ...green, desiredCount: 0 }, "bluegreen:traffic": { blue: 100, green: 0 } },
    });
    const outcome = await runShift(clock.session(stack), STEPS);
    expect(outcome.end).toBe("failed");
    expect(outcome.summary).toContain(
      "bluegreen:green.desiredCount: is 0 while bluegreen:traffic.green is 10: a color with no tasks cannot take traffic",
    );
    expect(stack.calls).toEqual([]);
  });

  it("refuses to start when its rollback would be refused: the stable color has no tasks", async () => {
    const clock = new FakeClock();
    const blue = JSON.parse(readStackConfig("staging").values["bluegreen:blue"]);
    const stack = new FakeStack("staging", clock, {
      deployed: { blue: 0, green: 100 },
      overrides: { "bluegreen:blue": { ...blue, desiredCount: 0 }, "bluegreen:traffic": { blue: 0, green: 100 } },
    });
    const outcome = await runShift(clock.session(stack), { ...STEPS, bakeMs: 60_000 });
    expect(outcome.end).toBe("failed");
    expect(outcome.summary).toMatch(
      /^not starting: a rollback to blue would be refused by the config check: bluegreen:blue\.desiredCount is 0/,
    );
    expect(stack.calls).toEqual([]);
  });

  it("refuses to start when its rollback would be refused: an irreversible major migration without a restore snapshot", async () => {
    const clock = new FakeClock();
    const values = readStackConfig("staging").values;
    const green = {
      ...JSON.parse(values["bluegreen:green"]),
      version: "2.0.0",
      image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:2.0.0",
    };
    const migration = { ...JSON.parse(values["bluegreen:migration"]), reversible: false };
    const stack = new FakeStack("staging", clock, {
      deployed: { blue: 90, green: 10 },
      overrides: { "bluegreen:green": green, "bluegreen:migration": migration },
    });
    const outcome = await runShift(clock.session(stack), STEPS);
    expect(outcome.end).toBe("failed");
    expect(outcome.summary).toContain(
      "not starting: a rollback to blue would be refused by blue's gate: traffic to blue (1.4.2) would rise, but migration",
    );
    expect(stack.calls).toEqual([]);
  });

  it("refuses a stack that was never deployed", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: undefined });
    expect(await runShift(clock.session(stack), STEPS)).toEqual({
      end: "failed",
      summary:
        "stack staging has no `weights` output: it was never deployed by this program. Run `pulumi up` once with the starting weights, then shift.",
    });
  });

  it("shifting back toward the older color that last passed its gate needs no flag and no step limit", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 0, green: 100 } });
    const outcome = await runShift(clock.session(stack), { target: "blue", steps: [100], pauseMs: 0, split: false });
    expect(outcome.end).toBe("done");
    expect(stack.calls).toEqual([set(100, 0), "up"]);
  });

  it("moving traffic to an older color that never passed its gate is probed and step-limited like a promotion", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 0, green: 100 }, unverified: ["blue"] });
    const outcome = await runShift(clock.session(stack), { target: "blue", steps: [100], pauseMs: 0, split: false });
    expect(outcome.summary).toContain("more than the allowed step of 50 points (bluegreen:gate.maxStep)");
    expect(outcome.end, outcome.summary).toBe("failed");
  });
});
