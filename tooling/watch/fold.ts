/**
 * The watch over many rounds, pure: a fold of round judgements into what the
 * hold does next. A breach ends it at once; `failedProbeRounds` failed probe
 * rounds in a row are a breach; `maxInconclusive` inconclusive rounds
 * without a healthy round between them stop it (traffic stays where it is).
 * Only a healthy round can end a hold well, and only a healthy round resets
 * the inconclusive count: a failed probe round in between neither resets nor
 * adds to it, so alternating failed and inconclusive rounds still stop.
 */
import type { WatchSettings } from "../../components/config/watch";
import { Breach, RoundJudgement, WATCH_KEYS } from "./judge";

/** Distinct reasons an inconclusive stop reports at most (the newest). */
const MAX_REASONS = 20;

export interface WatchState {
  readonly rounds: number;
  /** Rounds in a row whose candidate probes failed (0 after a round whose probes passed). */
  readonly failedProbeStreak: number;
  /** Inconclusive rounds since the last healthy round. */
  readonly inconclusiveStreak: number;
  /** Distinct reasons of those rounds, newest last. */
  readonly inconclusiveReasons: readonly string[];
}

export const INITIAL_WATCH_STATE: WatchState = {
  rounds: 0,
  failedProbeStreak: 0,
  inconclusiveStreak: 0,
  inconclusiveReasons: [],
};

export type RoundDecision =
  /** This round was healthy: a hold whose time is up may end. */
  | { readonly kind: "healthy" }
  /** Keep watching: the round proved nothing either way, or its probes failed fewer times in a row than the limit. */
  | { readonly kind: "hold"; readonly reasons: readonly string[] }
  | { readonly kind: "breach"; readonly breaches: readonly Breach[] }
  /** Too many inconclusive rounds: stop, leave traffic where it is, say what had no data. */
  | { readonly kind: "stop"; readonly reasons: readonly string[] };

export function foldRound(
  state: WatchState,
  judgement: RoundJudgement,
  settings: WatchSettings,
): { readonly state: WatchState; readonly decision: RoundDecision } {
  const healthy = judgement.kind === "healthy";
  const counted = judgement.inconclusive.length > 0;
  const failedProbeStreak = judgement.probeFailure === undefined ? 0 : state.failedProbeStreak + 1;
  const inconclusiveStreak = healthy ? 0 : state.inconclusiveStreak + (counted ? 1 : 0);
  const inconclusiveReasons = healthy
    ? []
    : [
        ...state.inconclusiveReasons.filter((reason) => !judgement.inconclusive.includes(reason)),
        ...judgement.inconclusive,
      ].slice(-MAX_REASONS);
  const next: WatchState = { rounds: state.rounds + 1, failedProbeStreak, inconclusiveStreak, inconclusiveReasons };

  if (judgement.kind === "breach") return { state: next, decision: { kind: "breach", breaches: judgement.breaches } };
  if (judgement.probeFailure !== undefined && failedProbeStreak >= settings.failedProbeRounds) {
    const breach: Breach = {
      color: judgement.candidate,
      measure: "failed probe rounds",
      observed: failedProbeStreak,
      limit: settings.failedProbeRounds,
      key: WATCH_KEYS.failedProbeRounds,
      atLimit: true,
      text: `${failedProbeStreak} failed probe rounds of ${judgement.candidate} in a row reached ${WATCH_KEYS.failedProbeRounds} (${settings.failedProbeRounds}); last: ${judgement.probeFailure}`,
    };
    return { state: next, decision: { kind: "breach", breaches: [breach] } };
  }
  if (counted && inconclusiveStreak >= settings.maxInconclusive) {
    return { state: next, decision: { kind: "stop", reasons: inconclusiveReasons } };
  }
  if (healthy) return { state: next, decision: { kind: "healthy" } };
  const reasons = [
    ...judgement.inconclusive,
    ...(judgement.probeFailure === undefined ? [] : [judgement.probeFailure]),
  ];
  return { state: next, decision: { kind: "hold", reasons } };
}
