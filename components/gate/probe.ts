/**
 * The network side of the gate: probe rounds against the targets, the
 * Prometheus error-rate query, and the loop that runs rounds until the verdict
 * (verdict.ts) passes or fails, or the deadline strikes. These functions run
 * inside the dynamic-provider host, so axios is required inside them.
 */
import type { GateSettings } from "./settings";
import { ErrorRateResult, judgeErrorRate, parsePrometheusAnswer } from "./prometheus";
import {
  assessResponse,
  deadlineFailure,
  evaluateRounds,
  formatFailure,
  GateContext,
  GateFailure,
  MAX_REDIRECTS,
  ProbeErrorKind,
  ProbeRound,
  ProbeSample,
  truncate,
} from "./verdict";

/** Bodies are only checked and excerpted; a larger one is a failure, not a memory hazard. */
const MAX_BODY_BYTES = 1_000_000;

export interface GateRun {
  readonly targets: readonly string[];
  readonly settings: GateSettings;
  /** Request headers for the targets (secret; never recorded). */
  readonly headers: Readonly<Record<string, string>>;
  readonly context: GateContext;
}

export interface GatePassed {
  /** Samples in the passing window. */
  readonly samples: number;
  readonly p95LatencyMs: number;
  readonly errorRate?: number;
}

/** Maps an axios/Node error code to the kind of failure the verdict reports. */
export function classifyRequestError(code: string | undefined): ProbeErrorKind {
  switch (code) {
    case "ECONNREFUSED":
      return "refused";
    case "ECONNRESET":
    case "EPIPE":
      return "reset";
    case "ERR_FR_TOO_MANY_REDIRECTS":
      return "redirect";
    // ERR_CANCELED: the per-request total timeout signal fired (the caller
    // checks the deadline signal first); the others are axios' own timeouts.
    case "ERR_CANCELED":
    case "ECONNABORTED":
    case "ETIMEDOUT":
      return "timeout";
    default:
      return "network";
  }
}

type Axios = typeof import("axios").default;

/** What every request of one round shares. */
interface Round {
  readonly axios: Axios;
  readonly settings: GateSettings;
  readonly headers: Readonly<Record<string, string>>;
  readonly deadline: AbortSignal;
  /** See requestBound. */
  readonly signal: AbortSignal;
}

/**
 * The signal that bounds the TOTAL time of requests started together: it
 * fires at the deadline or `timeoutMs` from now. axios' `timeout` only
 * watches an idle socket, so a body trickling in byte by byte would slip past
 * it. One signal per round, shared by its requests, keeps the cost per target
 * flat when there are many targets.
 */
function requestBound(timeoutMs: number, deadline: AbortSignal, requests: number): AbortSignal {
  const signal = AbortSignal.any([deadline, AbortSignal.timeout(timeoutMs)]);
  // Each concurrent request listens on it; that many listeners is expected, not a leak.
  const events: typeof import("node:events") = require("node:events");
  events.setMaxListeners(requests + 1, signal);
  return signal;
}

function boundedGet(
  axios: Axios,
  url: string,
  timeoutMs: number,
  signal: AbortSignal,
  extra: { headers?: Record<string, string>; params?: Record<string, string> },
) {
  return axios.get<string>(url, {
    ...extra,
    timeout: timeoutMs,
    signal,
    maxRedirects: MAX_REDIRECTS,
    maxContentLength: MAX_BODY_BYTES,
    validateStatus: () => true,
    responseType: "text",
    // Keep the raw text: JSON is parsed (and judged) by the verdict.
    transformResponse: (data: unknown) => data,
  });
}

async function probeTarget(url: string, round: Round): Promise<ProbeSample> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const res = await boundedGet(round.axios, url, round.settings.requestTimeoutMs, round.signal, {
      headers: { ...round.headers },
    });
    const body = String(res.data ?? "");
    return {
      target: url,
      status: res.status,
      latencyMs: elapsed(),
      ...assessResponse(res.status, body, round.settings),
      excerpt: truncate(body),
    };
  } catch (e) {
    const latencyMs = elapsed();
    const err = e as { code?: string; message: string };
    const error = round.deadline.aborted ? "deadline" : classifyRequestError(err.code);
    const observed =
      error === "deadline"
        ? `aborted at the gate deadline after ${latencyMs} ms`
        : error === "timeout"
          ? `no complete response after ${latencyMs} ms`
          : `${err.message}${err.code ? ` (${err.code})` : ""}`;
    return { target: url, latencyMs, bodyOk: false, error, observed, excerpt: "" };
  }
}

/** All targets at once, so 50 targets take about as long as the slowest one. */
export function probeRound(
  targets: readonly string[],
  settings: GateSettings,
  headers: Readonly<Record<string, string>>,
  deadline: AbortSignal,
): Promise<ProbeSample[]> {
  // Required before any latency clock starts: the first require in the host is slow.
  const axios: Axios = require("axios");
  const round = {
    axios,
    settings,
    headers,
    deadline,
    signal: requestBound(settings.requestTimeoutMs, deadline, targets.length),
  };
  return Promise.all(targets.map((url) => probeTarget(url, round)));
}

/** `GET {url}/api/v1/query?query=...`; any transport problem is reported, never thrown (the verdict fails closed). */
export async function queryErrorRate(
  prometheus: NonNullable<GateSettings["prometheus"]>,
  timeoutMs: number,
  deadline: AbortSignal,
): Promise<ErrorRateResult> {
  const endpoint = `${prometheus.url.replace(/\/+$/, "")}/api/v1/query`;
  try {
    const axios: Axios = require("axios");
    const res = await boundedGet(axios, endpoint, timeoutMs, requestBound(timeoutMs, deadline, 1), {
      params: { query: prometheus.query },
    });
    return parsePrometheusAnswer(res.status, String(res.data ?? ""));
  } catch (e) {
    return { problem: `query to ${endpoint} failed: ${(e as Error).message}`, excerpt: "" };
  }
}

/** Sleeps until `ms` elapsed or the deadline fires, whichever is first (the caller checks which). */
async function pause(ms: number, deadline: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  const timers: typeof import("node:timers/promises") = require("node:timers/promises");
  await timers.setTimeout(ms, undefined, { signal: deadline }).catch(() => undefined);
}

/**
 * Probes in rounds that start every `intervalMs` (a round slower than the
 * interval is followed at once) until the verdict passes or fails; the
 * deadline aborts whatever is in flight. Resolves on pass, throws the
 * user-facing failure message otherwise.
 */
export async function runGate(run: GateRun): Promise<GatePassed> {
  const { settings } = run;
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.deadlineSeconds * 1000);
  const deadline = controller.signal;
  const fail = (failure: GateFailure) => new Error(formatFailure(failure, run.context));
  const rounds: ProbeRound[] = [];
  try {
    for (;;) {
      const roundStarted = performance.now();
      const round = await probeRound(run.targets, settings, run.headers, deadline);
      if (deadline.aborted) throw fail(deadlineFailure(rounds, round, settings, performance.now() - started));
      rounds.push(round);
      const verdict = evaluateRounds(rounds, settings);
      if (verdict.outcome === "fail") throw fail(verdict.failure);
      if (verdict.outcome === "pass") {
        const passed = { samples: verdict.samples, p95LatencyMs: verdict.p95LatencyMs };
        if (settings.prometheus === undefined) return passed;
        const rate = await queryErrorRate(settings.prometheus, settings.requestTimeoutMs, deadline);
        if (deadline.aborted) throw fail(deadlineFailure(rounds, [], settings, performance.now() - started));
        const judged = judgeErrorRate(rate, settings.prometheus);
        if (!judged.ok) throw fail(judged.failure);
        return { ...passed, errorRate: judged.errorRate };
      }
      await pause(roundStarted + settings.intervalMs - performance.now(), deadline);
      if (deadline.aborted) throw fail(deadlineFailure(rounds, [], settings, performance.now() - started));
    }
  } finally {
    clearTimeout(timer);
  }
}
