/**
 * The fold over rounds, over arbitrary sequences of round judgements: it
 * never advances after an inconclusive round, stops and breaches only where
 * the sequence says so, and a hold that sees no healthy round always ends.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { foldRound, INITIAL_WATCH_STATE, RoundDecision, WatchState } from "../../../tooling/watch/fold";
import type { RoundJudgement } from "../../../tooling/watch/judge";
import { settings } from "./fixtures";

/** A judgement as judgeRound builds it: the kind follows from breach > missing data > failed probes. */
const judgement = fc
  .record({ breach: fc.boolean(), missing: fc.boolean(), probesFailed: fc.boolean() })
  .map(({ breach, missing, probesFailed }): RoundJudgement => ({
    kind: breach ? "breach" : missing ? "inconclusive" : probesFailed ? "probes-failed" : "healthy",
    candidate: "green",
    breaches: breach
      ? [
          {
            color: "green",
            measure: "error rate",
            observed: 0.5,
            limit: 0.05,
            key: "bluegreen:watch.maxErrorRate",
            atLimit: false,
            text: "x",
          },
        ]
      : [],
    inconclusive: missing ? ["green router log: down"] : [],
    probeFailure: probesFailed ? "green probes: 1 of 20 failed" : undefined,
    observations: [],
  }));

const limits = fc.record({
  failedProbeRounds: fc.integer({ min: 1, max: 6 }),
  maxInconclusive: fc.integer({ min: 1, max: 8 }),
});

/** Folds until a decision ends the watch; returns every decision made. */
function run(sequence: readonly RoundJudgement[], s: ReturnType<typeof settings>): RoundDecision[] {
  let state: WatchState = INITIAL_WATCH_STATE;
  const decisions: RoundDecision[] = [];
  for (const j of sequence) {
    const folded = foldRound(state, j, s);
    state = folded.state;
    decisions.push(folded.decision);
    if (folded.decision.kind === "breach" || folded.decision.kind === "stop") break;
  }
  return decisions;
}

describe("foldRound properties", () => {
  it("never decides healthy on a round that is not healthy (inconclusive never advances)", () => {
    fc.assert(
      fc.property(fc.array(judgement, { maxLength: 60 }), limits, (sequence, l) => {
        run(sequence, settings(l)).forEach((decision, i) => {
          if (decision.kind === "healthy") expect(sequence[i].kind).toBe("healthy");
          if (sequence[i].kind === "inconclusive") expect(decision.kind).not.toBe("healthy");
        });
      }),
    );
  });

  it("stops only after maxInconclusive inconclusive rounds with no healthy round between them", () => {
    fc.assert(
      fc.property(fc.array(judgement, { maxLength: 60 }), limits, (sequence, l) => {
        const decisions = run(sequence, settings(l));
        const last = decisions.length - 1;
        if (decisions[last]?.kind !== "stop") return;
        const sinceHealthy = sequence.slice(0, last + 1).reverse();
        const cut = sinceHealthy.findIndex((j) => j.kind === "healthy");
        const counted = (cut < 0 ? sinceHealthy : sinceHealthy.slice(0, cut)).filter((j) => j.inconclusive.length > 0);
        expect(counted.length).toBeGreaterThanOrEqual(l.maxInconclusive);
        expect(sequence[last].inconclusive.length).toBeGreaterThan(0);
      }),
    );
  });

  it("breaches only on a breached round or after failedProbeRounds failed probe rounds in a row", () => {
    fc.assert(
      fc.property(fc.array(judgement, { maxLength: 60 }), limits, (sequence, l) => {
        const decisions = run(sequence, settings(l));
        const last = decisions.length - 1;
        if (decisions[last]?.kind !== "breach" || sequence[last].kind === "breach") return;
        const streak = sequence.slice(0, last + 1).slice(-l.failedProbeRounds);
        expect(streak).toHaveLength(l.failedProbeRounds);
        expect(streak.every((j) => j.probeFailure !== undefined)).toBe(true);
      }),
    );
  });

  it("without a healthy round the watch ends within maxInconclusive × failedProbeRounds rounds", () => {
    const unhealthy = judgement.filter((j) => j.kind === "inconclusive" || j.kind === "probes-failed");
    fc.assert(
      fc.property(fc.infiniteStream(unhealthy), limits, (stream, l) => {
        // At worst failedProbeRounds - 1 failed probe rounds before each of the maxInconclusive inconclusive ones.
        const bound = l.maxInconclusive * l.failedProbeRounds;
        const decisions = run([...stream.take(bound)], settings(l));
        expect(["breach", "stop"]).toContain(decisions[decisions.length - 1].kind);
      }),
    );
  });
});
