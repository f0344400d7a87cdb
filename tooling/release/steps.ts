/**
 * Pure planning of a progressive traffic shift: which weights each step
 * sets, which steps are already reached (resume), which would exceed the
 * gate's max step (rejected, or split on request), and the config values a
 * step writes. No Pulumi, no clock.
 */
import { CONFIG_NAMESPACE } from "../../components/config/issues";
import { Color, otherColor } from "../../components/contracts/colors";
import { decidePromotion } from "../../components/contracts/promotionRule";
import { BlueGreenConfig, parseConfig } from "../../components/platforms";
import { UsageError } from "../cli/command";
import { applyConfigPaths } from "../engine/configPaths";
import { gainExceeds, Share, sharePercent } from "../../components/contracts/shares";
import { shareOf } from "../../components/traffic";
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
  /** Steps (by percent) a person must approve before they run (`approve` before them in --steps). @default [] */
  readonly approvals?: readonly number[];
  /** Hold between two steps, watching. */
  readonly pauseMs: number;
  /** Hold after the last step, watching, before the release is done. @default 0 */
  readonly bakeMs?: number;
  /** Insert intermediate steps where a step exceeds gate.maxStep, instead of refusing. */
  readonly split: boolean;
}

export interface PlannedStep {
  /** The target color's share after this step, in percent. */
  readonly percent: number;
  readonly weights: TrafficWeights;
  /** A person approves before this step runs. */
  readonly approval: boolean;
}

/** The `--steps` list: percentages, and `approve` before a step that needs a person's go. */
export interface StepList {
  readonly steps: number[];
  readonly approvals: number[];
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

/** "10,25,approve,50,100": whole percentages from 1 to 100, strictly increasing; `approve` holds before the next one. */
export function parseSteps(text: string): StepList {
  const parts = text.split(",").map((part) => part.trim());
  const approvals: number[] = [];
  const steps: number[] = [];
  const bad: string[] = [];
  for (const [i, part] of parts.entries()) {
    if (part === APPROVE) {
      const next = parts[i + 1];
      if (next === undefined || next === APPROVE) {
        throw new ShiftPlanError(
          `--steps ${text}: \`approve\` must come before a step (it holds before that step until \`npm run shift -- <stack> --continue\`), e.g. --steps 10,25,approve,50,100`,
        );
      }
      approvals.push(Number(next));
      continue;
    }
    const step = Number(part);
    if (!/^\d+$/.test(part) || step < 1 || step > 100) bad.push(part);
    steps.push(step);
  }
  if (steps.length === 0 || bad.length > 0) {
    throw new ShiftPlanError(
      `--steps ${JSON.stringify(text)}: ${bad.map((b) => JSON.stringify(b)).join(", ")} is not a whole percentage from 1 to 100 or \`approve\`; give e.g. --steps 10,25,approve,50,100`,
    );
  }
  const unordered = steps.findIndex((step, i) => i > 0 && step <= steps[i - 1]);
  if (unordered > 0) {
    throw new ShiftPlanError(
      `--steps ${text}: ${steps[unordered]} follows ${steps[unordered - 1]}; steps must increase, e.g. --steps 10,25,50,100`,
    );
  }
  return { steps, approvals };
}

/** The word in --steps that holds for a person's approval. */
export const APPROVE = "approve";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "90s", "5m", "1h", "1500ms" or "0". */
export function parseDuration(text: string, flag = "--pause"): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null || (match[2] === undefined && match[1] !== "0")) {
    throw new ShiftPlanError(
      `${flag} ${JSON.stringify(text)} is not a duration; give a number with a unit: 30s, 5m, 1h (or 0)`,
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

/** Whether `percent` % is above the color's exact share of `weights`. */
function above(percent: number, weights: TrafficWeights, color: Color): boolean {
  return percent * (weights.blue + weights.green) > 100 * weights[color];
}

export function planShift(deployed: TrafficWeights, config: BlueGreenConfig, request: ShiftRequest): ShiftPlan {
  const { target } = request;
  const skipped = request.steps.filter((step) => !above(step, deployed, target));
  const pending = request.steps.filter((step) => above(step, deployed, target));
  const { maxStep } = config.gate;

  const steps: number[] = [];
  const approvalSteps = new Set<number>();
  const large: { from: Share; to: number; parts: number[] }[] = [];
  let previous = shareOf(deployed, target);
  for (const step of pending) {
    const parts = stepLimited(config, target, previous, step) ? splitStep(previous, step, maxStep) : [step];
    if (parts.length > 1) large.push({ from: previous, to: step, parts });
    // An approval holds before the requested step, so before the first of its split parts.
    if (request.approvals?.includes(step)) approvalSteps.add(parts[0]);
    steps.push(...parts);
    previous = { weight: step, total: 100 };
  }
  const moves = large.map((l) => `${sharePercent(l.from)} -> ${l.to} (+${round(l.to - sharePercent(l.from))} points)`);
  if (large.length > 0 && !request.split) {
    throw new ShiftPlanError(
      `${moves.join(", ")} ${large.length === 1 ? "moves" : "move"} more than bluegreen:gate.maxStep (${maxStep} points per update), so the gate would block ${large.length === 1 ? "it" : "them"}. ` +
        `Use --steps ${steps.join(",")}, or add --split to insert the intermediate steps.`,
    );
  }
  return {
    target,
    from: deployed,
    steps: steps.map((percent) => ({
      percent,
      weights: weightsFor(target, percent),
      approval: approvalSteps.has(percent),
    })),
    skipped,
    splits: large.map((l, i) => `${moves[i]} split into ${l.parts.join(", ")} (gate.maxStep ${maxStep})`),
  };
}

/**
 * Whether the gate limits a move of `target` from `from` to `percent` %:
 * the promotion rule itself, with the colors' releases as deployed and
 * taken as having passed their gates (if one has not, the gate says so).
 */
function stepLimited(config: BlueGreenConfig, target: Color, from: Share, percent: number): boolean {
  const release = (color: Color) => ({ version: config[color].version, image: config[color].image });
  return decidePromotion({
    color: target,
    self: release(target),
    other: release(otherColor(target)),
    share: { weight: percent, total: 100 },
    previous: { ...release(target), share: from, verified: release(target) },
    rollback: config.traffic.rollback,
    maxStep: config.gate.maxStep,
    allowLargeStep: config.gate.allowLargeStep,
  }).stepLimited;
}

/** Whole-percent steps of at most `maxStep` points (judged exactly) from `from` up to `to`, ending at `to`. */
function splitStep(from: Share, to: number, maxStep: number): number[] {
  const parts: number[] = [];
  let at = from;
  while (gainExceeds(at, { weight: to, total: 100 }, maxStep)) {
    // The largest whole percent within maxStep of `at`: floor((100·w + maxStep·T) / T).
    const next = Math.floor((100 * at.weight + maxStep * at.total) / at.total);
    parts.push(next);
    at = { weight: next, total: 100 };
  }
  return [...parts, to];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Config values (for `pulumi config set --path`) that set these weights. The
 * rollback flag is left alone: moving traffic back to a color that still runs
 * what last passed its gate needs none, and a redeployed older version is a
 * decision for a person (the gate says so).
 */
export function trafficValues(weights: TrafficWeights): Record<string, string> {
  return {
    [`${CONFIG_NAMESPACE}:traffic.blue`]: String(weights.blue),
    [`${CONFIG_NAMESPACE}:traffic.green`]: String(weights.green),
  };
}

/** Validates the stack config a step would write with the program's own rules (throws ConfigError). */
export function checkStepConfig(
  raw: Record<string, string>,
  stack: string,
  values: Record<string, string>,
  secretKeys: readonly string[],
): BlueGreenConfig {
  return parseConfig(applyConfigPaths(raw, values), stack, secretKeys);
}
