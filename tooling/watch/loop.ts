/**
 * The watch loop: holds a release for a time (or until an approval), one
 * analysis round every `bluegreen:watch.intervalSeconds`, and says how the
 * hold ended. Every effect is injected (sampling, clock, sleep, log, poll),
 * so tests drive it with a logical clock and count intervals.
 *
 * A hold ends well only on a healthy round: once the time is up (or poll()
 * said "continue"), the loop keeps watching until a round is healthy, a
 * breach, or the inconclusive limit stops it. Inconclusive never advances.
 */
import type { Color } from "../../components/contracts/colors";
import type { WatchSettings } from "../../components/config/watch";
import { foldRound, INITIAL_WATCH_STATE, WatchState } from "./fold";
import { Breach, judgeRound, RoundJudgement } from "./judge";
import type { RoundSamples } from "./samples";

export type PollAnswer = "wait" | "continue" | "abort";

export interface WatchDeps {
  /** Measures one round; never throws for a target's failure (a throw is taken as a round without data). */
  sample(signal: AbortSignal): Promise<RoundSamples>;
  /** Milliseconds on any monotonic clock. */
  now(): number;
  /** Resolves after `ms`, or early once `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  log(line: string): void;
  /** Asked after every round: "continue" (e.g. an approval) ends the hold at the next healthy round, "abort" at once. */
  poll?(): Promise<PollAnswer>;
}

export interface WatchRequest {
  /** The color judged (its samples are `candidate` in every round). */
  readonly candidate: Color;
  readonly settings: WatchSettings;
  /** How long to hold; without it the hold lasts until poll() says "continue" or "abort". */
  readonly durationMs?: number;
  /** Stops the loop between rounds (and cuts a sleep or a round short): outcome "interrupted". */
  readonly signal?: AbortSignal;
}

export type WatchOutcome =
  | { readonly kind: "held-healthy"; readonly rounds: number; readonly endedBy: "duration" | "poll" }
  | {
      readonly kind: "breach";
      readonly round: number;
      readonly breaches: readonly Breach[];
      readonly judgement: RoundJudgement;
    }
  /** `reasons`: what had no data (distinct, newest last). */
  | { readonly kind: "inconclusive-stop"; readonly round: number; readonly reasons: readonly string[] }
  | { readonly kind: "stopped-by-poll"; readonly round: number }
  | { readonly kind: "interrupted"; readonly rounds: number };

/** The real sleep for WatchDeps: resolves after `ms`, or as soon as `signal` aborts. */
export async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  const timers: typeof import("node:timers/promises") = require("node:timers/promises");
  await timers.setTimeout(ms, undefined, { signal }).catch(() => undefined);
}

/** "[round 3 +3m00s] green healthy: ..." */
export function describeRound(round: number, elapsedMs: number, judgement: RoundJudgement): string {
  const seconds = Math.round(elapsedMs / 1000);
  const at = `+${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
  const details = [
    ...judgement.breaches.map((b) => `BREACH ${b.text}`),
    ...judgement.inconclusive.map((reason) => `no verdict: ${reason}`),
    ...(judgement.probeFailure === undefined ? [] : [judgement.probeFailure]),
    ...judgement.observations,
  ];
  return `[round ${round} ${at}] ${judgement.candidate} ${judgement.kind}: ${details.join("; ")}`;
}

/** A sampler that threw (a bug, not a target's failure) makes a round without data, never a pass. */
function failedSampling(err: unknown, candidate: Color): RoundJudgement {
  const why = `sampling failed: ${err instanceof Error ? err.message : String(err)}`;
  return { kind: "inconclusive", candidate, breaches: [], inconclusive: [why], observations: [] };
}

export async function runWatch(request: WatchRequest, deps: WatchDeps): Promise<WatchOutcome> {
  const { settings, durationMs } = request;
  if (durationMs === undefined && deps.poll === undefined) {
    throw new TypeError("runWatch needs a durationMs or a poll(): otherwise the hold could never end");
  }
  const signal = request.signal ?? new AbortController().signal;
  const intervalMs = settings.intervalSeconds * 1000;
  const started = deps.now();
  let state: WatchState = INITIAL_WATCH_STATE;
  let approved = false;
  let roundStart = started;
  for (;;) {
    if (signal.aborted) return { kind: "interrupted", rounds: state.rounds };
    let judgement: RoundJudgement;
    try {
      judgement = judgeRound(await deps.sample(signal), settings);
    } catch (err) {
      judgement = failedSampling(err, request.candidate);
    }
    // A round cut short by the signal is no evidence: it is discarded.
    if (signal.aborted) return { kind: "interrupted", rounds: state.rounds };
    const folded = foldRound(state, judgement, settings);
    state = folded.state;
    const { decision } = folded;
    const round = state.rounds;
    deps.log(describeRound(round, deps.now() - started, judgement));
    if (decision.kind === "breach") return { kind: "breach", round, breaches: decision.breaches, judgement };
    if (decision.kind === "stop") return { kind: "inconclusive-stop", round, reasons: decision.reasons };
    const answer = deps.poll === undefined ? "wait" : await deps.poll();
    if (answer === "abort") return { kind: "stopped-by-poll", round };
    approved ||= answer === "continue";
    const timeUp = durationMs !== undefined && deps.now() - started >= durationMs;
    if (decision.kind === "healthy" && (approved || timeUp)) {
      return { kind: "held-healthy", rounds: round, endedBy: approved && !timeUp ? "poll" : "duration" };
    }
    // Rounds start on a fixed cadence; after a round slower than the interval the next starts at once.
    roundStart = Math.max(roundStart + intervalMs, deps.now());
    await deps.sleep(roundStart - deps.now(), signal);
  }
}
