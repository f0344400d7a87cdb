/**
 * When the gate passes or fails, and how it says so; pure. The probe loop
 * feeds each round to recordRound, which keeps only what the verdict needs
 * (counters, the latencies of the newest healthy rounds, the newest
 * problem), so a gate that runs for an hour holds no more than one that
 * runs for a second.
 *
 * Latency is judged on a sliding window: once `consecutiveSuccesses` healthy
 * rounds are in a row, the newest `consecutiveSuccesses` of them are judged
 * after every healthy round. The first window within gate.p95LatencyMs
 * passes; `failureThreshold` too-slow windows in a row fail. One slow
 * warm-up answer thus delays the promotion instead of failing it.
 */
import { EXCERPT_CHARS } from "./body";
import type { GateSettings } from "./settings";
import type {
  GateContext,
  GateFailure,
  GateProgress,
  ProbeErrorKind,
  ProbeRound,
  ProbeSample,
  RoundVerdict,
} from "./verdict";

export const MAX_REDIRECTS = 3;

/** A healthy sample as the latency window keeps it. */
interface Timing {
  readonly target: string;
  readonly latencyMs: number;
}

export interface GateTally extends GateProgress {
  /** Healthy rounds in a row up to the newest one (0 after a failed round). */
  readonly healthyStreak: number;
  /** Failed rounds in a row up to the newest one (0 after a healthy round). */
  readonly failedStreak: number;
  /** Timings of the newest healthy rounds of the current streak: at most consecutiveSuccesses rounds. */
  readonly window: readonly (readonly Timing[])[];
  /** Judged windows in a row over the latency limit (0 after a failed round: those were not in a row). */
  readonly slowWindows: number;
}

const EMPTY_TALLY: GateTally = {
  rounds: 0,
  healthyRounds: 0,
  healthyStreak: 0,
  failedStreak: 0,
  window: [],
  slowWindows: 0,
};

/** Nearest-rank p95: the smallest sample that at least 95 % of samples do not exceed. */
export function p95(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1];
}

/** Adds one round to `tally` (undefined before the first); says whether the gate passes, fails or keeps probing. */
export function recordRound(
  previous: GateTally | undefined,
  round: ProbeRound,
  settings: GateSettings,
): { tally: GateTally; verdict: RoundVerdict } {
  const tally = previous ?? EMPTY_TALLY;
  const keepProbing = { outcome: "continue" } as const;
  if (round.length === 0) {
    // Defence in depth (the provider refuses an empty target list first): no sample is no evidence.
    const failure = {
      check: "targets",
      observed: "a probe round with 0 samples (no target to probe)",
      limit: "at least one URL that reaches this color alone (the platform's, or bluegreen:gate.targets.<color>)",
      because: "a round without samples proves nothing, so the gate fails closed.",
    };
    return { tally, verdict: { outcome: "fail", failure } };
  }
  const rounds = tally.rounds + 1;
  const failed = round.find((s) => s.error !== undefined);
  if (failed !== undefined) {
    const failedStreak = tally.failedStreak + 1;
    const { target, reached, observed, excerpt } = failed;
    const lastProblem = { check: checkName(failed.error as ProbeErrorKind), target, reached, observed, excerpt };
    const next = { ...EMPTY_TALLY, rounds, healthyRounds: tally.healthyRounds, failedStreak, lastProblem };
    if (failedStreak < settings.failureThreshold) return { tally: next, verdict: keepProbing };
    const because = `${failedStreak} consecutive failed rounds reached gate.failureThreshold (${settings.failureThreshold}).`;
    return { tally: next, verdict: { outcome: "fail", failure: sampleFailure(round, settings, because) } };
  }

  const healthyStreak = tally.healthyStreak + 1;
  const timings = round.map(({ target, latencyMs }) => ({ target, latencyMs }));
  const window = [...tally.window, timings].slice(-settings.consecutiveSuccesses);
  const next = { ...tally, rounds, healthyRounds: tally.healthyRounds + 1, healthyStreak, failedStreak: 0, window };
  if (healthyStreak < settings.consecutiveSuccesses) return { tally: next, verdict: keepProbing };
  const samples = window.flat();
  const overall = p95(samples.map((s) => s.latencyMs));
  if (overall <= settings.p95LatencyMs) {
    return { tally: next, verdict: { outcome: "pass", samples: samples.length, p95LatencyMs: overall } };
  }
  const slowWindows = tally.slowWindows + 1;
  const slowest = slowestTarget(samples);
  const failure: GateFailure = {
    check: "p95 latency",
    target: slowest.target,
    observed: `p95 ${Math.round(overall)} ms over ${samples.length} samples (this target: p95 ${Math.round(slowest.p95)} ms)`,
    limit: `gate.p95LatencyMs ${settings.p95LatencyMs} ms`,
    because: `${slowWindows} windows in a row of ${settings.consecutiveSuccesses} consecutive healthy rounds were too slow (gate.failureThreshold ${settings.failureThreshold}).`,
  };
  const verdict = slowWindows < settings.failureThreshold ? keepProbing : ({ outcome: "fail", failure } as const);
  return { tally: { ...next, slowWindows, lastProblem: failure }, verdict };
}

/** The failure of a round: its first failing sample, the others listed after `because`. */
function sampleFailure(round: ProbeRound, settings: GateSettings, because: string): GateFailure {
  const [first, ...others] = round.filter((s) => s.error !== undefined);
  const also = others.map((s) => `${s.target}${s.reached ? ` (redirected to ${s.reached})` : ""} (${s.observed})`);
  return {
    check: checkName(first.error as ProbeErrorKind),
    target: first.target,
    reached: first.reached,
    observed: first.observed,
    limit: limitText(first.error as ProbeErrorKind, settings),
    because: because + (also.length === 0 ? "" : ` Also failing: ${also.join("; ")}.`),
    excerpt: first.excerpt,
  };
}

function checkName(kind: ProbeErrorKind): string {
  const names: Record<ProbeErrorKind, string> = {
    timeout: "request timeout",
    refused: "connection",
    reset: "connection",
    redirect: "redirects",
    "invalid-json": "JSON body",
    "body-mismatch": "response body",
    status: "HTTP status",
    "too-large": "response size",
    network: "request",
    deadline: "deadline",
  };
  return names[kind];
}

function limitText(kind: ProbeErrorKind, settings: GateSettings): string {
  const check = settings.body;
  switch (kind) {
    case "timeout":
      return `a complete response within gate.requestTimeoutMs ${settings.requestTimeoutMs} ms`;
    case "redirect":
      return `at most ${MAX_REDIRECTS} redirects`;
    case "status":
      return `one of [${settings.expectedStatus.join(", ")}] (gate.expectedStatus)`;
    case "too-large":
      return "a body of at most 1 MB: probe a health endpoint with a short answer";
    case "invalid-json":
    case "body-mismatch":
      if (check === undefined) return "no body check";
      if ("contains" in check) return `body contains ${JSON.stringify(check.contains)} (gate.body.contains)`;
      return `JSON body with ${check.json.path} = ${JSON.stringify(check.json.equals)} (gate.body.json)`;
    default:
      return "a reachable target that answers over HTTP";
  }
}

function slowestTarget(samples: readonly Timing[]): { target: string; p95: number } {
  const byTarget = new Map<string, number[]>();
  for (const s of samples) byTarget.set(s.target, [...(byTarget.get(s.target) ?? []), s.latencyMs]);
  return [...byTarget]
    .map(([target, latencies]) => ({ target, p95: p95(latencies) }))
    .reduce((worst, t) => (t.p95 > worst.p95 ? t : worst));
}

/** The deadline struck before a verdict: says how far the gate got and what last went wrong. */
export function deadlineFailure(
  progress: GateProgress,
  inFlight: readonly ProbeSample[],
  settings: GateSettings,
  elapsedMs: number,
): GateFailure {
  const { rounds, healthyRounds, lastProblem: last } = progress;
  const aborted = inFlight.filter((s) => s.error === "deadline").map((s) => s.target);
  const abortedText = aborted.length === 0 ? "" : ` Requests still in flight were aborted: ${aborted.join(", ")}.`;
  return {
    check: "deadline",
    target: last?.target,
    reached: last?.reached,
    observed:
      `no verdict after ${Math.round(elapsedMs)} ms; rounds completed: ${rounds} (${healthyRounds} healthy, ${rounds - healthyRounds} failed)` +
      (last === undefined ? "" : `; last failure: ${last.check} ${last.observed}`),
    limit: `gate.deadlineSeconds ${settings.deadlineSeconds} s, within which ${settings.consecutiveSuccesses} consecutive healthy rounds are needed`,
    because: `the gate never waits past its deadline (flapping or hanging targets end here).${abortedText}`,
    excerpt: last?.excerpt,
  };
}

/** The message the engine shows when the gate blocks an update. */
export function formatFailure(failure: GateFailure, ctx: GateContext): string {
  const from = ctx.fromWeight === undefined ? "" : `${ctx.fromWeight} -> `;
  const stays =
    ctx.fromWeight === undefined
      ? `${ctx.color} receives no traffic from this update`
      : `${ctx.color} stays at ${ctx.fromWeight} of ${ctx.totalWeight}`;
  const redirected = failure.reached ? ` (redirected to ${failure.reached})` : "";
  const at = failure.target === undefined ? "" : ` at ${failure.target}${redirected}`;
  const lines = [
    `Promotion gate blocked traffic to ${ctx.color} of app "${ctx.app}" (version ${ctx.version}, weight ${from}${ctx.toWeight} of ${ctx.totalWeight}).`,
    `Failed check: ${failure.check}${at}: observed ${failure.observed}; limit ${failure.limit}. Stopped because ${failure.because}`,
  ];
  if (failure.excerpt) lines.push(`Last response (first ${EXCERPT_CHARS} chars): ${failure.excerpt}`);
  lines.push(
    `Traffic was NOT moved: the listener weights are unchanged (${stays}).`,
    `To retry, fix ${ctx.color} and run \`pulumi up\` again. To roll back, lower bluegreen:traffic.${ctx.color}: lowering a weight is never probed or blocked.`,
  );
  return lines.join("\n");
}
