/**
 * What one analysis round measured of each color, as plain data: the
 * samplers (I/O) produce it, judge.ts decides on it. A source that had
 * nothing to give says why instead of giving a number, so that missing data
 * can never be read as a pass.
 */
import type { Color } from "../../components/contracts/colors";

/** A source that had no data this round, and why (e.g. "the query returned no series (empty result)"). */
export interface NoData {
  readonly noData: string;
}

/** Where a color's user traffic is read: the local router, CloudWatch (AWS), Prometheus; else the watch's own probes. */
export type TrafficSourceName = "router" | "cloudwatch" | "prometheus";

/**
 * What users' requests to a color did during the round, as the platform
 * recorded them (the router's per-request log, the load balancer's
 * CloudWatch metrics, Prometheus): whole counts, so that every comparison
 * can be exact.
 */
export interface UserTraffic {
  readonly source: TrafficSourceName;
  /** Users' requests to the color that ended during the round: answered, or failed without an answer. */
  readonly requests: number;
  /** Of those: answered 5xx, or never answered (connection refused or reset, timeout). */
  readonly errors5xx: number;
  /** Of those: answered 4xx. */
  readonly errors4xx: number;
  /** The p95 of their durations in ms, or why the source has none this round. */
  readonly p95Ms: number | NoData;
  /** Where the figures come from, for the log (a query, a metric, "router log"). */
  readonly detail?: string;
}

/**
 * Whether a color has a backend able to serve users, as the platform sees
 * it (HAProxy's server state, the target group's healthy hosts, the
 * Service's ready endpoints): a color with none is judged dead in the round
 * it is seen, whatever its counters say.
 */
export interface BackendHealth {
  readonly healthy: number;
  readonly total: number;
  /** "green DOWN (L4CON: Connection refused)", "UnHealthyHostCount 3, HealthyHostCount 0". */
  readonly detail: string;
}

/** The error rate (0..1) a Prometheus ratio query computed, with the requests it is over. */
export interface RatedTraffic {
  readonly source: "prometheus";
  readonly errorRate: number;
  /**
   * The requests behind the ratio (a whole count), or why there is none: a
   * ratio without its count could be 0 errors of no request, so the round is
   * then inconclusive, and fewer than `minSamples` too.
   */
  readonly requests: number | NoData;
  /** The query as sent ({color} filled in). */
  readonly query: string;
}

export type TrafficReading = UserTraffic | RatedTraffic | (NoData & { readonly source: TrafficSourceName });

/** The watch's own requests to a color's probe URLs during the round (the gate's request and body checks). */
export interface ProbeReading {
  readonly sent: number;
  /** Requests the gate's checks failed: status, body, timeout, connection. */
  readonly failed: number;
  /**
   * Latencies of the requests that passed, and of those that timed out, at
   * least `timeoutMs` each: a slow answer cut short is slow, not missing.
   */
  readonly latenciesMs: readonly number[];
  /** Where each request was cut (`gate.requestTimeoutMs`): no latency above it can be seen. */
  readonly timeoutMs: number;
  /** The first failure of the first few failing targets, as "<url>: <observed>". */
  readonly failures: readonly string[];
}

export type ProbeResult = ProbeReading | NoData;

export interface ColorSamples {
  readonly color: Color;
  /** Absent when the stack has no traffic source (then the probes give the error rate). */
  readonly traffic?: TrafficReading;
  /** Absent when the color has no probe URL. */
  readonly probes?: ProbeResult;
  /** Absent when the stack has no source of backend health. */
  readonly backends?: BackendHealth | NoData;
}

/** One round: the candidate (judged) and the stable color (the reference for the `…AboveStable` limits). */
export interface RoundSamples {
  readonly candidate: ColorSamples;
  readonly stable: ColorSamples;
  /** The CloudWatch alarms of `bluegreen:watch.alarms` (AWS), or why none could be read; absent when none is named. */
  readonly alarms?: readonly AlarmReading[] | NoData;
}

/** A CloudWatch alarm of `bluegreen:watch.alarms` as the round read it: in ALARM it is a breach. */
export interface AlarmReading {
  readonly name: string;
  /** CloudWatch's `StateValue` (OK, ALARM, INSUFFICIENT_DATA), or MISSING when it has no alarm of that name. */
  readonly state: string;
  /** CloudWatch's `StateReason`, or why the state is unknown. */
  readonly reason: string;
}

export function hasNoData<T extends object>(reading: T | NoData): reading is NoData {
  return "noData" in reading;
}
