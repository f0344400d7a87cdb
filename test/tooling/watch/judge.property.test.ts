/**
 * Properties of judgeRound over arbitrary samples and settings: missing
 * evidence is never healthy, a breach names a limit its observed value really
 * crosses, and maxErrorRateAboveStable only ever excuses, never condemns.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WatchSettings } from "../../../components/config/watch";
import { p95 } from "../../../components/gate/tally";
import { judgeRound, WATCH_KEYS } from "../../../tooling/watch/judge";
import type { ColorSamples, ProbeResult, RoundSamples, TrafficReading } from "../../../tooling/watch/samples";

const counts = fc
  .tuple(fc.nat(400), fc.nat(400))
  .map(([a, b]) => ({ errors: Math.min(a, b), requests: Math.max(a, b) }));

const traffic: fc.Arbitrary<TrafficReading> = fc.oneof(
  counts.map(({ errors, requests }): TrafficReading => ({ source: "router", errors, requests })),
  fc
    .oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double())
    .map((errorRate): TrafficReading => ({ source: "prometheus", errorRate, query: "q" })),
  fc.constantFrom("router", "prometheus").map((source): TrafficReading => ({ source, noData: "down" })),
);

const probeResult: fc.Arbitrary<ProbeResult> = fc.oneof(
  fc
    .tuple(fc.nat(60), fc.nat(60), fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { maxLength: 60 }))
    .map(([a, b, pool]) => {
      const sent = Math.max(a, b);
      const failed = Math.min(a, b);
      const latenciesMs = Array.from({ length: sent - failed }, (_, i) => pool[i % Math.max(pool.length, 1)] ?? 10);
      return { sent, failed, latenciesMs, failures: failed > 0 ? ["t: HTTP 500"] : [] };
    }),
  fc.constant({ noData: "interrupted" }),
);

const colorSamples = (color: "blue" | "green"): fc.Arbitrary<ColorSamples> =>
  fc
    .record({ traffic: fc.option(traffic, { nil: undefined }), probes: fc.option(probeResult, { nil: undefined }) })
    .map((parts) => ({ color, ...parts }));

// Both colors share a source kind, as planWatch builds them.
const roundSamples: fc.Arbitrary<RoundSamples> = fc
  .record({ candidate: colorSamples("green"), stable: colorSamples("blue") })
  .map(({ candidate, stable }) => ({
    candidate,
    stable: candidate.traffic === undefined ? { ...stable, traffic: undefined } : stable,
  }));

const watchSettings: fc.Arbitrary<WatchSettings> = fc.record({
  intervalSeconds: fc.constant(60),
  maxErrorRate: fc.double({ min: 0, max: 1, noNaN: true }),
  maxP95LatencyMs: fc.integer({ min: 1, max: 5000 }),
  failedProbeRounds: fc.constant(3),
  minSamples: fc.integer({ min: 1, max: 60 }),
  maxErrorRateAboveStable: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
  maxInconclusive: fc.constant(5),
});

/** The candidate's own error rate as the samples state it, or undefined when they lack the evidence. */
function evidentRate(c: ColorSamples, minSamples: number): number | undefined {
  const t = c.traffic;
  if (t !== undefined) {
    if ("noData" in t) return undefined;
    if (t.source === "router") return t.requests >= minSamples ? t.errors / t.requests : undefined;
    return Number.isFinite(t.errorRate) && t.errorRate >= 0 && t.errorRate <= 1 ? t.errorRate : undefined;
  }
  const p = c.probes;
  if (p === undefined || "noData" in p) return undefined;
  return p.sent >= minSamples ? p.failed / p.sent : undefined;
}

function missingData(round: RoundSamples, s: WatchSettings): boolean {
  const p = round.candidate.probes;
  const probesMissing = p !== undefined && ("noData" in p || (p.failed === 0 && p.latenciesMs.length < s.minSamples));
  return evidentRate(round.candidate, s.minSamples) === undefined || probesMissing;
}

describe("judgeRound properties", () => {
  it("no round with missing data is ever healthy", () => {
    fc.assert(
      fc.property(roundSamples, watchSettings, (round, s) => {
        fc.pre(missingData(round, s));
        expect(judgeRound(round, s).kind).not.toBe("healthy");
      }),
      { numRuns: 2000 },
    );
  });

  it("a healthy round's observed values are within every limit", () => {
    fc.assert(
      fc.property(roundSamples, watchSettings, (round, s) => {
        const judged = judgeRound(round, s);
        fc.pre(judged.kind === "healthy");
        expect(evidentRate(round.candidate, s.minSamples)).toBeLessThanOrEqual(s.maxErrorRate);
        const p = round.candidate.probes;
        if (p !== undefined && !("noData" in p)) {
          expect(p.failed).toBe(0);
          expect(p95(p.latenciesMs)).toBeLessThanOrEqual(s.maxP95LatencyMs);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("every breach names a threshold its observed value really exceeds, and that value is the samples'", () => {
    fc.assert(
      fc.property(roundSamples, watchSettings, (round, s) => {
        for (const b of judgeRound(round, s).breaches) {
          expect(b.observed).toBeGreaterThan(b.limit);
          expect(b.key).toBe(b.measure === "error rate" ? WATCH_KEYS.maxErrorRate : WATCH_KEYS.maxP95LatencyMs);
          expect(b.text).toContain(b.key);
          if (b.measure === "error rate") {
            expect(b.limit).toBe(s.maxErrorRate);
            expect(b.observed).toBe(evidentRate(round.candidate, s.minSamples));
          } else {
            const p = round.candidate.probes as { latenciesMs: readonly number[] };
            expect([b.limit, b.observed]).toEqual([s.maxP95LatencyMs, p95(p.latenciesMs)]);
          }
          if (b.aboveStable !== undefined) {
            expect(b.aboveStable.observed).toBeGreaterThan(b.aboveStable.limit);
            expect(b.aboveStable.limit).toBe(s.maxErrorRateAboveStable);
            expect(b.aboveStable.key).toBe(WATCH_KEYS.maxErrorRateAboveStable);
            expect(b.text).toContain(b.aboveStable.key);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("maxErrorRateAboveStable never adds a breach and never makes a round healthy", () => {
    fc.assert(
      fc.property(roundSamples, watchSettings, fc.double({ min: 0, max: 100, noNaN: true }), (round, s, points) => {
        const absolute = judgeRound(round, { ...s, maxErrorRateAboveStable: undefined });
        const relative = judgeRound(round, { ...s, maxErrorRateAboveStable: points });
        expect(relative.breaches.length).toBeLessThanOrEqual(absolute.breaches.length);
        expect(relative.kind === "healthy").toBe(absolute.kind === "healthy");
      }),
      { numRuns: 2000 },
    );
  });
});
