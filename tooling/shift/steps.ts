/**
 * Pure planning of a progressive traffic shift: which weights each step
 * sets, which steps are already reached (resume), which would exceed the
 * gate's max step (rejected, or split on request), and the config values a
 * step writes. No Pulumi, no clock.
 */
import { CONFIG_NAMESPACE } from "../../components/config/issues";
import { Color, otherColor } from "../../components/contracts/colors";
import { sharePoints } from "../../components/gate/promotion";
import { BlueGreenConfig, parseConfig } from "../../components/platforms";
import { UsageError } from "../cli/command";
import { applyConfigPaths } from "../engine/configPaths";
import { releaseView } from "../../components/release";
import type { TrafficWeights } from "../../components/traffic";

/** A plan or argument problem, reported before anything is changed. */
export class ShiftPlanError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = "ShiftPlanError";
  }
}

export interface ShiftRequest {
  readonly target: Color;
  /** Target color's share after each step, in percent, increasing. */
  readonly steps: readonly number[];
  /** Wait between two steps. */
  readonly pauseMs: number;
  /** Insert intermediate steps where a step exceeds gate.maxStep, instead of refusing. */
  readonly split: boolean;
}

export interface PlannedStep {
  /** The target color's share after this step, in percent. */
  readonly percent: number;
  readonly weights: TrafficWeights;
}

export interface ShiftPlan {
  readonly target: Color;
  readonly from: TrafficWeights;
  readonly steps: readonly PlannedStep[];
  /** Requested steps the deployed weights already reach. */
  readonly skipped: readonly number[];
  /** One line per step that was split, e.g. "50 -> 100 split into 75, 100". */
  readonly splits: readonly string[];
}

/** "10,25,50,100": whole percentages from 1 to 100, strictly increasing. */
export function parseSteps(text: string): number[] {
  const parts = text.split(",").map((part) => part.trim());
  const steps = parts.map(Number);
  const bad = parts.filter((part, i) => !/^\d+$/.test(part) || steps[i] < 1 || steps[i] > 100);
  if (parts.length === 0 || bad.length > 0) {
    throw new ShiftPlanError(
      `--steps ${JSON.stringify(text)}: ${bad.map((b) => JSON.stringify(b)).join(", ")} is not a whole percentage from 1 to 100; give e.g. --steps 10,25,50,100`,
    );
  }
  const unordered = steps.findIndex((step, i) => i > 0 && step <= steps[i - 1]);
  if (unordered > 0) {
    throw new ShiftPlanError(
      `--steps ${text}: ${steps[unordered]} follows ${steps[unordered - 1]}; steps must increase, e.g. --steps 10,25,50,100`,
    );
  }
  return steps;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "90s", "5m", "1h", "1500ms" or "0". */
export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null || (match[2] === undefined && match[1] !== "0")) {
    throw new ShiftPlanError(
      `--pause ${JSON.stringify(text)} is not a duration; give a number with a unit: 30s, 5m, 1h (or 0)`,
    );
  }
  return Number(match[1]) * UNITS[match[2] ?? "ms"];
}

/** 65000 → "1m05s"; 0 → "0s". */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  return m > 0 ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}

/** TrafficWeights that give `color` exactly `percent` % (total 100). */
export function weightsFor(color: Color, percent: number): TrafficWeights {
  const other = 100 - percent;
  return color === "blue" ? { blue: percent, green: other } : { blue: other, green: percent };
}

/** The color's exact share of the traffic, as the gate measures it. */
export function shareOf(weights: TrafficWeights, color: Color): number {
  return sharePoints(weights[color], weights.blue + weights.green);
}

// Shares such as 1/3 are not whole percentages; the gate allows the same tolerance.
const EPSILON = 1e-9;

export function planShift(deployed: TrafficWeights, config: BlueGreenConfig, request: ShiftRequest): ShiftPlan {
  const { target } = request;
  const start = shareOf(deployed, target);
  const skipped = request.steps.filter((step) => step <= start + EPSILON);
  const pending = request.steps.filter((step) => step > start + EPSILON);
  const { maxStep, allowLargeStep } = config.gate;

  const steps: number[] = [];
  const large: { from: number; to: number; parts: number[] }[] = [];
  let previous = start;
  for (const step of pending) {
    const parts = allowLargeStep ? [step] : splitStep(previous, step, maxStep);
    if (parts.length > 1) large.push({ from: previous, to: step, parts });
    steps.push(...parts);
    previous = step;
  }
  const moves = large.map((l) => `${round(l.from)} -> ${l.to} (+${round(l.to - l.from)} points)`);
  if (large.length > 0 && !request.split) {
    throw new ShiftPlanError(
      `${moves.join(", ")} ${large.length === 1 ? "moves" : "move"} more than bluegreen:gate.maxStep (${maxStep} points per update), so the gate would block ${large.length === 1 ? "it" : "them"}. ` +
        `Use --steps ${steps.join(",")}, or add --split to insert the intermediate steps.`,
    );
  }
  return {
    target,
    from: deployed,
    steps: steps.map((percent) => ({ percent, weights: weightsFor(target, percent) })),
    skipped,
    splits: large.map((l, i) => `${moves[i]} split into ${l.parts.join(", ")} (gate.maxStep ${maxStep})`),
  };
}

/** Intermediate steps of at most `maxStep` points from `from` up to `to`, ending at `to`. */
function splitStep(from: number, to: number, maxStep: number): number[] {
  const parts: number[] = [];
  let at = from;
  while (to - at > maxStep + EPSILON) {
    at = Math.floor(at + maxStep + EPSILON);
    parts.push(at);
  }
  return [...parts, to];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Config values (for `pulumi config set --path`) that set these weights. The
 * rollback flag is set exactly when the color gaining traffic runs the older
 * version: the gate refuses an unmarked move to an older version.
 */
export function trafficValues(
  weights: TrafficWeights,
  gaining: Color,
  config: Pick<BlueGreenConfig, "blue" | "green">,
): Record<string, string> {
  const rollback = releaseView(config).candidate === otherColor(gaining) && weights[gaining] > 0;
  return {
    [`${CONFIG_NAMESPACE}:traffic.blue`]: String(weights.blue),
    [`${CONFIG_NAMESPACE}:traffic.green`]: String(weights.green),
    [`${CONFIG_NAMESPACE}:traffic.rollback`]: String(rollback),
  };
}

/** Validates the stack config a step would write with the program's own rules (throws ConfigError). */
export function checkStepConfig(
  raw: Record<string, string>,
  stack: string,
  values: Record<string, string>,
): BlueGreenConfig {
  return parseConfig(applyConfigPaths(raw, values), stack);
}
