/**
 * The watch loop on a logical clock: time moves only when the loop sleeps
 * (or a scripted round says it took long), so every test counts intervals
 * and none waits on the wall clock.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PollAnswer, runWatch, WatchDeps, WatchOutcome } from "../../../tooling/watch/loop";
import type { RoundSamples } from "../../../tooling/watch/samples";
import { healthyRound, probes, round, router, settings } from "./fixtures";

const MINUTE = 60_000;
const s = settings({ intervalSeconds: 60 });

type Script = "healthy" | "inconclusive" | "breach" | "probes-failed" | "throws";
const ROUNDS: Record<Exclude<Script, "throws">, () => RoundSamples> = {
  healthy: healthyRound,
  inconclusive: () => round({ traffic: router(0, 3), probes: probes(20) }),
  breach: () => round({ traffic: router(50, 100), probes: probes(20) }),
  "probes-failed": () => round({ traffic: router(0, 100), probes: probes(20, 1) }),
};

interface Harness {
  readonly deps: WatchDeps;
  readonly lines: string[];
  /** Logical time of each sample() call. */
  readonly sampledAt: number[];
  readonly now: () => number;
}

/** Rounds follow `script` (then stay healthy); each takes `roundMs` of logical time. */
function harness(script: readonly Script[], opts: { roundMs?: number; poll?: PollAnswer[] } = {}): Harness {
  let t = 0;
  const lines: string[] = [];
  const sampledAt: number[] = [];
  const polls = [...(opts.poll ?? [])];
  const deps: WatchDeps = {
    async sample() {
      sampledAt.push(t);
      t += opts.roundMs ?? 0;
      const step = script[sampledAt.length - 1] ?? "healthy";
      if (step === "throws") throw new Error("socket hang up");
      return ROUNDS[step]();
    },
    now: () => t,
    async sleep(ms, signal) {
      if (!signal.aborted) t += ms;
    },
    log: (line) => lines.push(line),
    ...(opts.poll === undefined ? {} : { poll: async () => polls.shift() ?? "wait" }),
  };
  return { deps, lines, sampledAt, now: () => t };
}

const watch = (h: Harness, durationMs?: number, signal?: AbortSignal): Promise<WatchOutcome> =>
  runWatch({ candidate: "green", settings: s, durationMs, signal }, h.deps);

describe("runWatch on a logical clock", () => {
  it("GIVEN a healthy release WHEN held 5 intervals THEN it samples every interval and ends at the first round at 5 min", async () => {
    const h = harness([]);
    expect(await watch(h, 5 * MINUTE)).toEqual({ kind: "held-healthy", rounds: 6, endedBy: "duration" });
    expect(h.sampledAt).toEqual([0, 1, 2, 3, 4, 5].map((i) => i * MINUTE));
    expect(h.lines[5]).toMatch(/^\[round 6 \+5m00s\] green healthy: green error rate 1 % \(2 of 200 requests/);
  });

  it("GIVEN a breach in round 3 THEN it stops there with the reasons", async () => {
    const h = harness(["healthy", "healthy", "breach"]);
    const outcome = await watch(h, 10 * MINUTE);
    expect(outcome).toMatchObject({ kind: "breach", round: 3 });
    expect(outcome.kind === "breach" && outcome.breaches[0].text).toMatch(/^green error rate 50 % .* > 5 %/);
    expect(h.now()).toBe(2 * MINUTE);
  });

  it("GIVEN the time is up on inconclusive rounds THEN it keeps watching until a healthy one: inconclusive never advances", async () => {
    const h = harness(["healthy", "healthy", "inconclusive", "inconclusive", "healthy"]);
    expect(await watch(h, 2 * MINUTE)).toEqual({ kind: "held-healthy", rounds: 5, endedBy: "duration" });
  });

  it("GIVEN maxInconclusive inconclusive rounds THEN it stops, saying what had no data", async () => {
    const h = harness([
      "inconclusive",
      "probes-failed",
      "inconclusive",
      "inconclusive",
      "inconclusive",
      "inconclusive",
    ]);
    expect(await watch(h, MINUTE)).toEqual({
      kind: "inconclusive-stop",
      round: 6,
      reasons: ["green: 3 requests through the router this round, fewer than bluegreen:watch.minSamples (20)"],
    });
  });

  it("GIVEN failedProbeRounds failed probe rounds in a row THEN a breach naming the rounds", async () => {
    const h = harness(["probes-failed", "probes-failed", "probes-failed"]);
    const outcome = await watch(h, 10 * MINUTE);
    expect(outcome.kind === "breach" && outcome.breaches.map((b) => [b.measure, b.observed, b.limit])).toEqual([
      ["failed probe rounds", 3, 3],
    ]);
  });

  it("GIVEN a sampler that throws THEN that round is inconclusive, logged, and the watch goes on", async () => {
    const h = harness(["throws"]);
    expect(await watch(h, MINUTE)).toMatchObject({ kind: "held-healthy", rounds: 2 });
    expect(h.lines[0]).toBe("[round 1 +0m00s] green inconclusive: no verdict: sampling failed: socket hang up");
  });

  it("GIVEN rounds slower than the interval THEN the next starts at once, never in a burst", async () => {
    const h = harness([], { roundMs: 90_000 });
    expect(await watch(h, 4 * MINUTE)).toMatchObject({ kind: "held-healthy", rounds: 3 });
    expect(h.sampledAt).toEqual([0, 90_000, 180_000]);
  });

  it("GIVEN no duration WHEN poll() answers continue THEN it ends at that healthy round", async () => {
    const h = harness([], { poll: ["wait", "wait", "continue"] });
    expect(await watch(h)).toEqual({ kind: "held-healthy", rounds: 3, endedBy: "poll" });
  });

  it("GIVEN an approval during inconclusive rounds THEN it still waits for a healthy round", async () => {
    const h = harness(["inconclusive", "inconclusive"], { poll: ["continue"] });
    expect(await watch(h)).toEqual({ kind: "held-healthy", rounds: 3, endedBy: "poll" });
  });

  it("GIVEN poll() answers abort THEN stopped-by-poll", async () => {
    const h = harness([], { poll: ["wait", "abort"] });
    expect(await watch(h, 10 * MINUTE)).toEqual({ kind: "stopped-by-poll", round: 2 });
  });

  it("GIVEN the signal aborts while it sleeps THEN interrupted, with no further round", async () => {
    const h = harness([]);
    const controller = new AbortController();
    const sleep = h.deps.sleep;
    h.deps.sleep = async (ms, signal) => {
      if (h.sampledAt.length === 2) controller.abort();
      await sleep(ms, signal);
    };
    expect(await watch(h, 10 * MINUTE, controller.signal)).toEqual({ kind: "interrupted", rounds: 2 });
    expect(h.sampledAt).toHaveLength(2);
  });

  it("GIVEN the signal aborts during a round THEN that round is discarded", async () => {
    const h = harness(["breach"]);
    const controller = new AbortController();
    const sample = h.deps.sample;
    h.deps.sample = (signal) => {
      controller.abort();
      return sample(signal);
    };
    expect(await watch(h, MINUTE, controller.signal)).toEqual({ kind: "interrupted", rounds: 0 });
  });

  it("refuses a hold that could never end (no duration, no poll)", async () => {
    await expect(watch(harness([]))).rejects.toThrow(/needs a durationMs or a poll/);
  });
});

describe("runWatch properties", () => {
  const script = fc.array(fc.constantFrom<Script>("healthy", "inconclusive", "breach", "probes-failed", "throws"), {
    maxLength: 40,
  });

  it("ends held-healthy only on a healthy round at or after the duration", async () => {
    await fc.assert(
      fc.asyncProperty(script, fc.integer({ min: 0, max: 10 }), async (steps, intervals) => {
        const h = harness(steps);
        const outcome = await watch(h, intervals * MINUTE);
        if (outcome.kind !== "held-healthy") return;
        expect(steps[outcome.rounds - 1] ?? "healthy").toBe("healthy");
        expect(h.sampledAt[outcome.rounds - 1]).toBeGreaterThanOrEqual(intervals * MINUTE);
      }),
    );
  });

  it("logs one line per round and samples one round per interval", async () => {
    await fc.assert(
      fc.asyncProperty(script, fc.integer({ min: 0, max: 10 }), async (steps, intervals) => {
        const h = harness(steps);
        const outcome = await watch(h, intervals * MINUTE);
        const rounds = "rounds" in outcome ? outcome.rounds : outcome.round;
        expect(h.lines).toHaveLength(rounds);
        expect(h.sampledAt).toEqual(Array.from({ length: rounds }, (_, i) => i * MINUTE));
      }),
    );
  });
});
