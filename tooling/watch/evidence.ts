/**
 * What one color's samples show this round, pure: each share as an exact
 * ratio of whole counts with how it was measured, the p95 of its users'
 * requests, and its figures for the log; or, for each, why the samples show
 * nothing (no data, fewer than `minSamples` requests, counts that cannot be
 * true). judge.ts holds them against the limits.
 */
import type { Color } from "../../components/contracts/colors";
import { fullKey } from "../../components/config/issues";
import { decimalRatio, Ratio, ratio, ratioValue } from "../../components/contracts/ratio";
import { p95 } from "../../components/gate/tally";
import { ColorSamples, hasNoData, RatedTraffic, TrafficReading, TrafficSourceName, UserTraffic } from "./samples";

/** Full keys of the `bluegreen:watch` settings, as reasons name them. */
export const WATCH_KEYS = {
  intervalSeconds: fullKey(["watch", "intervalSeconds"]),
  maxErrorRate: fullKey(["watch", "maxErrorRate"]),
  maxP95LatencyMs: fullKey(["watch", "maxP95LatencyMs"]),
  failedProbeRounds: fullKey(["watch", "failedProbeRounds"]),
  minSamples: fullKey(["watch", "minSamples"]),
  maxErrorRateAboveStable: fullKey(["watch", "maxErrorRateAboveStable"]),
  max4xxPointsAboveStable: fullKey(["watch", "max4xxPointsAboveStable"]),
  maxInconclusive: fullKey(["watch", "maxInconclusive"]),
  alarms: fullKey(["watch", "alarms"]),
} as const;

/** What every platform's health check of a color's backends requests (HAProxy's check, the target group's, readiness). */
export const HEALTH_CHECK_KEY = fullKey(["app", "healthPath"]);

/** Where the watch's probes are cut, so the highest latency they can show. */
export const PROBE_TIMEOUT_KEY = fullKey(["gate", "requestTimeoutMs"]);

/** How the log names each source. */
const SOURCE_NAMES: Record<TrafficSourceName, string> = {
  router: "router",
  cloudwatch: "CloudWatch",
  prometheus: "Prometheus",
};

/** What a source's requests are, in a reason: "12 of 169 requests through the router". */
const REQUESTS_VIA: Record<TrafficSourceName, string> = {
  router: "requests through the router",
  cloudwatch: "requests at the load balancer (CloudWatch)",
  prometheus: "requests counted by Prometheus",
};

/** 0.071006 → "7.1 %", 0.0004 → "0.04 %". */
export function percent(ratio: number): string {
  return `${Math.round(ratio * 10_000) / 100} %`;
}

/** Percentage points for messages, to two decimals. */
export function points(value: Ratio): string {
  return String(Math.round(ratioValue(value) * 100) / 100);
}

/** A share of a color's requests this round, exact, with how it was measured; or why there is none. */
export type Share = { readonly rate: Ratio; readonly text: string } | { readonly none: string };

const isUserTraffic = (t: TrafficReading): t is UserTraffic => "errors5xx" in t;
const isRated = (t: TrafficReading): t is RatedTraffic => "errorRate" in t;
const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;

/** Why a source's counts cannot be true (a bug upstream, never evidence), or undefined. */
function countsProblem(requests: number, ...parts: number[]): string | undefined {
  return [requests, ...parts].every(isCount) && parts.reduce((a, b) => a + b, 0) <= requests
    ? undefined
    : `inconsistent counts (${parts.join(" + ")} of ${requests} requests)`;
}

/** Why a round with `requests` requests is no evidence, or undefined once there are at least minSamples. */
function tooFew(color: Color, requests: number, via: string, minSamples: number): { none: string } | undefined {
  return requests < minSamples
    ? { none: `${color}: ${requests} ${via} this round, fewer than ${WATCH_KEYS.minSamples} (${minSamples})` }
    : undefined;
}

/** `count` of `requests` as a share, once there are at least minSamples requests. */
function countedShare(color: Color, count: number, requests: number, via: string, minSamples: number): Share {
  return (
    tooFew(color, requests, via, minSamples) ?? {
      rate: ratio(count, requests),
      text: `${percent(count / requests)} (${count} of ${requests} ${via})`,
    }
  );
}

function ratedShare(color: Color, traffic: RatedTraffic, minSamples: number): Share {
  const { errorRate, requests, query } = traffic;
  if (!Number.isFinite(errorRate) || errorRate < 0 || errorRate > 1) {
    return { none: `${color} Prometheus: ${errorRate} is not an error rate from 0 to 1 (query ${query})` };
  }
  if (typeof requests !== "number") {
    return { none: `${color} Prometheus: ${requests.noData}, so the ratio may be over no request (query ${query})` };
  }
  if (!isCount(requests)) return { none: `${color} Prometheus: ${requests} is not a request count (query ${query})` };
  return (
    tooFew(color, requests, REQUESTS_VIA.prometheus, minSamples) ?? {
      rate: decimalRatio(errorRate),
      text: `${percent(errorRate)} of ${requests} ${REQUESTS_VIA.prometheus}`,
    }
  );
}

/** A color's error rate this round (5xx and unanswered of its requests) with how it was measured, or why there is none. */
export function errorRateOf(samples: ColorSamples, minSamples: number): Share {
  const { color, traffic, probes } = samples;
  if (traffic !== undefined) {
    if (hasNoData(traffic)) return { none: `${color} ${SOURCE_NAMES[traffic.source]}: ${traffic.noData}` };
    if (isRated(traffic)) return ratedShare(color, traffic, minSamples);
    const via = REQUESTS_VIA[traffic.source];
    const problem = countsProblem(traffic.requests, traffic.errors5xx, traffic.errors4xx);
    if (problem !== undefined) return { none: `${color} ${SOURCE_NAMES[traffic.source]}: ${problem}` };
    return countedShare(color, traffic.errors5xx, traffic.requests, via, minSamples);
  }
  if (probes === undefined) return { none: `${color} has neither a traffic source nor a probe URL` };
  if (hasNoData(probes)) return { none: `${color} probes: ${probes.noData}` };
  const problem = countsProblem(probes.sent, probes.failed);
  if (problem !== undefined) return { none: `${color} probes: ${problem}` };
  return countedShare(color, probes.failed, probes.sent, "probe requests", minSamples);
}

/** A color's share of 4xx answers this round; undefined when its source does not count them. */
export function fourXxShareOf(samples: ColorSamples, minSamples: number): Share | undefined {
  const { color, traffic } = samples;
  if (traffic === undefined || hasNoData(traffic) || !isUserTraffic(traffic)) return undefined;
  const problem = countsProblem(traffic.requests, traffic.errors5xx, traffic.errors4xx);
  if (problem !== undefined) return { none: `${color} ${SOURCE_NAMES[traffic.source]}: ${problem}` };
  return countedShare(color, traffic.errors4xx, traffic.requests, REQUESTS_VIA[traffic.source], minSamples);
}

/** The p95 of the candidate's user requests; undefined when its source gives none at all (counters, a ratio, probes). */
export function userLatencyOf(samples: ColorSamples, minSamples: number) {
  const { color, traffic } = samples;
  if (traffic === undefined || hasNoData(traffic) || !isUserTraffic(traffic)) return undefined;
  const source = SOURCE_NAMES[traffic.source];
  const { requests, p95Ms } = traffic;
  const problem = countsProblem(requests, traffic.errors5xx, traffic.errors4xx);
  if (problem !== undefined) return { none: `${color} ${source}: ${problem}` };
  const few = tooFew(color, requests, REQUESTS_VIA[traffic.source], minSamples);
  if (few !== undefined) return few;
  if (typeof p95Ms !== "number")
    return { none: `${color} p95 latency: ${source} has none this round (${p95Ms.noData})` };
  if (!Number.isFinite(p95Ms) || p95Ms < 0)
    return { none: `${color} p95 latency: ${source} gave ${p95Ms}, not a latency` };
  return { p95Ms, over: `${requests} ${REQUESTS_VIA[traffic.source]}` };
}

/** One line of a color's figures: "blue: 800 requests, 1 5xx, 20 4xx, p95 95 ms (router log); probes …; backends …". */
export function figures(samples: ColorSamples): string {
  const { color, traffic, probes, backends } = samples;
  const parts: string[] = [];
  if (traffic !== undefined) {
    const source = SOURCE_NAMES[traffic.source];
    if (hasNoData(traffic)) parts.push(`${source}: no data (${traffic.noData})`);
    else if (isUserTraffic(traffic)) {
      const p95Text = typeof traffic.p95Ms === "number" ? `${Math.round(traffic.p95Ms)} ms` : "none";
      parts.push(
        `${traffic.requests} requests, ${traffic.errors5xx} 5xx, ${traffic.errors4xx} 4xx, p95 ${p95Text} (${traffic.detail ?? source})`,
      );
    } else {
      const over = typeof traffic.requests === "number" ? `${traffic.requests} requests` : "no request count";
      parts.push(`error rate ${percent(traffic.errorRate)}, ${over} (${source}: ${traffic.query})`);
    }
  }
  if (probes !== undefined) {
    if (hasNoData(probes)) parts.push(`probes: no data (${probes.noData})`);
    else {
      const timed = probes.latenciesMs.length;
      parts.push(
        `probes ${probes.sent} sent, ${probes.failed} failed${timed === 0 ? "" : `, p95 ${Math.round(p95(probes.latenciesMs))} ms`}`,
      );
    }
  }
  if (backends !== undefined) {
    parts.push(
      hasNoData(backends)
        ? `backends: no data (${backends.noData})`
        : `backends ${backends.healthy} of ${backends.total} healthy`,
    );
  }
  return `${color}: ${parts.length === 0 ? "nothing measured" : parts.join("; ")}`;
}
