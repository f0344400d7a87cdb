/**
 * The tally that decides the gate (components/gate/tally.ts), without a
 * network: the sliding latency window, rounds without samples, and the state
 * staying bounded however long the gate runs. Examples first, then
 * properties over arbitrary sequences of rounds.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runGate } from "../../components/gate/probe";
import { gateSettingsSchema, GateSettings } from "../../components/gate/settings";
import { GateTally, p95, recordRound } from "../../components/gate/tally";
import type { ProbeRound, ProbeSample, RoundVerdict } from "../../components/gate/verdict";

const settings: GateSettings = gateSettingsSchema.parse({
  consecutiveSuccesses: 3,
  failureThreshold: 2,
  p95LatencyMs: 100,
  requestTimeoutMs: 500,
  intervalMs: 50,
  deadlineSeconds: 5,
});
const A = "http://a/health";
const B = "http://b/health";
const ok = (latencyMs = 10, target = A): ProbeSample => ({
  target,
  status: 200,
  latencyMs,
  bodyOk: true,
  observed: "HTTP 200",
  excerpt: "",
});
const down = (target = A): ProbeSample => ({
  target,
  status: 503,
  latencyMs: 5,
  bodyOk: false,
  error: "status",
  observed: "HTTP 503",
  excerpt: '{"status":"unhealthy"}',
});

/** Every verdict, round by round, as the probe loop would see them (it stops at the first that is not "continue"). */
function verdicts(
  rounds: readonly ProbeRound[],
  s: GateSettings = settings,
): { verdicts: RoundVerdict[]; tally?: GateTally } {
  const seen: RoundVerdict[] = [];
  let tally: GateTally | undefined;
  for (const round of rounds) {
    const recorded = recordRound(tally, round, s);
    tally = recorded.tally;
    seen.push(recorded.verdict);
    if (recorded.verdict.outcome !== "continue") break;
  }
  return { verdicts: seen, tally };
}
const last = (rounds: readonly ProbeRound[], s: GateSettings = settings) => verdicts(rounds, s).verdicts.at(-1);

describe("the latency window slides", () => {
  it("GIVEN one slow warm-up answer WHEN the next window is fast THEN the gate passes on that window instead of failing", () => {
    const { verdicts: seen } = verdicts([[ok(250)], [ok(10)], [ok(20)], [ok(30)]]);
    expect(seen.map((v) => v.outcome)).toEqual(["continue", "continue", "continue", "pass"]);
    expect(seen[3]).toEqual({ outcome: "pass", samples: 3, p95LatencyMs: 30 });
  });

  it("GIVEN failureThreshold too-slow windows in a row WHEN judged THEN it fails naming the slowest target", () => {
    const round = () => [ok(20, A), ok(250, B)];
    expect(verdicts([round(), round(), round(), round()]).verdicts.map((v) => v.outcome)).toEqual([
      "continue",
      "continue",
      "continue",
      "fail",
    ]);
    expect(last([round(), round(), round(), round()])).toMatchObject({
      outcome: "fail",
      failure: { check: "p95 latency", target: B, observed: "p95 250 ms over 6 samples (this target: p95 250 ms)" },
    });
  });

  it("GIVEN a failed round between two slow windows WHEN judged THEN they are not in a row: the count restarts", () => {
    const slow = () => [ok(250)];
    const rounds = [slow(), slow(), slow(), [down()], slow(), slow(), slow()];
    expect(verdicts(rounds).verdicts.map((v) => v.outcome)).toEqual(Array(7).fill("continue"));
    // The deadline's message then names the slow window as the last thing that went wrong.
    expect(verdicts(rounds).tally?.lastProblem).toMatchObject({
      check: "p95 latency",
      observed: "p95 250 ms over 3 samples (this target: p95 250 ms)",
    });
  });
});

describe("a round without samples never counts as healthy", () => {
  const empty = {
    outcome: "fail",
    failure: {
      check: "targets",
      observed: "a probe round with 0 samples (no target to probe)",
      limit: "at least one URL that reaches this color alone (the platform's, or bluegreen:gate.targets.<color>)",
      because: "a round without samples proves nothing, so the gate fails closed.",
    },
  };

  it("GIVEN an empty round, first or completing a healthy streak, WHEN recorded THEN the gate fails at once", () => {
    expect(last([[]])).toEqual(empty);
    expect(last([[ok()], [ok()], []])).toEqual(empty);
    expect(last([[ok()], [ok()], [], [ok()]])).toEqual(empty);
  });

  it("GIVEN no target at all WHEN runGate runs THEN it fails closed without probing (defence in depth behind the provider's own refusal)", async () => {
    const context = { app: "shop", color: "green", version: "1.4.0", toWeight: 10, totalWeight: 100 } as const;
    await expect(runGate({ targets: [], settings, headers: {}, context })).rejects.toThrow(
      "Failed check: targets: observed a probe round with 0 samples (no target to probe); limit at least one URL that reaches this color alone",
    );
  });
});

describe("properties over arbitrary rounds", () => {
  const sample = fc.record({
    healthy: fc.boolean(),
    latencyMs: fc.integer({ min: 0, max: 300 }),
    target: fc.constantFrom(A, B),
  });
  const round = fc
    .array(sample, { minLength: 0, maxLength: 3 })
    .map((samples) => samples.map((s) => (s.healthy ? ok(s.latencyMs, s.target) : down(s.target))));
  const gateSettings = fc
    .record({
      consecutiveSuccesses: fc.integer({ min: 1, max: 4 }),
      failureThreshold: fc.integer({ min: 1, max: 4 }),
      p95LatencyMs: fc.integer({ min: 1, max: 300 }),
    })
    .map((s) => gateSettingsSchema.parse({ ...s, requestTimeoutMs: 300, intervalMs: 10, deadlineSeconds: 5 }));
  const healthy = (r: ProbeRound) => r.length > 0 && r.every((s) => s.error === undefined);

  it("passes only on the newest consecutiveSuccesses rounds all healthy, with samples, and their p95 within the limit", () => {
    fc.assert(
      fc.property(fc.array(round, { maxLength: 30 }), gateSettings, (rounds, s) => {
        const { verdicts: seen } = verdicts(rounds, s);
        const decided = seen.at(-1);
        if (decided?.outcome !== "pass") return;
        const window = rounds.slice(seen.length - s.consecutiveSuccesses, seen.length);
        expect(window.every(healthy)).toBe(true);
        const latencies = window.flat().map((x) => x.latencyMs);
        expect(decided).toEqual({ outcome: "pass", samples: latencies.length, p95LatencyMs: p95(latencies) });
        expect(decided.p95LatencyMs).toBeLessThanOrEqual(s.p95LatencyMs);
      }),
    );
  });

  it("fails at once on a round without samples, and otherwise only after failureThreshold failed rounds or too-slow windows in a row", () => {
    fc.assert(
      fc.property(fc.array(round, { maxLength: 30 }), gateSettings, (rounds, s) => {
        const { verdicts: seen } = verdicts(rounds, s);
        const decided = seen.at(-1);
        if (decided?.outcome !== "fail") return;
        const upTo = rounds.slice(0, seen.length);
        const newest = upTo[upTo.length - 1];
        const tail = upTo.slice(-s.failureThreshold);
        if (newest.length === 0) {
          expect(decided.failure.check).toBe("targets");
        } else if (decided.failure.check === "p95 latency") {
          // failureThreshold windows in a row: that many healthy rounds on top of the first full window.
          expect(upTo.slice(-(s.consecutiveSuccesses + s.failureThreshold - 1)).every(healthy)).toBe(true);
        } else {
          expect(tail.length).toBe(s.failureThreshold);
          expect(tail.every((r) => r.length > 0 && !healthy(r))).toBe(true);
        }
      }),
    );
  });

  it("keeps a bounded state however long the gate runs: at most consecutiveSuccesses rounds of latencies, counters for the rest", () => {
    fc.assert(
      fc.property(
        fc.array(
          round.filter((r) => r.length > 0),
          { minLength: 1, maxLength: 200 },
        ),
        gateSettings,
        (rounds, s) => {
          let tally: GateTally | undefined;
          for (const r of rounds) {
            // Never stop: the state must stay bounded even past a verdict.
            tally = recordRound(tally, r, s).tally;
            expect(tally.window.length).toBeLessThanOrEqual(s.consecutiveSuccesses);
          }
          expect(tally?.rounds).toBe(rounds.length);
          expect(tally?.healthyRounds).toBe(rounds.filter(healthy).length);
        },
      ),
    );
  });
});
