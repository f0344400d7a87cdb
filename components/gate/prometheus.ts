/**
 * The gate's Prometheus check, pure: reading an instant-query answer and
 * judging the error rate against the limit. Any problem reading it fails
 * closed. The probe loop (probe.ts) sends the query.
 */
import { EXCERPT_CHARS } from "./body";
import type { GateSettings } from "./settings";
import type { GateFailure } from "./verdict";

/** The start of an answer for the failure message (it lives only as long as the failure). */
function truncate(text: string): string {
  return text.length <= EXCERPT_CHARS
    ? text
    : `${text.slice(0, EXCERPT_CHARS)}… (${text.length - EXCERPT_CHARS} more chars)`;
}

/**
 * What the gate and the release watch report for their Prometheus check while
 * `bluegreen:maintenance.enabled` is true: users get the maintenance page, so
 * there is no user traffic to measure, and the check neither fails nor goes
 * inconclusive. The probes of each color's own endpoint still judge it.
 */
export const PROMETHEUS_SKIPPED_MAINTENANCE = "skipped: maintenance";

export type ErrorRateResult = { readonly errorRate: number } | { readonly problem: string; readonly excerpt: string };

/**
 * Reads the error rate from a Prometheus instant-query answer
 * (`data.result[0].value[1]`). Anything else is a problem: the gate fails
 * closed rather than promote on a missing signal.
 */
export function parsePrometheusAnswer(status: number, body: string): ErrorRateResult {
  const excerpt = truncate(body);
  let answer: { status?: unknown; error?: unknown; data?: { result?: { value?: unknown[] }[] } };
  try {
    answer = JSON.parse(body);
  } catch {
    return { problem: `HTTP ${status} with a body that is not JSON`, excerpt };
  }
  if (status !== 200 || answer.status !== "success") {
    return {
      problem: `HTTP ${status}, status ${JSON.stringify(answer.status)}${answer.error ? `: ${String(answer.error)}` : ""}`,
      excerpt,
    };
  }
  const series = answer.data?.result;
  if (!Array.isArray(series) || series.length === 0)
    return { problem: "the query returned no series (empty result)", excerpt };
  const raw = series[0].value?.[1];
  const errorRate = Number(raw);
  // NaN is what a ratio with no requests yields (0/0): no evidence, so no pass.
  if (typeof raw !== "string" || !Number.isFinite(errorRate)) {
    return { problem: `the first series has no finite sample value (got ${JSON.stringify(raw)})`, excerpt };
  }
  // A rate outside 0..1 is not errors / requests: a wrong query, never evidence of health.
  if (errorRate < 0 || errorRate > 1) {
    return {
      problem: `the first series has the value ${raw}, which is not a ratio (an error rate is errors / requests, from 0 to 1)`,
      excerpt,
    };
  }
  return { errorRate };
}

/** Judges the error rate against the limit; any problem reading it fails closed. `sent` is the query after {color} was filled in. */
export function judgeErrorRate(
  result: ErrorRateResult,
  prometheus: NonNullable<GateSettings["prometheus"]>,
  sent: string = prometheus.query,
): { readonly ok: true; readonly errorRate: number } | { readonly ok: false; readonly failure: GateFailure } {
  const limit = `error rate <= ${prometheus.maxErrorRate} (${percent(prometheus.maxErrorRate)}, gate.prometheus.maxErrorRate)`;
  if ("problem" in result) {
    return {
      ok: false,
      failure: {
        check: "Prometheus error rate",
        target: prometheus.url,
        observed: result.problem,
        limit,
        because: `the error rate could not be read, so the gate fails closed. Check gate.prometheus.url and gate.prometheus.query (${JSON.stringify(prometheus.query)}${sent === prometheus.query ? "" : `, sent as ${JSON.stringify(sent)}`}).`,
        excerpt: result.excerpt,
      },
    };
  }
  if (result.errorRate <= prometheus.maxErrorRate) return { ok: true, errorRate: result.errorRate };
  return {
    ok: false,
    failure: {
      check: "Prometheus error rate",
      target: prometheus.url,
      observed: `error rate ${result.errorRate} (${percent(result.errorRate)})`,
      limit,
      because: "the probes passed, but the app's error rate is above the limit.",
    },
  };
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 10000) / 100} %`;
}
