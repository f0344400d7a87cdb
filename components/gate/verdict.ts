/**
 * The gate's evidence: the shapes of samples, verdicts and failures, shared
 * by the probe loop (probe.ts), the tally that decides and words failures
 * (tally.ts) and the Prometheus check (prometheus.ts). Types only, so it
 * adds nothing to the serialized provider.
 */
import type { Color } from "../contracts/colors";

export type ProbeErrorKind =
  | "timeout"
  | "refused"
  | "reset"
  | "redirect"
  | "invalid-json"
  | "body-mismatch"
  | "status"
  /** The body is larger than the gate reads (MAX_BODY_BYTES). */
  | "too-large"
  | "network"
  /** The request was still in flight when the gate's deadline aborted it. */
  | "deadline";

/** One request to one target. */
export interface ProbeSample {
  readonly target: string;
  /** The URL the request ended at after redirects, when it is not `target`. */
  readonly reached?: string;
  /** HTTP status; absent when no response arrived. */
  readonly status?: number;
  readonly latencyMs: number;
  /** The body check passed (true when no body check is configured and a response arrived; false after a failed status, whose body is not judged). */
  readonly bodyOk: boolean;
  /** Why the sample failed; absent when it passed. */
  readonly error?: ProbeErrorKind;
  /** What was observed, in words, e.g. "HTTP 503" or "connect ECONNREFUSED 127.0.0.1:9"; header values redacted. */
  readonly observed: string;
  /** Start of the response body: a copy, header values redacted (body.ts). */
  readonly excerpt: string;
}

/** All targets, probed concurrently in one round. */
export type ProbeRound = readonly ProbeSample[];

export interface GateFailure {
  /** Name of the check that failed, e.g. "HTTP status" or "p95 latency". */
  readonly check: string;
  readonly target?: string;
  /** Where the failing request ended after redirects, when not at `target`. */
  readonly reached?: string;
  readonly observed: string;
  readonly limit: string;
  /** Why the gate stopped here, e.g. the failure threshold that was reached. */
  readonly because: string;
  readonly excerpt?: string;
}

export type RoundVerdict =
  | { readonly outcome: "continue" }
  | { readonly outcome: "pass"; readonly samples: number; readonly p95LatencyMs: number }
  | { readonly outcome: "fail"; readonly failure: GateFailure };

/** How far the gate got: what the deadline's message needs (tally.ts keeps it). */
export interface GateProgress {
  readonly rounds: number;
  readonly healthyRounds: number;
  /** The newest thing that went wrong: a failing sample or a too-slow window. */
  readonly lastProblem?: Pick<GateFailure, "check" | "observed" | "target" | "reached" | "excerpt">;
}

/** The traffic change the gate guards, for the failure message. */
export interface GateContext {
  readonly app: string;
  readonly color: Color;
  readonly version: string;
  /** Weight before this update; absent on create. */
  readonly fromWeight?: number;
  readonly toWeight: number;
  readonly totalWeight: number;
}
