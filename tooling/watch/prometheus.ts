/**
 * The cloud stacks' traffic source: the gate's Prometheus query
 * (`bluegreen:gate.prometheus.query`, `{color}` filled in per color), sent
 * and read by the gate's own code. Every problem the gate fails closed on
 * (unreachable, timeout, HTTP error, empty result, NaN, a value outside
 * 0..1) is no data here: the round is inconclusive, never healthy.
 */
import { Color, COLOR_PLACEHOLDER, expandColor } from "../../components/contracts/colors";
import { queryErrorRate } from "../../components/gate/probe";
import type { TrafficReading } from "./samples";

export interface PrometheusSource {
  readonly url: string;
  /** With {color}; see prometheusRate for a query without it. */
  readonly query: string;
}

/** `color`'s error rate, or why there is none; bounded by `timeoutMs`, never throws. */
export async function prometheusRate(
  source: PrometheusSource,
  color: Color,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<TrafficReading> {
  const query = expandColor(source.query, color);
  const result = await queryErrorRate(source.url, query, timeoutMs, signal);
  if ("problem" in result) return { source: "prometheus", noData: `${result.problem} (query ${query})` };
  return { source: "prometheus", errorRate: result.errorRate, query };
}

/** A query without {color} measures whichever color runs: it is the candidate's rate, and tells nothing of the stable color. */
export function perColorQuery(source: PrometheusSource): boolean {
  return source.query.includes(COLOR_PLACEHOLDER);
}
