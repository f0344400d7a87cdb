/**
 * Pure promotion rules: does a traffic change need a health probe, and is it
 * allowed at all? No Pulumi, no network: the provider's `check` runs these at
 * preview, before anything is probed or moved.
 */
import type { Color } from "../contracts/colors";

/** What the gate recorded at the last successful update (absent on create). */
export interface PreviousPromotion {
  readonly weight: number;
  readonly version: string;
  /** Total weight at that time; when absent the next total is assumed. */
  readonly totalWeight?: number;
}

export interface NextPromotion {
  readonly color: Color;
  readonly weight: number;
  readonly totalWeight: number;
  readonly version: string;
  /** Version the other color runs; "" when the other color runs nothing. */
  readonly otherVersion: string;
  readonly rollback: boolean;
  readonly maxStep: number;
  readonly allowLargeStep: boolean;
}

export type WeightChange = "create" | "increase" | "decrease" | "unchanged";

export interface PromotionViolation {
  readonly kind: "step-too-large" | "unmarked-rollback";
  /** Input property the engine shows the failure against. */
  readonly property: "weight" | "rollback";
  readonly message: string;
}

export interface PromotionDecision {
  readonly change: WeightChange;
  readonly probeRequired: boolean;
  /** Why the probe is (not) required, recorded in the gate's outputs. */
  readonly reason: string;
  readonly violations: readonly PromotionViolation[];
}

/** Share of total traffic in percentage points. */
export function sharePoints(weight: number, totalWeight: number): number {
  return (weight / totalWeight) * 100;
}

export function decidePromotion(previous: PreviousPromotion | undefined, next: NextPromotion): PromotionDecision {
  const change = weightChange(previous, next.weight);
  const gains = change === "create" || change === "increase";
  const violations = gains && next.weight > 0 ? [stepViolation(previous, next), versionViolation(previous, next)] : [];
  return {
    change,
    ...probeDecision(previous, next, change),
    violations: violations.filter((v): v is PromotionViolation => v !== undefined),
  };
}

function weightChange(previous: PreviousPromotion | undefined, weight: number): WeightChange {
  if (previous === undefined) return "create";
  if (weight > previous.weight) return "increase";
  return weight < previous.weight ? "decrease" : "unchanged";
}

function probeDecision(
  previous: PreviousPromotion | undefined,
  next: NextPromotion,
  change: WeightChange,
): { probeRequired: boolean; reason: string } {
  if (next.weight === 0)
    return { probeRequired: false, reason: `weight 0: ${next.color} receives no traffic, nothing to verify` };
  if (previous === undefined) return { probeRequired: true, reason: `created with weight ${next.weight}` };
  if (previous.version !== next.version) {
    return {
      probeRequired: true,
      reason: `version change ${previous.version} -> ${next.version} with weight ${next.weight}`,
    };
  }
  if (change === "increase")
    return { probeRequired: true, reason: `weight increase ${previous.weight} -> ${next.weight}` };
  if (change === "decrease") {
    return {
      probeRequired: false,
      reason: `weight decrease ${previous.weight} -> ${next.weight}: lowering traffic is never probed`,
    };
  }
  return { probeRequired: false, reason: `weight ${next.weight} and version ${next.version} unchanged` };
}

function stepViolation(previous: PreviousPromotion | undefined, next: NextPromotion): PromotionViolation | undefined {
  // A first deploy moves no existing traffic (the route is created with it), so
  // there is no step to limit; it is still probed before the route exists.
  if (next.allowLargeStep || previous === undefined) return undefined;
  const fromWeight = previous.weight;
  const fromTotal = previous.totalWeight ?? next.totalWeight;
  const fromPoints = sharePoints(fromWeight, fromTotal);
  const gained = sharePoints(next.weight, next.totalWeight) - fromPoints;
  // Tolerance for float shares such as 1/3; config weights are integers.
  if (gained <= next.maxStep + 1e-9) return undefined;
  const largestAllowed = Math.floor(((fromPoints + next.maxStep) * next.totalWeight) / 100);
  return {
    kind: "step-too-large",
    property: "weight",
    message:
      `${next.color} would gain ${round2(gained)} percentage points of traffic (${fromWeight}/${fromTotal} -> ${next.weight}/${next.totalWeight}), ` +
      `more than the allowed step of ${next.maxStep} (bluegreen:gate.maxStep). ` +
      `Raise it in steps: set bluegreen:traffic.${next.color} to at most ${largestAllowed} for this update, ` +
      `or set bluegreen:gate.allowLargeStep to true to allow this one jump.`,
  };
}

function versionViolation(
  previous: PreviousPromotion | undefined,
  next: NextPromotion,
): PromotionViolation | undefined {
  if (next.rollback || next.otherVersion === "") return undefined;
  // semver is required here rather than imported so the provider closure stays serializable.
  const semver: typeof import("semver") = require("semver");
  // Unparseable versions are reported by the provider's input check, not here.
  if (!semver.valid(next.version) || !semver.valid(next.otherVersion)) return undefined;
  if (!semver.lt(next.version, next.otherVersion)) return undefined;
  const from = previous === undefined ? "0" : String(previous.weight);
  return {
    kind: "unmarked-rollback",
    property: "rollback",
    message:
      `traffic to ${next.color} would rise ${from} -> ${next.weight}, but ${next.color} runs ${next.version}, ` +
      `older than ${next.otherVersion} on the other color. If this is a rollback, set bluegreen:traffic.rollback to true; ` +
      `otherwise deploy the newer version to ${next.color} first, or lower bluegreen:traffic.${next.color} back to ${from}.`,
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
