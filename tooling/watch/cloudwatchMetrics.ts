/**
 * What a round reads of the load balancer's CloudWatch metrics and what it
 * makes of them, pure: no query to write. Per color's target group, in
 * `AWS/ApplicationELB`:
 *
 * | metric                        | statistic                  | becomes                                       |
 * | ----------------------------- | -------------------------- | --------------------------------------------- |
 * | `RequestCount`                | Sum over the window        | requests (missing: no data, never 0 requests) |
 * | `HTTPCode_Target_5XX_Count`   | Sum                        | errors5xx (missing with requests: 0)          |
 * | `TargetConnectionErrorCount`  | Sum                        | errors5xx too: requests never answered        |
 * | `HTTPCode_Target_4XX_Count`   | Sum                        | errors4xx (missing with requests: 0)          |
 * | `TargetResponseTime`          | p95 over the window        | p95Ms (seconds → ms)                          |
 * | `HealthyHostCount`            | Maximum of the last minute | healthy (missing with unhealthy hosts: 0)     |
 * | `UnHealthyHostCount`          | Maximum of the last minute | total − healthy                               |
 *
 * The ALB publishes a count only for a minute in which it is not zero, one
 * datapoint a minute (60 s periods), and CloudWatch has it some time after
 * the minute ends. So a round judges whole minutes only, the newest of which
 * ended SETTLE_SECONDS before the round: never a minute still being
 * published, whose low counts would read as a quiet, healthy candidate.
 * Each round judges the minutes since the previous round's (every minute of
 * a hold judged once when `intervalSeconds` is at least 60; the newest again
 * when no new minute has settled). `HTTPCode_ELB_5XX_Count` (the load
 * balancer's own 502/503/504) has no target-group dimension: it cannot be
 * told to a color and is not read.
 */
import type { MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { Color } from "../../components/contracts/colors";
import type { CloudWatchSource } from "./cloudwatchTarget";
import type { BackendHealth, NoData, UserTraffic } from "./samples";

export const NAMESPACE = "AWS/ApplicationELB";

/** The ALB publishes its metrics once a minute. */
export const PERIOD_SECONDS = 60;

/**
 * How long after a minute ends a round takes its metrics as complete: the
 * ALB sends each minute's figures once it is over and CloudWatch makes them
 * readable shortly after (typically within a minute or two; not measured
 * here, where there is no AWS). A minute is thus judged by the first round
 * at least this long after it ends: 2 minutes plus up to one interval
 * (detection times in docs/aws.md).
 */
export const SETTLE_SECONDS = 120;

/** Whole minutes, in epoch seconds: [start, end). */
export interface MetricWindow {
  readonly startSeconds: number;
  readonly endSeconds: number;
}

/**
 * The minutes a round at `nowMs` judges: up to the newest one that settled,
 * from `judgedUntil` (where the previous rounds' minutes end; none: as many
 * minutes as the interval has, at least one); the newest alone when no new
 * one settled.
 */
export function roundWindow(nowMs: number, intervalSeconds: number, judgedUntil?: number): MetricWindow {
  const endSeconds = Math.floor((Math.floor(nowMs / 1000) - SETTLE_SECONDS) / PERIOD_SECONDS) * PERIOD_SECONDS;
  const minutes = Math.max(1, Math.ceil(intervalSeconds / PERIOD_SECONDS));
  const startSeconds =
    judgedUntil === undefined
      ? endSeconds - minutes * PERIOD_SECONDS
      : judgedUntil < endSeconds
        ? judgedUntil
        : endSeconds - PERIOD_SECONDS;
  return { startSeconds, endSeconds };
}

/** "12:03–12:05 UTC". */
export function describeWindow(window: MetricWindow): string {
  const time = (seconds: number) => new Date(seconds * 1000).toISOString().slice(11, 16);
  return `${time(window.startSeconds)}–${time(window.endSeconds)} UTC`;
}

/** A CloudWatch duration in seconds as whole microseconds of ms: 1.1 s is 1100 ms, never 1100.0000000000002. */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1_000_000) / 1000;
}

type Over = "window" | "minute";

/** Each metric a round reads per color, with its statistic and the period it is taken over. */
const METRICS = {
  requests: { name: "RequestCount", stat: "Sum", over: "window" },
  target5xx: { name: "HTTPCode_Target_5XX_Count", stat: "Sum", over: "window" },
  connectionErrors: { name: "TargetConnectionErrorCount", stat: "Sum", over: "window" },
  target4xx: { name: "HTTPCode_Target_4XX_Count", stat: "Sum", over: "window" },
  p95: { name: "TargetResponseTime", stat: "p95", over: "window" },
  healthy: { name: "HealthyHostCount", stat: "Maximum", over: "minute" },
  unhealthy: { name: "UnHealthyHostCount", stat: "Maximum", over: "minute" },
} as const satisfies Record<string, { name: string; stat: string; over: Over }>;

type MetricKey = keyof typeof METRICS;

/** GetMetricData's query ids: a lowercase letter first, then letters, digits and `_`. */
const queryId = (color: Color, metric: MetricKey) => `${color}_${metric}`;

/** Every metric of both colors, for one GetMetricData call over `window`. */
export function metricQueries(
  source: CloudWatchSource,
  colors: readonly Color[],
  window: MetricWindow,
): MetricDataQuery[] {
  const windowSeconds = window.endSeconds - window.startSeconds;
  return colors.flatMap((color) =>
    (Object.keys(METRICS) as MetricKey[]).map((key) => ({
      Id: queryId(color, key),
      MetricStat: {
        Metric: {
          Namespace: NAMESPACE,
          MetricName: METRICS[key].name,
          Dimensions: [
            { Name: "TargetGroup", Value: source.targetGroups[color] },
            { Name: "LoadBalancer", Value: source.loadBalancer },
          ],
        },
        Period: METRICS[key].over === "window" ? windowSeconds : PERIOD_SECONDS,
        Stat: METRICS[key].stat,
      },
      ReturnData: true,
    })),
  );
}

/** One query's datapoints over every page GetMetricData answered, and the status of its last page. */
export interface MetricSeries {
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
  /** `Complete`, `PartialData` (more with NextToken), `InternalError`, `Forbidden`. */
  readonly status: string;
  readonly messages: readonly string[];
}

type Points = { readonly points: readonly { readonly at: number; readonly value: number }[] } | NoData;

/** A query's datapoints, or why they cannot be trusted: an error status, a value that is not a whole count... */
function pointsOf(series: MetricSeries | undefined, key: MetricKey, window: MetricWindow): Points {
  const { name, stat } = METRICS[key];
  const what = `${name} (${stat})`;
  if (series === undefined) return { noData: `GetMetricData answered nothing for ${what}` };
  if (series.status !== "Complete") {
    const messages = series.messages.length > 0 ? `: ${series.messages.join("; ")}` : "";
    return { noData: `GetMetricData gave ${what} with status ${series.status}${messages}` };
  }
  if (series.timestamps.length !== series.values.length) {
    return {
      noData: `GetMetricData gave ${what} ${series.values.length} values for ${series.timestamps.length} timestamps`,
    };
  }
  const points = series.timestamps.map((at, index) => ({ at, value: series.values[index] }));
  const wholeCount = stat !== "p95";
  const invalid = points.find(
    ({ at, value }) =>
      !Number.isFinite(value) ||
      value < 0 ||
      (wholeCount && !Number.isSafeInteger(value)) ||
      at < window.startSeconds ||
      at >= window.endSeconds,
  );
  if (invalid !== undefined) {
    return {
      noData: `GetMetricData gave ${what} ${invalid.value} at ${new Date(invalid.at * 1000).toISOString()}, not a ${wholeCount ? "whole count" : "duration"} within ${describeWindow(window)}`,
    };
  }
  return { points };
}

const sum = (points: readonly { value: number }[]) => points.reduce((total, point) => total + point.value, 0);

/** The figures of one color for the window: its users' requests and its target group's hosts. */
export interface ColorMetrics {
  readonly traffic: UserTraffic | (NoData & { readonly source: "cloudwatch" });
  readonly backends: BackendHealth | NoData;
}

/** `color`'s figures from GetMetricData's answers (by query id), each missing datapoint read as the ALB means it. */
export function colorMetrics(
  source: CloudWatchSource,
  color: Color,
  results: Readonly<Record<string, MetricSeries>>,
  window: MetricWindow,
): ColorMetrics {
  const read = (key: MetricKey) => pointsOf(results[queryId(color, key)], key, window);
  const targetGroup = source.targetGroups[color];
  const when = describeWindow(window);
  return { traffic: traffic(read, targetGroup, when), backends: backends(read, targetGroup, when) };
}

function traffic(read: (key: MetricKey) => Points, targetGroup: string, when: string): ColorMetrics["traffic"] {
  const noData = (why: string) => ({ source: "cloudwatch" as const, noData: why });
  const requests = read("requests");
  if ("noData" in requests) return noData(requests.noData);
  if (requests.points.length === 0) {
    return noData(
      `no RequestCount for ${targetGroup} in ${when}: the ALB publishes it only for minutes with requests (none reached the color, or CloudWatch does not have them yet)`,
    );
  }
  // With requests published, a count the ALB left out is 0: it publishes only counts that are not.
  const countOf = (key: MetricKey): number | NoData => {
    const points = read(key);
    return "noData" in points ? points : sum(points.points);
  };
  const target5xx = countOf("target5xx");
  const connectionErrors = countOf("connectionErrors");
  const target4xx = countOf("target4xx");
  if (typeof target5xx !== "number") return noData(target5xx.noData);
  if (typeof connectionErrors !== "number") return noData(connectionErrors.noData);
  if (typeof target4xx !== "number") return noData(target4xx.noData);
  const p95 = read("p95");
  const p95Ms: number | NoData =
    "noData" in p95
      ? p95
      : p95.points.length === 0
        ? { noData: `no TargetResponseTime for ${targetGroup} in ${when}: no request got an answer from a target` }
        : // One datapoint over the whole window; were there several, the highest bounds the p95 of their union.
          secondsToMs(Math.max(...p95.points.map((point) => point.value)));
  return {
    source: "cloudwatch",
    requests: sum(requests.points),
    errors5xx: target5xx + connectionErrors,
    errors4xx: target4xx,
    p95Ms,
    detail: `CloudWatch ${NAMESPACE} ${targetGroup}, ${when}: 5xx = HTTPCode_Target_5XX_Count ${target5xx} + TargetConnectionErrorCount ${connectionErrors}`,
  };
}

function backends(read: (key: MetricKey) => Points, targetGroup: string, when: string): BackendHealth | NoData {
  const healthy = read("healthy");
  const unhealthy = read("unhealthy");
  if ("noData" in healthy) return healthy;
  if ("noData" in unhealthy) return unhealthy;
  const newest = Math.max(...[...healthy.points, ...unhealthy.points].map((point) => point.at));
  if (!Number.isFinite(newest)) {
    return { noData: `no HealthyHostCount or UnHealthyHostCount for ${targetGroup} in ${when}` };
  }
  const at = (points: readonly { at: number; value: number }[]) => points.find((point) => point.at === newest)?.value;
  const [up, down] = [at(healthy.points), at(unhealthy.points)];
  const shown = (value: number | undefined) => (value === undefined ? "not published (0)" : String(value));
  return {
    healthy: up ?? 0,
    total: (up ?? 0) + (down ?? 0),
    detail: `${targetGroup} HealthyHostCount ${shown(up)}, UnHealthyHostCount ${shown(down)} (highest in the minute from ${new Date(newest * 1000).toISOString().slice(11, 16)} UTC)`,
  };
}
