/**
 * The watch's own requests to a color's probe URLs, made by the gate's
 * request and response code (components/gate/probe.ts): the same status,
 * body and timeout checks, the same header redaction. A round's requests
 * start evenly over a span, not in one burst, so they sample the whole round
 * and stay bounded (see plan.ts for how many).
 */
import { probeRound } from "../../components/gate/probe";
import type { GateSettings } from "../../components/gate/settings";
import type { ProbeSample } from "../../components/gate/verdict";
import type { ProbeResult } from "./samples";

/** Failures a reading quotes at most (one per target). */
const QUOTED_FAILURES = 3;

export interface ProbePlan {
  readonly targets: readonly string[];
  /** Requests to each target per round. */
  readonly perTarget: number;
  /** The round's requests start evenly over this many milliseconds. */
  readonly spreadMs: number;
}

/** Summarises a round's samples, each request cut at `timeoutMs`; requests cut short by `interrupted` make no reading. */
export function probeReading(samples: readonly ProbeSample[], timeoutMs: number): ProbeResult {
  const failures = samples.filter((s) => s.error !== undefined);
  // The first failure of each target: a timeout's text differs by its milliseconds, the target does not.
  const firstPerTarget = failures.filter((s, i) => failures.findIndex((other) => other.target === s.target) === i);
  const quoted = firstPerTarget.map(
    (s) => `${s.target}${s.reached ? ` (redirected to ${s.reached})` : ""}: ${s.observed}`,
  );
  return {
    sent: samples.length,
    failed: failures.length,
    // A timed-out request is a failure and, for the p95, at least as slow as the timeout: dropping it would make a slow color look fast.
    latenciesMs: samples
      .filter((s) => s.error === undefined || s.error === "timeout")
      .map((s) => (s.error === "timeout" ? Math.max(s.latencyMs, timeoutMs) : s.latencyMs)),
    timeoutMs,
    failures: quoted.slice(0, QUOTED_FAILURES),
  };
}

/**
 * Probes every target `perTarget` times, the starts spread over `spreadMs`.
 * Each request is bounded by `gate.requestTimeoutMs`; a failing target is a
 * failed sample, never a throw. Aborting `signal` ends the round without data.
 */
export async function probeColor(
  plan: ProbePlan,
  gate: GateSettings,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const timers: typeof import("node:timers/promises") = require("node:timers/promises");
  const events: typeof import("node:events") = require("node:events");
  // Each pending start and each request batch listens on it: that many listeners is expected, not a leak.
  const round = AbortSignal.any([signal]);
  events.setMaxListeners(2 * plan.perTarget + 1, round);
  const step = plan.spreadMs / plan.perTarget;
  const rounds = await Promise.all(
    Array.from({ length: plan.perTarget }, async (_, k) => {
      if (k > 0) await timers.setTimeout(k * step, undefined, { signal: round }).catch(() => undefined);
      return round.aborted ? [] : probeRound(plan.targets, gate, headers, round);
    }),
  );
  if (round.aborted) return { noData: "the round was interrupted" };
  return probeReading(rounds.flat(), gate.requestTimeoutMs);
}
