import { describe, expect, it } from "vitest";
import { runAbort, runShift } from "../../../tooling/shift/engine";
import { failureReason, UpdateFailed } from "../../../tooling/shift/updateFailed";
import { readStackConfig } from "../../../tooling/engine/stackFiles";
import { FakeClock, FakeStack } from "./fakeStack";

const STEPS = { target: "green" as const, steps: [10, 25, 50, 100], pauseMs: 300_000, split: false };
const GATE_503 =
  'Promotion gate blocked traffic to green of app "api" (version 1.5.0, weight 25 -> 50 of 100). ' +
  "Failed check: HTTP status at http://10.0.0.7:8082/healthz: observed HTTP 503; limit one of [200] (gate.expectedStatus). " +
  "Stopped because 3 consecutive failed rounds reached gate.failureThreshold (3). Traffic was NOT moved: the listener weights are unchanged";

function set(blue: number, green: number): string {
  return `set bluegreen:traffic.blue=${blue} bluegreen:traffic.green=${green}`;
}

describe("runShift on staging (gate.maxStep 50), green at 10 %", () => {
  it("GIVEN healthy gates WHEN shifting THEN runs one gated up per step, pausing between, and logs step, weights and time", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 90, green: 10 } });
    const outcome = await runShift(stack, STEPS, clock.io());

    expect(outcome).toEqual({ ok: true, weights: { blue: 0, green: 100 } });
    expect(stack.calls).toEqual([set(75, 25), "up", set(50, 50), "up", set(0, 100), "up"]);
    expect(clock.lines).toEqual([
      "[10:00:00Z +0s] shift stack staging to green (1.5.0): deployed blue 90% / green 10%",
      "[10:00:00Z +0s] already reached: 10 % (skipped)",
      "[10:00:00Z +0s] step 1/3: blue 75% / green 25%: pulumi up (the gate probes green first)",
      "[10:01:05Z +1m05s] step 1/3 done in 1m05s: blue 75% / green 25%",
      "[10:01:05Z +1m05s] holding 5m00s before step 2/3 (until 10:06:05Z)",
      "[10:06:05Z +6m05s] step 2/3: blue 50% / green 50%: pulumi up (the gate probes green first)",
      "[10:07:10Z +7m10s] step 2/3 done in 1m05s: blue 50% / green 50%",
      "[10:07:10Z +7m10s] holding 5m00s before step 3/3 (until 10:12:10Z)",
      "[10:12:10Z +12m10s] step 3/3: blue 0% / green 100%: pulumi up (the gate probes green first)",
      "[10:13:15Z +13m15s] step 3/3 done in 1m05s: blue 0% / green 100%",
      "[10:13:15Z +13m15s] shift complete: blue 0% / green 100%",
    ]);
    expect(stack.deployed).toEqual({ blue: 0, green: 100 });
    expect(stack.traffic()).toEqual({ blue: 0, green: 100, stickinessSeconds: 300 });
  });

  it.each([
    [1, 25, { blue: 90, green: 10 }],
    [2, 50, { blue: 75, green: 25 }],
    [3, 100, { blue: 50, green: 50 }],
  ])(
    "GIVEN the gate fails at step %d (green %d) THEN the previous weights go back with a gated up and the reason is returned",
    async (index, failing, previous) => {
      const clock = new FakeClock();
      const stack = new FakeStack("staging", clock, {
        deployed: { blue: 90, green: 10 },
        probeFails: (color, weight) => color === "green" && weight === failing,
      });
      const outcome = await runShift(stack, STEPS, clock.io());

      const reason = GATE_503.replace("weight 25 -> 50", `weight ${previous.green} -> ${failing}`);
      expect(outcome).toEqual({
        ok: false,
        reason: `step ${index}/3 (blue ${100 - failing}% / green ${failing}%) failed: ${reason}. Traffic was set back to blue ${previous.blue}% / green ${previous.green}%.`,
      });
      const reached = [set(75, 25), "up", set(50, 50), "up"].slice(0, 2 * (index - 1));
      // Blue still runs what last passed its gate: giving it its share back is a rollback, no flag needed.
      expect(stack.calls).toEqual([
        ...reached,
        set(100 - failing, failing),
        "up",
        set(previous.blue, previous.green),
        "up",
      ]);
      expect(stack.deployed).toEqual(previous);
      expect(stack.traffic()).toEqual({ ...previous, stickinessSeconds: 300 });
      expect(clock.lines.slice(-3).map((line) => line.replace(/^\[[^\]]+\] /, ""))).toEqual([
        `step ${index}/3 FAILED after 1m05s: ${reason}`,
        `rolling back to blue ${previous.blue}% / green ${previous.green}%: pulumi up`,
        `rolled back: blue ${previous.blue}% / green ${previous.green}%`,
      ]);
    },
  );

  it("GIVEN the rollback fails too THEN says so, with both reasons and where to look", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, {
      deployed: { blue: 90, green: 10 },
      probeFails: (color, weight) => color === "green" && weight === 50,
      // The rollback is never blocked by a gate; the engine itself can still fail it.
      engineFails: (up) => (up === 3 ? "the stack is currently locked by 1 lock(s)" : undefined),
    });
    const outcome = await runShift(stack, STEPS, clock.io());
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toBe(
      `step 2/3 (blue 50% / green 50%) failed: ${GATE_503}. Rolling back to blue 75% / green 25% failed too: ` +
        "the stack is currently locked by 1 lock(s). Check where traffic is with `npm run status -- staging` and fix before retrying.",
    );
  });

  it("GIVEN a crash while holding after step 2 WHEN rerun THEN reads the deployed weights and continues from step 3 only", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 90, green: 10 } });
    let pauses = 0;
    const crashing = clock.io(async () => {
      if (++pauses === 2) throw new Error("killed");
    });
    await expect(runShift(stack, STEPS, crashing)).rejects.toThrow("killed");
    expect(stack.deployed).toEqual({ blue: 50, green: 50 });

    const rerun = new FakeClock("2026-11-24T11:00:00Z");
    const calls = stack.calls.length;
    const outcome = await runShift(stack, STEPS, rerun.io());
    expect(outcome).toEqual({ ok: true, weights: { blue: 0, green: 100 } });
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
    const outcome = await runShift(stack, STEPS, clock.io());
    expect(outcome.ok).toBe(true);
    expect(stack.calls.slice(1)).toEqual([set(50, 50), "up", set(0, 100), "up"]);
  });

  it("does nothing when the target already has every step", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 0, green: 100 } });
    expect(await runShift(stack, STEPS, clock.io())).toEqual({ ok: true, weights: { blue: 0, green: 100 } });
    expect(stack.calls).toEqual([]);
    expect(clock.lines.at(-1)).toBe("[10:00:00Z +0s] nothing to do: green already has 100 %");
  });
});

describe("runShift refusals: nothing is changed", () => {
  it("refuses steps above production's gate.maxStep before any up", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("production", clock, { deployed: { blue: 100, green: 0 } });
    const outcome = await runShift(stack, STEPS, clock.io());
    expect(outcome).toEqual({
      ok: false,
      reason:
        "50 -> 100 (+50 points) moves more than bluegreen:gate.maxStep (25 points per update), so the gate would block it. " +
        "Use --steps 10,25,50,75,100, or add --split to insert the intermediate steps.",
    });
    expect(stack.calls).toEqual([]);
  });

  it("with --split, every split step passes the real gate rules on production", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("production", clock, { deployed: { blue: 100, green: 0 } });
    const outcome = await runShift(stack, { ...STEPS, split: true, pauseMs: 0 }, clock.io());
    expect(outcome).toEqual({ ok: true, weights: { blue: 0, green: 100 } });
    expect(stack.calls.filter((call) => call !== "up")).toEqual([
      set(90, 10),
      set(75, 25),
      set(50, 50),
      set(25, 75),
      set(0, 100),
    ]);
    expect(clock.lines[1]).toBe("[10:00:00Z +0s] step 50 -> 100 (+50 points) split into 75, 100 (gate.maxStep 25)");
  });

  it("refuses a shift whose config the program would reject (the target has no tasks)", async () => {
    const clock = new FakeClock();
    const green = JSON.parse(readStackConfig("staging").values["bluegreen:green"]);
    const stack = new FakeStack("staging", clock, {
      deployed: { blue: 100, green: 0 },
      overrides: { "bluegreen:green": { ...green, desiredCount: 0 }, "bluegreen:traffic": { blue: 100, green: 0 } },
    });
    const outcome = await runShift(stack, STEPS, clock.io());
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toContain(
      "bluegreen:green.desiredCount: is 0 while bluegreen:traffic.green is 10: a color with no tasks cannot take traffic",
    );
    expect(stack.calls).toEqual([]);
  });

  it("refuses a stack that was never deployed", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: undefined });
    expect(await runShift(stack, STEPS, clock.io())).toEqual({
      ok: false,
      reason:
        "stack staging has no `weights` output: it was never deployed by this program. Run `pulumi up` once with the starting weights, then shift.",
    });
  });

  it("shifting back toward the older color that last passed its gate needs no flag and no step limit", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 0, green: 100 } });
    const outcome = await runShift(stack, { target: "blue", steps: [100], pauseMs: 0, split: false }, clock.io());
    expect(outcome).toEqual({ ok: true, weights: { blue: 100, green: 0 } });
    expect(stack.calls).toEqual([set(100, 0), "up"]);
  });

  it("moving traffic to an older color that never passed its gate is probed and step-limited like a promotion", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 0, green: 100 }, unverified: ["blue"] });
    const outcome = await runShift(stack, { target: "blue", steps: [100], pauseMs: 0, split: false }, clock.io());
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toContain("more than the allowed step of 50 points (bluegreen:gate.maxStep)");
  });
});

describe("runAbort on production (gate.maxStep 25)", () => {
  it("GIVEN 50/50 THEN sends 100 % to the stable color in one up past maxStep: a rollback needs no permission", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("production", clock, { deployed: { blue: 50, green: 50 } });
    const outcome = await runAbort(stack, clock.io());
    expect(outcome).toEqual({ ok: true, weights: { blue: 100, green: 0 } });
    expect(stack.calls).toEqual([set(100, 0), "up"]);
    expect(stack.deployed).toEqual({ blue: 100, green: 0 });
    expect(stack.gateConfig().allowLargeStep).toBeUndefined();
    expect(clock.lines).toEqual([
      "[10:00:00Z +0s] abort: blue 50% / green 50% -> blue 100% / green 0%: all traffic back to stable blue (1.4.2) at once",
      "[10:01:05Z +1m05s] abort done in 1m05s: blue 100% / green 0%",
    ]);
  });

  it("GIVEN a stable color that never passed its gate THEN the gate still judges it, and traffic stays", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("production", clock, { deployed: { blue: 50, green: 50 }, unverified: ["blue"] });
    const outcome = await runAbort(stack, clock.io());
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toMatch(
      /more than the allowed step of 25 points.*Traffic stays at blue 50% \/ green 50%/s,
    );
    expect(stack.deployed).toEqual({ blue: 50, green: 50 });
  });

  it("is a no-op when the stable color already has everything", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("production", clock, { deployed: { blue: 100, green: 0 } });
    expect(await runAbort(stack, clock.io())).toEqual({ ok: true, weights: { blue: 100, green: 0 } });
    expect(stack.calls).toEqual([]);
    expect(clock.lines).toEqual(["[10:00:00Z +0s] nothing to abort: blue (1.4.2) already has 100 %"]);
  });
});

describe("failureReason", () => {
  it("keeps the gate's message from a failed `pulumi up`, without the retry hint", () => {
    const gateMessage =
      'Promotion gate blocked traffic to green of app "api" (version 1.5.0, weight 10 -> 25 of 100).\n' +
      "Failed check: p95 latency at http://x:8082/healthz: observed p95 950 ms; limit gate.p95LatencyMs 800 ms.\n" +
      "To retry, fix green and run `pulumi up` again.\n";
    const error = new UpdateFailed("code: 255\n stdout: Updating (staging)\n\n    error: update failed\n stderr: \n", [
      gateMessage,
    ]);
    expect(failureReason(error)).toBe(
      'Promotion gate blocked traffic to green of app "api" (version 1.5.0, weight 10 -> 25 of 100). Failed check: p95 latency at http://x:8082/healthz: observed p95 950 ms; limit gate.p95LatencyMs 800 ms',
    );
  });

  it("recognises a gate by where its message came from, not by its wording", () => {
    const text =
      "code: 255\n stdout: \n    error: Promotion gate blocked traffic to green (quoted by another resource)\n    error: update failed\n stderr: \n";
    expect(failureReason(new UpdateFailed(text, []))).toBe(
      "Promotion gate blocked traffic to green (quoted by another resource)",
    );
    expect(failureReason(new UpdateFailed(text, ["error: the gate's own words"]))).toBe("the gate's own words");
  });

  it("otherwise keeps the first specific engine error", () => {
    const error = new Error(
      "code: 255\n stdout: \n stderr: error: the stack is currently locked by 1 lock(s).\nerror: update failed\n",
    );
    expect(failureReason(error)).toBe("the stack is currently locked by 1 lock(s)");
    expect(failureReason(new Error("code: 1\n stdout: \n stderr: permission denied\n"))).toBe("permission denied");
    expect(failureReason(new Error("connect ECONNREFUSED"))).toBe("connect ECONNREFUSED");
  });
});
