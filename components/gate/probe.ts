/**
 * The network side of the gate: probe rounds against the targets, the
 * Prometheus queries, and the loop that runs rounds until the tally
 * (tally.ts) passes or fails, or the deadline strikes. These functions run
 * inside the dynamic-provider host, so npm and node modules are required
 * inside them.
 */
import { MAX_BODY_BYTES, readResponse } from "./body";
import {
  gateQueries,
  GateTrafficVerdict,
  judgeGateTraffic,
  PROMETHEUS_NO_TRAFFIC,
  PROMETHEUS_SKIPPED_MAINTENANCE,
  PrometheusSettings,
} from "./prometheus";
import { InstantAnswer, readInstantAnswer } from "./prometheusAnswer";
import type { GateSettings } from "./settings";
import { deadlineFailure, formatFailure, GateTally, MAX_REDIRECTS, recordRound } from "./tally";
import type { GateContext, GateFailure, ProbeErrorKind, ProbeSample } from "./verdict";

export interface GateRun {
  readonly targets: readonly string[];
  readonly settings: GateSettings;
  /** Request headers for the targets (secret; never recorded). */
  readonly headers: Readonly<Record<string, string>>;
  readonly context: GateContext;
  /** Maintenance is on: the Prometheus check is skipped (PROMETHEUS_SKIPPED_MAINTENANCE). @default false */
  readonly maintenance?: boolean;
}

export interface GatePassed {
  /** Samples in the passing window. */
  readonly samples: number;
  readonly p95LatencyMs: number;
  readonly errorRate?: number;
  /** Why no error rate judged the color, when Prometheus was configured: maintenance, or no traffic yet. */
  readonly prometheus?: typeof PROMETHEUS_SKIPPED_MAINTENANCE | typeof PROMETHEUS_NO_TRAFFIC;
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

/** The URL a request ended at after redirects (follow-redirects records it), when it is not `target`. */
function reachedUrl(request: unknown, target: string): { reached?: string } {
  const r = request as
    { _redirectable?: { _currentUrl?: unknown }; _currentUrl?: unknown; res?: { responseUrl?: unknown } } | undefined;
  const url = r?._redirectable?._currentUrl ?? r?.res?.responseUrl ?? r?._currentUrl;
  if (typeof url !== "string") return {};
  try {
    return new URL(url).href === new URL(target).href ? {} : { reached: url };
  } catch {
    return {};
  }
}

async function probeTarget(url: string, round: Round): Promise<ProbeSample> {
  const { settings, headers } = round;
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const res = await round.axios.get<AsyncIterable<Buffer>>(url, {
      headers: { ...headers },
      timeout: settings.requestTimeoutMs,
      signal: round.signal,
      maxRedirects: MAX_REDIRECTS,
      // readResponse enforces the cap, and names it; axios' own check would say only "maxContentLength exceeded".
      maxContentLength: -1,
      validateStatus: () => true,
      responseType: "stream",
    });
    const judged = await readResponse(res.status, res.data, settings, headers);
    return { target: url, ...reachedUrl(res.request, url), status: res.status, latencyMs: elapsed(), ...judged };
  } catch (e) {
    const latencyMs = elapsed();
    const err = e as { code?: string; message: string; request?: unknown };
    const error = round.deadline.aborted ? "deadline" : classifyRequestError(err.code);
    const observed =
      error === "deadline"
        ? `aborted at the gate deadline after ${latencyMs} ms`
        : error === "timeout"
          ? `no complete response after ${latencyMs} ms`
          : `${err.message}${err.code ? ` (${err.code})` : ""}`;
    return { target: url, ...reachedUrl(err.request, url), latencyMs, bodyOk: false, error, observed, excerpt: "" };
  }
}

/** All targets at once, so 50 targets take about as long as the slowest one. The release watch (tooling/watch) probes with it too. */
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

/**
 * `GET {url}/api/v1/query?query=...&time=...`: the answer read by the one
 * strict parser (prometheusAnswer.ts). `time` (Unix seconds) evaluates the
 * queries of one verdict at one instant, so that a count and its errors
 * cover the same window. Any transport problem is reported, never thrown.
 * The release watch (tooling/watch) queries with it too.
 */
export async function queryPrometheus(
  url: string,
  query: string,
  time: number,
  timeoutMs: number,
  deadline: AbortSignal,
): Promise<InstantAnswer> {
  const endpoint = `${url.replace(/\/+$/, "")}/api/v1/query`;
  const started = performance.now();
  try {
    const axios: Axios = require("axios");
    const res = await axios.get<string>(endpoint, {
      params: { query, time },
      timeout: timeoutMs,
      signal: requestBound(timeoutMs, deadline, 1),
      maxRedirects: MAX_REDIRECTS,
      maxContentLength: MAX_BODY_BYTES,
      validateStatus: () => true,
      responseType: "text",
      // Keep the raw text: readInstantAnswer parses it.
      transformResponse: (data: unknown) => data,
    });
    return readInstantAnswer(res.status, String(res.data ?? ""));
  } catch (e) {
    const err = e as { code?: string; message: string };
    const ms = Math.round(performance.now() - started);
    const problem =
      classifyRequestError(err.code) === "timeout"
        ? `timed out after ${ms} ms without an answer (gate.requestTimeoutMs ${timeoutMs} ms)`
        : /maxContentLength/.test(err.message)
          ? `answered with more than the ${MAX_BODY_BYTES / 1_000_000} MB the gate reads`
          : `failed: ${err.message}${err.code ? ` (${err.code})` : ""}`;
    return { problem: `query to ${endpoint} ${problem}`, excerpt: "" };
  }
}

/** The color's request count and errors, asked at one instant; the verdict on them (prometheus.ts). */
async function checkUserTraffic(run: GateRun, deadline: AbortSignal): Promise<GateTrafficVerdict> {
  const prometheus = run.settings.prometheus as PrometheusSettings;
  const sent = gateQueries(prometheus, run.context);
  const time = Date.now() / 1000;
  const ask = (query: string) => queryPrometheus(prometheus.url, query, time, run.settings.requestTimeoutMs, deadline);
  const [requests, errors] = await Promise.all([ask(sent.requests), ask(sent.errors)]);
  return judgeGateTraffic({ requests, errors }, prometheus, sent, run.context);
}

/**
 * Probes in rounds that start every `intervalMs` (a round slower than the
 * interval is followed at once) until the tally passes or fails; the
 * deadline aborts whatever is in flight. Only the tally outlives a round.
 * Resolves on pass, throws the user-facing failure message otherwise.
 */
export async function runGate(run: GateRun): Promise<GatePassed> {
  const { settings } = run;
  const fail = (failure: GateFailure) => new Error(formatFailure(failure, run.context));
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.deadlineSeconds * 1000);
  const deadline = controller.signal;
  const late = (tally: GateTally | undefined, inFlight: readonly ProbeSample[]) =>
    fail(deadlineFailure(tally ?? { rounds: 0, healthyRounds: 0 }, inFlight, settings, performance.now() - started));
  const timers: typeof import("node:timers/promises") = require("node:timers/promises");
  let tally: GateTally | undefined;
  try {
    for (;;) {
      const roundStarted = performance.now();
      // No target makes an empty round, which recordRound fails: nothing probed never passes.
      const round = await probeRound(run.targets, settings, run.headers, deadline);
      if (deadline.aborted) throw late(tally, round);
      const recorded = recordRound(tally, round, settings);
      tally = recorded.tally;
      const { verdict } = recorded;
      if (verdict.outcome === "fail") throw fail(verdict.failure);
      if (verdict.outcome === "pass") {
        const passed = { samples: verdict.samples, p95LatencyMs: verdict.p95LatencyMs };
        if (settings.prometheus === undefined) return passed;
        if (run.maintenance) return { ...passed, prometheus: PROMETHEUS_SKIPPED_MAINTENANCE };
        // Each color's gate judges its own color: {color} in the queries becomes this gate's color.
        const judged = await checkUserTraffic(run, deadline);
        if (deadline.aborted) throw late(tally, []);
        if (!judged.ok) throw fail(judged.failure);
        return {
          ...passed,
          ...("noTraffic" in judged ? { prometheus: judged.noTraffic } : { errorRate: judged.errorRate }),
        };
      }
      // Until the next round is due, or the deadline (checked just below).
      const wait = roundStarted + settings.intervalMs - performance.now();
      if (wait > 0) await timers.setTimeout(wait, undefined, { signal: deadline }).catch(() => undefined);
      if (deadline.aborted) throw late(tally, []);
    }
  } finally {
    clearTimeout(timer);
  }
}
