/**
 * The cloud stacks' user-traffic source: Prometheus, asked with the named
 * queries of `bluegreen:gate.prometheus.queries` ({app}, {color} and
 * {window} filled in; the window is the watch's interval, so that a round
 * counts the requests since the previous one, like the router's deltas),
 * sent and read by the gate's own code. A color's reading is UserTraffic
 * (requests, 5xx, 4xx, p95), or, with the older ratio query
 * (`gate.prometheus.query`), RatedTraffic with the request count beside it:
 * a ratio alone cannot tell 0 errors of no request from a healthy color.
 * Every problem the gate fails closed on (unreachable, timeout, HTTP error,
 * empty result, several series, NaN, a value out of range) is no data here.
 */
import { fullKey } from "../../components/config/issues";
import { Color, COLOR_PLACEHOLDER } from "../../components/contracts/colors";
import { queryPrometheus } from "../../components/gate/probe";
import type { PrometheusSettings } from "../../components/gate/prometheus";
import { countOf, InstantAnswer, Measured, millisecondsOf, ratioOf } from "../../components/gate/prometheusAnswer";
import { expandQuery, PrometheusQueryName } from "../../components/gate/prometheusQueries";
import type { TrafficReading } from "./samples";

export interface PrometheusSource {
  readonly url: string;
  readonly app: string;
  /** What {window} stands for: the watch's interval. */
  readonly window: string;
  readonly queries: Readonly<Record<PrometheusQueryName, string>>;
  /** The ratio query, when the stack sets one: then the error rate is its answer, over `queries.requests`. */
  readonly ratio?: string;
}

/** The source for a stack's `gate.prometheus` settings, counting per round of `intervalSeconds`. */
export function prometheusSource(settings: PrometheusSettings, app: string, intervalSeconds: number): PrometheusSource {
  return {
    url: settings.url,
    app,
    window: `${intervalSeconds}s`,
    queries: settings.queries,
    ...(settings.query === undefined ? {} : { ratio: settings.query }),
  };
}

const queryKey = (name: PrometheusQueryName) => fullKey(["gate", "prometheus", "queries", name]);

/** A measure, or its no-data reason naming the key and the query as sent. */
function named(key: string, query: string, measured: Measured): Measured {
  return "problem" in measured ? { ...measured, problem: `${key}: ${measured.problem} (query ${query})` } : measured;
}

/** `color`'s user traffic in the window ending now, or why there is none; bounded by `timeoutMs`, never throws. */
export async function prometheusTraffic(
  source: PrometheusSource,
  color: Color,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<TrafficReading> {
  const time = Date.now() / 1000;
  const scope = { app: source.app, color, window: source.window };
  const ask = async (key: string, template: string, read: (answer: InstantAnswer) => Measured) => {
    const query = expandQuery(template, scope);
    return {
      query,
      measured: named(key, query, read(await queryPrometheus(source.url, query, time, timeoutMs, signal))),
    };
  };
  const requests = ask(queryKey("requests"), source.queries.requests, countOf);
  if (source.ratio !== undefined) {
    const [rate, count] = await Promise.all([
      ask(fullKey(["gate", "prometheus", "query"]), source.ratio, ratioOf),
      requests,
    ]);
    if ("problem" in rate.measured) return { source: "prometheus", noData: rate.measured.problem };
    const counted = count.measured;
    return {
      source: "prometheus",
      errorRate: rate.measured.value,
      requests: "problem" in counted ? { noData: counted.problem } : counted.value,
      query: rate.query,
    };
  }
  const [total, errors5xx, errors4xx, p95] = await Promise.all([
    requests,
    ask(queryKey("errors5xx"), source.queries.errors5xx, countOf),
    ask(queryKey("errors4xx"), source.queries.errors4xx, countOf),
    ask(queryKey("p95Seconds"), source.queries.p95Seconds, millisecondsOf),
  ]);
  const counts = [total.measured, errors5xx.measured, errors4xx.measured];
  const unread = counts.find((count) => "problem" in count);
  if (unread !== undefined && "problem" in unread) return { source: "prometheus", noData: unread.problem };
  const [requestCount, count5xx, count4xx] = counts.map((count) => (count as { value: number }).value);
  return {
    source: "prometheus",
    requests: requestCount,
    errors5xx: count5xx,
    errors4xx: count4xx,
    p95Ms: "problem" in p95.measured ? { noData: p95.measured.problem } : p95.measured.value,
    detail: `Prometheus, last ${source.window}`,
  };
}

/** A ratio query without {color} measures whichever color runs: the candidate's rate, nothing of the stable color. */
export function perColorQuery(source: PrometheusSource): boolean {
  return source.ratio === undefined || source.ratio.includes(COLOR_PLACEHOLDER);
}
