/**
 * Pure verdict of the promotion gate: classifies responses, decides after each
 * probe round whether to pass, fail or keep probing, and writes the failure
 * message the engine shows. No network, no clock: the probe loop feeds it.
 */
import type { GateSettings } from "./settings";

export type ProbeErrorKind =
  | "timeout"
  | "refused"
  | "reset"
  | "redirect"
  | "invalid-json"
  | "body-mismatch"
  | "status"
  | "network"
  /** The request was still in flight when the gate's deadline aborted it. */
  | "deadline";

/** One request to one target. */
export interface ProbeSample {
  readonly target: string;
  /** HTTP status; absent when no response arrived. */
  readonly status?: number;
  readonly latencyMs: number;
  /** The body check passed (true when no body check is configured and a response arrived). */
  readonly bodyOk: boolean;
  /** Why the sample failed; absent when it passed. */
  readonly error?: ProbeErrorKind;
  /** What was observed, in words, e.g. "HTTP 503" or "connect ECONNREFUSED 127.0.0.1:9". */
  readonly observed: string;
  /** Start of the response body (see truncate). */
  readonly excerpt: string;
}

/** All targets, probed concurrently in one round. */
export type ProbeRound = readonly ProbeSample[];

export interface GateFailure {
  /** Name of the check that failed, e.g. "HTTP status" or "p95 latency". */
  readonly check: string;
  readonly target?: string;
  readonly observed: string;
  readonly limit: string;
  /** Why the gate stopped here, e.g. the failure threshold that was reached. */
  readonly because: string;
  readonly excerpt?: string;
}

export type RoundVerdict =
  | { readonly outcome: "continue" }
  | { readonly outcome: "pass"; readonly samples: number; readonly p95LatencyMs: number }
  | { readonly outcome: "fail"; readonly failure: GateFailure };

/** The traffic change the gate guards, for the failure message. */
export interface GateContext {
  readonly app: string;
  readonly color: string;
  readonly version: string;
  /** Weight before this update; absent on create. */
  readonly fromWeight?: number;
  readonly toWeight: number;
  readonly totalWeight: number;
}

export const EXCERPT_CHARS = 200;
export const MAX_REDIRECTS = 3;

export function truncate(text: string, max = EXCERPT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more chars)`;
}

/** Nearest-rank p95: the smallest sample that at least 95 % of samples do not exceed. */
export function p95(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1];
}

/** Judges one HTTP response: the status first, then the body check. */
export function assessResponse(
  status: number,
  body: string,
  settings: Pick<GateSettings, "expectedStatus" | "body">,
): Pick<ProbeSample, "bodyOk" | "error" | "observed"> {
  const bodyResult = assessBody(body, settings.body);
  if (!settings.expectedStatus.includes(status))
    return { bodyOk: bodyResult.ok, error: "status", observed: `HTTP ${status}` };
  if (!bodyResult.ok) return { bodyOk: false, error: bodyResult.error, observed: bodyResult.observed };
  return { bodyOk: true, observed: `HTTP ${status}` };
}

function assessBody(
  body: string,
  check: GateSettings["body"],
): { ok: true } | { ok: false; error: "invalid-json" | "body-mismatch"; observed: string } {
  if (check === undefined) return { ok: true };
  if ("contains" in check) {
    return body.includes(check.contains)
      ? { ok: true }
      : { ok: false, error: "body-mismatch", observed: `body does not contain ${JSON.stringify(check.contains)}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: "invalid-json", observed: `invalid JSON (${(e as Error).message})` };
  }
  const value = check.json.path
    .split(".")
    .reduce<unknown>(
      (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
      parsed,
    );
  return value === check.json.equals
    ? { ok: true }
    : {
        ok: false,
        error: "body-mismatch",
        observed: `${check.json.path} = ${value === undefined ? "(missing)" : JSON.stringify(value)}`,
      };
}

export function samplePassed(sample: ProbeSample): boolean {
  return sample.error === undefined;
}

/** Decides after a round: fail at `failureThreshold` failed rounds in a row, pass at `consecutiveSuccesses` good ones within the latency limit. */
export function evaluateRounds(rounds: readonly ProbeRound[], settings: GateSettings): RoundVerdict {
  if (rounds.length === 0) return { outcome: "continue" };
  const lastOk = rounds[rounds.length - 1].every(samplePassed);
  let streak = 0;
  while (streak < rounds.length && rounds[rounds.length - 1 - streak].every(samplePassed) === lastOk) streak++;

  if (!lastOk) {
    if (streak < settings.failureThreshold) return { outcome: "continue" };
    return {
      outcome: "fail",
      failure: sampleFailure(
        rounds[rounds.length - 1],
        settings,
        `${streak} consecutive failed rounds reached gate.failureThreshold (${settings.failureThreshold}).`,
      ),
    };
  }
  if (streak < settings.consecutiveSuccesses) return { outcome: "continue" };

  // The window is the passing streak: earlier failed rounds (e.g. timeouts
  // while the app was starting) must not count against its latency.
  const window = rounds.slice(rounds.length - settings.consecutiveSuccesses).flat();
  const overall = p95(window.map((s) => s.latencyMs));
  if (overall <= settings.p95LatencyMs) return { outcome: "pass", samples: window.length, p95LatencyMs: overall };
  const slowest = slowestTarget(window);
  return {
    outcome: "fail",
    failure: {
      check: "p95 latency",
      target: slowest.target,
      observed: `p95 ${Math.round(overall)} ms over ${window.length} samples (this target: p95 ${Math.round(slowest.p95)} ms)`,
      limit: `gate.p95LatencyMs ${settings.p95LatencyMs} ms`,
      because: `the ${settings.consecutiveSuccesses} consecutive healthy rounds were too slow.`,
    },
  };
}

function slowestTarget(samples: readonly ProbeSample[]): { target: string; p95: number } {
  const byTarget = new Map<string, number[]>();
  for (const s of samples) byTarget.set(s.target, [...(byTarget.get(s.target) ?? []), s.latencyMs]);
  return [...byTarget]
    .map(([target, latencies]) => ({ target, p95: p95(latencies) }))
    .reduce((worst, t) => (t.p95 > worst.p95 ? t : worst));
}

function sampleFailure(round: ProbeRound, settings: GateSettings, because: string): GateFailure {
  const failed = round.filter((s) => !samplePassed(s));
  const [first, ...others] = failed;
  const also =
    others.length === 0 ? "" : ` Also failing: ${others.map((s) => `${s.target} (${s.observed})`).join("; ")}.`;
  return {
    check: checkName(first.error as ProbeErrorKind),
    target: first.target,
    observed: first.observed,
    limit: limitText(first.error as ProbeErrorKind, settings),
    because: because + also,
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
    network: "request",
    deadline: "deadline",
  };
  return names[kind];
}

function limitText(kind: ProbeErrorKind, settings: GateSettings): string {
  switch (kind) {
    case "timeout":
      return `a complete response within gate.requestTimeoutMs ${settings.requestTimeoutMs} ms`;
    case "redirect":
      return `at most ${MAX_REDIRECTS} redirects`;
    case "status":
      return `one of [${settings.expectedStatus.join(", ")}] (gate.expectedStatus)`;
    case "invalid-json":
    case "body-mismatch":
      return bodyLimit(settings.body);
    default:
      return "a reachable target that answers over HTTP";
  }
}

function bodyLimit(check: GateSettings["body"]): string {
  if (check === undefined) return "no body check";
  if ("contains" in check) return `body contains ${JSON.stringify(check.contains)} (gate.body.contains)`;
  return `JSON body with ${check.json.path} = ${JSON.stringify(check.json.equals)} (gate.body.json)`;
}

/** The deadline struck before a verdict: says how far the gate got and what was last seen failing. */
export function deadlineFailure(
  rounds: readonly ProbeRound[],
  inFlight: readonly ProbeSample[],
  settings: GateSettings,
  elapsedMs: number,
): GateFailure {
  const okRounds = rounds.filter((r) => r.every(samplePassed)).length;
  const lastFailing = [...rounds]
    .reverse()
    .flat()
    .find((s) => !samplePassed(s));
  const aborted = inFlight.filter((s) => s.error === "deadline").map((s) => s.target);
  const abortedText = aborted.length === 0 ? "" : ` Requests still in flight were aborted: ${aborted.join(", ")}.`;
  return {
    check: "deadline",
    target: lastFailing?.target,
    observed:
      `no verdict after ${Math.round(elapsedMs)} ms; rounds completed: ${rounds.length} (${okRounds} healthy, ${rounds.length - okRounds} failed)` +
      (lastFailing === undefined
        ? ""
        : `; last failure: ${checkName(lastFailing.error as ProbeErrorKind)} ${lastFailing.observed}`),
    limit: `gate.deadlineSeconds ${settings.deadlineSeconds} s, within which ${settings.consecutiveSuccesses} consecutive healthy rounds are needed`,
    because: `the gate never waits past its deadline (flapping or hanging targets end here).${abortedText}`,
    excerpt: lastFailing?.excerpt,
  };
}

/** The message the engine shows when the gate blocks an update. */
export function formatFailure(failure: GateFailure, ctx: GateContext): string {
  const from = ctx.fromWeight === undefined ? "" : `${ctx.fromWeight} -> `;
  const stays =
    ctx.fromWeight === undefined
      ? `${ctx.color} receives no traffic from this update`
      : `${ctx.color} stays at ${ctx.fromWeight} of ${ctx.totalWeight}`;
  const at = failure.target === undefined ? "" : ` at ${failure.target}`;
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
