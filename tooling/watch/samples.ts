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

/** Where a color's error rate comes from: the router's per-server counters, Prometheus, or the watch's own probes. */
export type TrafficSourceName = "router" | "prometheus";

/** Requests a color answered during the round and how many failed: deltas of HAProxy's counters. */
export interface CountedTraffic {
  readonly source: "router";
  readonly requests: number;
  readonly errors: number;
}

/** The error rate (0..1) Prometheus computed; it gives no request count. */
export interface RatedTraffic {
  readonly source: "prometheus";
  readonly errorRate: number;
  /** The query as sent ({color} filled in). */
  readonly query: string;
}

export type TrafficReading = CountedTraffic | RatedTraffic | (NoData & { readonly source: TrafficSourceName });

/** The watch's own requests to a color's probe URLs during the round (the gate's request and body checks). */
export interface ProbeReading {
  readonly sent: number;
  /** Requests the gate's checks failed: status, body, timeout, connection. */
  readonly failed: number;
  /** Latencies of the requests that passed. */
  readonly latenciesMs: readonly number[];
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
}

/** One round: the candidate (judged) and the stable color (the reference for maxErrorRateAboveStable). */
export interface RoundSamples {
  readonly candidate: ColorSamples;
  readonly stable: ColorSamples;
}

export function hasNoData<T extends object>(reading: T | NoData): reading is NoData {
  return "noData" in reading;
}
