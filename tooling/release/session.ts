/**
 * What a release command (shift, watch) works with, and the updates every
 * one of them runs: a step forward (gated, with the policy pack), putting
 * weights back (a rollback: never gated or step-limited by the rule, run
 * without the pack so an unrelated violation cannot block it, deaf to
 * Ctrl-C) and a record-only update that closes a bake. Every update's
 * message carries the release record (tooling/history/record.ts).
 */
import { ConfigError } from "../../components/config/issues";
import type { EventInput } from "../notify/events";
import type { Breach } from "../watch";
import { readStackOutputs, StackOutputs } from "../../components/contracts/outputs";
import type { ApprovalVerdict } from "./approval";
import type { DirectMove } from "./dataPlane";
import type { Color } from "../../components/contracts/colors";
import { BlueGreenConfig, parseConfig } from "../../components/platforms";
import type { TrafficWeights } from "../../components/traffic";
import { formatUpdateMessage, ReleaseRecord } from "../history/record";
import type { Interrupts } from "./interrupts";
import type { ReleaseRoles } from "./roles";
import type { ReleaseStack } from "./stack";
import { formatDuration, trafficValues } from "./steps";
import { failureReason, StackLocked } from "./updateFailed";

/**
 * A hold: watch the candidate for `durationMs`, or, with `until` (an
 * approval), until it decides; a breach or too many rounds without data end
 * it early. It ends well only on a healthy round.
 */
export interface HoldRequest {
  /** "hold 5m before step 3/4", "bake 1h". */
  readonly label: string;
  /** Ignored with `until`: an approval replaces the pause before its step. */
  readonly durationMs: number;
  readonly roles: ReleaseRoles;
  readonly weights: TrafficWeights;
  /** Polled after each round; the hold ends when it returns a verdict. @default undefined (duration only) */
  readonly until?: () => Promise<ApprovalVerdict | undefined>;
  readonly signal: AbortSignal;
}

export type Holder = (request: HoldRequest) => Promise<HoldOutcome>;

export type HoldOutcome =
  | { readonly kind: "held"; readonly rounds: number }
  | { readonly kind: "approved" }
  | { readonly kind: "aborted" }
  | { readonly kind: "breach"; readonly breaches: readonly Breach[]; readonly reason: string }
  | { readonly kind: "inconclusive"; readonly rounds: number; readonly reason: string }
  | { readonly kind: "interrupted" };

export interface ReleaseSession {
  readonly stack: ReleaseStack;
  now(): Date;
  /** Progress lines. */
  log(line: string): void;
  /** Raw engine output (shown with --verbose). */
  output(text: string): void;
  readonly interrupts: Interrupts;
  /**
   * What watches a holding release of this stack (tooling/watch) for
   * `candidate`; throws WatchPlanError when nothing could measure it.
   */
  watcher(config: BlueGreenConfig, outputs: StackOutputs, candidate: Color): Holder;
  /** Queues a release event for the webhooks; returns at once. */
  notify(event: EventInput): void;
  /** Sets a rollback's direct move on the running data plane and checks it there (dataPlane.ts); throws when it could not. */
  moveDataPlane(move: DirectMove): Promise<void>;
  /** Waits between a rollback's attempts (on the wall clock; tests pass a logical one). */
  sleep(ms: number): Promise<void>;
  /** Who runs the command (user@host), for approvals. */
  readonly who: string;
}

export interface StackState {
  readonly raw: Record<string, string>;
  readonly secretKeys: string[];
  readonly config: BlueGreenConfig;
  readonly deployed: TrafficWeights;
  readonly outputs: StackOutputs;
}

/** The stack's config (checked with the program's rules) and where traffic is; a reason when it cannot be used. */
export async function readState(stack: ReleaseStack): Promise<StackState | { readonly reason: string }> {
  const { values: raw, secretKeys } = await stack.readConfig();
  const outputs = await stack.readOutputs();
  let config: BlueGreenConfig;
  try {
    config = parseConfig(raw, stack.name, secretKeys);
  } catch (e) {
    if (e instanceof ConfigError) return { reason: e.message };
    throw e;
  }
  if (outputs?.weights === undefined) {
    return {
      reason: `stack ${stack.name} has no \`weights\` output: it was never deployed by this program. Run \`pulumi up\` once with the starting weights, then shift.`,
    };
  }
  const read = readStackOutputs(stack.name, outputs);
  return { raw, secretKeys, config, deployed: { blue: read.weights.blue, green: read.weights.green }, outputs: read };
}

export type UpResult =
  { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly locked: boolean };

export interface UpSettings {
  readonly policies: boolean;
  readonly cancellable: boolean;
}

/** Sets the weights and runs `pulumi up` with the record; a failure is returned, never thrown. */
export async function applyWeights(
  session: ReleaseSession,
  weights: TrafficWeights,
  record: ReleaseRecord,
  options: UpSettings,
): Promise<UpResult> {
  try {
    await session.stack.setConfig(trafficValues(weights));
  } catch (e) {
    return { ok: false, reason: failureReason(e), locked: false };
  }
  return recordedUp(session, record, options);
}

/** `pulumi up` of the config as it is, with the record as its message; a failure is returned, never thrown. */
export async function recordedUp(
  session: ReleaseSession,
  record: ReleaseRecord,
  options: UpSettings,
): Promise<UpResult> {
  try {
    await session.stack.up({
      message: formatUpdateMessage(record),
      policies: options.policies,
      onOutput: session.output,
      ...(options.cancellable ? { signal: session.interrupts.signal } : {}),
    });
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: failureReason(e), locked: e instanceof StackLocked };
  }
}

/** A record-only update: nothing changes, the stack's history gets the record (closes a bake or a watch). */
export function recordOnly(session: ReleaseSession, record: ReleaseRecord): Promise<UpResult> {
  return recordedUp(session, record, { policies: true, cancellable: false });
}

/** What every event says about the release. */
export function eventBase(
  session: ReleaseSession,
  command: "shift" | "watch",
  config: BlueGreenConfig,
  candidate: Color,
  weights: TrafficWeights,
) {
  return {
    stack: session.stack.name,
    command,
    candidate,
    versions: { blue: config.blue.version, green: config.green.version },
    weights,
  } as const;
}

export function clockTime(date: Date): string {
  return `${date.toISOString().slice(11, 19)}Z`;
}

/** Progress lines start with the wall-clock time (UTC) and the time since the command started. */
export function progressLog(session: Pick<ReleaseSession, "now" | "log">): (line: string) => void {
  const started = session.now().getTime();
  return (line) => {
    const now = session.now();
    session.log(`[${clockTime(now)} +${formatDuration(now.getTime() - started)}] ${line}`);
  };
}
