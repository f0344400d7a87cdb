/**
 * The release events `shift` and `watch` send to the webhooks in
 * `bluegreen:notify`: one discriminated union, the JSON payload as is. A
 * receiver switches on `type` and checks `schemaVersion`, which changes only
 * when a field is removed or changes meaning. Every event carries where
 * traffic is (`weights`) and a one-line `summary` built here, so that the
 * Slack text and the JSON say the same thing. Pure.
 */
import { fullKey } from "../../components/config/issues";
import type { WatchSettings } from "../../components/config/watch";
import type { Color } from "../../components/contracts/colors";
import { formatSplit, TrafficWeights } from "../../components/traffic";

export const NOTIFY_SCHEMA_VERSION = 1;

/** The watch thresholds a breach can cross, named by their key in `bluegreen:watch`; and a dead color, which no threshold governs. */
export const BREACH_CHECKS = [
  "maxErrorRate",
  "maxP95LatencyMs",
  "failedProbeRounds",
  "maxErrorRateAboveStable",
  "max4xxPointsAboveStable",
  "noHealthyBackend",
  "alarms",
] as const satisfies readonly (keyof WatchSettings | "noHealthyBackend")[];
export type BreachCheck = (typeof BREACH_CHECKS)[number];

/** A threshold crossed, in the unit of its config key (a ratio, ms, rounds, percentage points). */
export interface Breach {
  readonly check: BreachCheck;
  readonly observed: number;
  readonly limit: number;
}

export interface StepRef {
  /** 1-based. */
  readonly number: number;
  readonly of: number;
  /** The weights this step sets. */
  readonly weights: TrafficWeights;
}

/** What every event carries. */
interface EventBase {
  readonly schemaVersion: typeof NOTIFY_SCHEMA_VERSION;
  readonly stack: string;
  /** ISO 8601, UTC. */
  readonly time: string;
  readonly command: "shift" | "watch";
  /** The color the release moves traffic to (shift's `--to`, the color watch judges). */
  readonly candidate: Color;
  readonly versions: Readonly<Record<Color, string>>;
  /** Where traffic is when the event is sent. */
  readonly weights: TrafficWeights;
  /** One line for humans. */
  readonly summary: string;
}

type Event<Type extends string, Fields = object> = EventBase & { readonly type: Type } & Readonly<Fields>;

export type NotifyEvent =
  | Event<"step-started", { step: StepRef }>
  | Event<"step-done", { step: StepRef; durationMs: number }>
  | Event<"breach", { breaches: readonly Breach[] }>
  | Event<"inconclusive-stop", { rounds: number; reason: string }>
  | Event<"rollback-started", { to: TrafficWeights; reason: string }>
  | Event<"rolled-back", { reason: string }>
  | Event<"rollback-failed", { to: TrafficWeights; error: string }>
  | Event<"approval-waiting", { next: TrafficWeights }>
  | Event<"approved", { next: TrafficWeights }>
  | Event<"aborted", { reason: string }>
  | Event<"interrupted", { signal: string }>
  | Event<"completed", { durationMs: number }>;

export type NotifyEventType = NotifyEvent["type"];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event as the caller describes it: the notifier's module adds the version, the time and the summary. */
export type EventInput = DistributiveOmit<NotifyEvent, "schemaVersion" | "time" | "summary">;

export function releaseEvent(input: EventInput, now: Date): NotifyEvent {
  const { type, stack, ...fields } = input;
  // Key order is the payload's reading order: what, where, when, then the details.
  return {
    schemaVersion: NOTIFY_SCHEMA_VERSION,
    type,
    stack,
    time: now.toISOString(),
    ...fields,
    summary: oneLine(summarize(input)),
  } as NotifyEvent;
}

/** Free text (a gate's message, an engine error) kept to one readable line. */
const MAX_DETAIL = 300;
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= MAX_DETAIL ? flat : `${flat.slice(0, MAX_DETAIL - 1)}…`;
}

function summarize(event: EventInput): string {
  const at = formatSplit(event.weights);
  const release = `${event.candidate} ${event.versions[event.candidate]}`;
  switch (event.type) {
    case "step-started":
      return `step ${event.step.number}/${event.step.of}: ${formatSplit(event.step.weights)} (${release} gains traffic)`;
    case "step-done":
      return `step ${event.step.number}/${event.step.of} done: ${at}`;
    case "breach":
      return `${release} breached at ${at}: ${event.breaches.map(formatBreach).join("; ")}`;
    case "inconclusive-stop":
      return `stopped after ${event.rounds} inconclusive rounds, traffic left at ${at}: ${oneLine(event.reason)}`;
    case "rollback-started":
      return `rolling back from ${at} to ${formatSplit(event.to)}: ${oneLine(event.reason)}`;
    case "rolled-back":
      return `rolled back to ${at}: ${oneLine(event.reason)}`;
    case "rollback-failed":
      return `ROLLBACK FAILED (wanted ${formatSplit(event.to)}, last known ${at}): ${oneLine(event.error)}; check \`npm run status -- ${event.stack}\``;
    case "approval-waiting":
      return `${release} waits for approval at ${at} before ${formatSplit(event.next)}`;
    case "approved":
      return `${release} approved at ${at}: next ${formatSplit(event.next)}`;
    case "aborted":
      return `aborted, traffic at ${at}: ${oneLine(event.reason)}`;
    case "interrupted":
      return `interrupted (${event.signal}) at ${at}; run the same command again to resume`;
    case "completed":
      return `${release} done at ${at}`;
  }
}

function formatBreach({ check, observed, limit }: Breach): string {
  const key = fullKey(["watch", check]);
  switch (check) {
    case "maxErrorRate":
      return `error rate ${percent(observed)} > ${percent(limit)} (${key})`;
    case "maxP95LatencyMs":
      return `p95 latency ${Math.round(observed)} ms > ${limit} ms (${key})`;
    case "failedProbeRounds":
      return `${observed} failed probe rounds in a row (limit ${limit}, ${key})`;
    case "maxErrorRateAboveStable":
      return `error rate ${observed.toFixed(1)} points above the stable color's > ${limit} (${key})`;
    case "max4xxPointsAboveStable":
      return `4xx rate ${observed.toFixed(1)} points above the stable color's > ${limit} (${key})`;
    case "noHealthyBackend":
      return `no healthy backend (${observed} of ${limit} unhealthy)`;
    case "alarms":
      return `${observed} CloudWatch alarm${observed === 1 ? "" : "s"} of ${key} in ALARM`;
  }
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)} %`;
}
