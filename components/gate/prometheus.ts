/**
 * The gate's Prometheus check, pure: which queries a color's gate sends
 * (its request count, and its 5xx count or the ratio query) and the verdict
 * on their answers. probe.ts sends them once the probes pass.
 *
 * The request count tells an idle color from a healthy one. Before a
 * color's first share it has no users, so no error rate can judge it: the
 * gate passes on its probes and records PROMETHEUS_NO_TRAFFIC. Once it has
 * a share, no request counted is no evidence, and the gate fails closed, as
 * it does on any answer it cannot read (prometheusAnswer.ts). Rates are
 * compared exactly (contracts/ratio.ts).
 */
import { compareRatios, decimalRatio, ratio } from "../contracts/ratio";
import { countOf, InstantAnswer, Measured, ratioOf } from "./prometheusAnswer";
import { expandQuery, QueryScope } from "./prometheusQueries";
import type { GateSettings } from "./settings";
import type { GateContext, GateFailure } from "./verdict";

/**
 * What the gate and the release watch report for their Prometheus check while
 * `bluegreen:maintenance.enabled` is true: users get the maintenance page, so
 * there is no user traffic to measure, and the check neither fails nor goes
 * inconclusive. The probes of each color's own endpoint still judge it.
 */
export const PROMETHEUS_SKIPPED_MAINTENANCE = "skipped: maintenance";

/** What the gate records when a color before its first share had no request counted: its probes alone passed it. */
export const PROMETHEUS_NO_TRAFFIC = "no traffic: probes only";

export type PrometheusSettings = NonNullable<GateSettings["prometheus"]>;

/** The gate's queries for one color, as sent. */
export interface GateQueries {
  readonly requests: string;
  /** The ratio query (`gate.prometheus.query`) when set, else the 5xx count. */
  readonly errors: string;
  readonly errorsAre: "ratio" | "count";
}

/** Prometheus's answers to GateQueries. */
export interface GateAnswers {
  readonly requests: InstantAnswer;
  readonly errors: InstantAnswer;
}

export type GateTrafficVerdict =
  | { readonly ok: true; readonly errorRate: number }
  | { readonly ok: true; readonly noTraffic: typeof PROMETHEUS_NO_TRAFFIC }
  | { readonly ok: false; readonly failure: GateFailure };

/** The color's queries with {app}, {color} and the gate's {window} filled in. */
export function gateQueries(prometheus: PrometheusSettings, context: Pick<GateContext, "app" | "color">): GateQueries {
  const scope: QueryScope = { app: context.app, color: context.color, window: prometheus.window };
  return {
    requests: expandQuery(prometheus.queries.requests, scope),
    errors: expandQuery(prometheus.query ?? prometheus.queries.errors5xx, scope),
    errorsAre: prometheus.query === undefined ? "count" : "ratio",
  };
}

function percent(value: number): string {
  return `${Math.round(value * 10000) / 100} %`;
}

/** `gate.prometheus.queries.requests ("…", sent as "…")`: the key, the template and what was sent. */
function keyAndQuery(key: string, template: string, sent: string): string {
  return `gate.prometheus.${key} (${JSON.stringify(template)}${sent === template ? "" : `, sent as ${JSON.stringify(sent)}`})`;
}

function requestFailure(
  requests: Measured,
  prometheus: PrometheusSettings,
  sent: GateQueries,
  context: GateContext,
): GateFailure {
  const query = keyAndQuery("queries.requests", prometheus.queries.requests, sent.requests);
  const share = `${context.fromWeight} of ${context.totalWeight}`;
  if ("problem" in requests && !requests.empty) {
    return {
      check: "Prometheus request count",
      target: prometheus.url,
      observed: requests.problem,
      limit: "a request count (gate.prometheus.queries.requests)",
      because: `the request count could not be read, so the gate cannot tell an idle color from a healthy one and fails closed. Check gate.prometheus.url and ${query}.`,
      excerpt: requests.excerpt,
    };
  }
  return {
    check: "Prometheus request count",
    target: prometheus.url,
    observed:
      "problem" in requests
        ? `no request to ${context.color} ever counted (${requests.problem})`
        : `0 requests to ${context.color} in the last ${prometheus.window}`,
    limit: `at least 1 request while ${context.color} has users (weight ${share})`,
    because:
      `${context.color} already takes a share of users' traffic, so its error rate must be measured before it gets more, and no request is no evidence. ` +
      `Wait until users reach it, lengthen gate.prometheus.window (${prometheus.window}), or check ${query}.`,
    ...("problem" in requests ? { excerpt: requests.excerpt } : {}),
  };
}

/**
 * The verdict on a color's answers. Before its first share (`fromWeight`
 * absent or 0) no request counted, or no series yet, passes on the probes
 * alone; with a share it fails. With requests, the error rate (5xx of
 * requests, or the ratio query) must be at most `maxErrorRate`; any answer
 * that cannot be read fails closed.
 */
export function judgeGateTraffic(
  answers: GateAnswers,
  prometheus: PrometheusSettings,
  sent: GateQueries,
  context: GateContext,
): GateTrafficVerdict {
  const requests = countOf(answers.requests);
  const idle = "problem" in requests ? requests.empty === true : requests.value === 0;
  if (idle && !context.fromWeight) return { ok: true, noTraffic: PROMETHEUS_NO_TRAFFIC };
  if ("problem" in requests || idle) return { ok: false, failure: requestFailure(requests, prometheus, sent, context) };

  const errorsKey =
    sent.errorsAre === "ratio"
      ? keyAndQuery("query", prometheus.query as string, sent.errors)
      : keyAndQuery("queries.errors5xx", prometheus.queries.errors5xx, sent.errors);
  const limit = `error rate <= ${prometheus.maxErrorRate} (${percent(prometheus.maxErrorRate)}, gate.prometheus.maxErrorRate)`;
  const unreadable = (observed: string, excerpt?: string): GateTrafficVerdict => ({
    ok: false,
    failure: {
      check: "Prometheus error rate",
      target: prometheus.url,
      observed,
      limit,
      because: `the error rate could not be read, so the gate fails closed. Check gate.prometheus.url and ${errorsKey}.`,
      ...(excerpt === undefined ? {} : { excerpt }),
    },
  });
  const errors = sent.errorsAre === "ratio" ? ratioOf(answers.errors) : countOf(answers.errors);
  if ("problem" in errors) return unreadable(errors.problem, errors.excerpt);
  if (sent.errorsAre === "count" && errors.value > requests.value) {
    return unreadable(
      `${errors.value} 5xx answers of ${requests.value} requests: the two queries do not count the same requests`,
    );
  }
  const rate = sent.errorsAre === "ratio" ? decimalRatio(errors.value) : ratio(errors.value, requests.value);
  const errorRate = sent.errorsAre === "ratio" ? errors.value : errors.value / requests.value;
  if (compareRatios(rate, decimalRatio(prometheus.maxErrorRate)) <= 0) return { ok: true, errorRate };
  return {
    ok: false,
    failure: {
      check: "Prometheus error rate",
      target: prometheus.url,
      observed:
        sent.errorsAre === "ratio"
          ? `error rate ${errorRate} (${percent(errorRate)}) over ${requests.value} requests`
          : `error rate ${errorRate} (${percent(errorRate)}): ${errors.value} of ${requests.value} requests answered 5xx`,
      limit,
      because: "the probes passed, but the app's error rate is above the limit.",
    },
  };
}
