/**
 * Traffic plan: pure arithmetic over the two color weights. ALB, Gateway API
 * and HAProxy all take relative weights; users reason in percentages, so the
 * plan carries both.
 */
import { COLORS, Color } from "./contracts/colors";
import { compareShares, Share } from "./contracts/shares";

export type TrafficWeights = Readonly<Record<Color, number>>;

export interface TrafficPlan {
  readonly weights: TrafficWeights;
  /** Shares that always sum to exactly 100 (largest remainder rounding). */
  readonly percent: TrafficWeights;
  /** The color with the larger weight; blue on a tie (blue is the stable default). */
  readonly primary: Color;
  readonly total: number;
}

export type WeightChange = "increase" | "decrease" | "unchanged";

export interface TrafficChange {
  readonly color: Color;
  readonly change: WeightChange;
  readonly fromPercent: number;
  readonly toPercent: number;
}

export function trafficPlan(weights: TrafficWeights): TrafficPlan {
  const total = weights.blue + weights.green;
  if (!COLORS.every((c) => Number.isInteger(weights[c]) && weights[c] >= 0)) {
    throw new Error(`weights must be whole numbers >= 0 (got blue=${weights.blue}, green=${weights.green})`);
  }
  if (total === 0) throw new Error("at least one color needs a weight above 0");
  return {
    weights: { blue: weights.blue, green: weights.green },
    percent: percentages(weights, total),
    primary: weights.green > weights.blue ? "green" : "blue",
    total,
  };
}

function percentages(weights: TrafficWeights, total: number): TrafficWeights {
  const exact = COLORS.map((c) => (weights[c] * 100) / total);
  const floors = exact.map(Math.floor);
  let remaining = 100 - floors.reduce((a, b) => a + b, 0);
  // Hand the leftover points to the largest fractional parts (blue first on ties).
  const order = [0, 1].sort((a, b) => exact[b] - floors[b] - (exact[a] - floors[a]));
  for (const index of order) {
    if (remaining === 0) break;
    floors[index] += 1;
    remaining -= 1;
  }
  return { blue: floors[0], green: floors[1] };
}

/** How each color's share moves from `previous` to `next`: the direction judged exactly, the percents for display. */
export function trafficChanges(previous: TrafficWeights, next: TrafficWeights): TrafficChange[] {
  const before = trafficPlan(previous).percent;
  const after = trafficPlan(next).percent;
  return COLORS.map((color) => {
    const order = compareShares(shareOf(next, color), shareOf(previous, color));
    return {
      color,
      change: order > 0 ? "increase" : order < 0 ? "decrease" : "unchanged",
      fromPercent: before[color],
      toPercent: after[color],
    };
  });
}

/** A color's exact share of the traffic. */
export function shareOf(weights: TrafficWeights, color: Color): Share {
  return { weight: weights[color], total: weights.blue + weights.green };
}

/** "90/10" style label used in plans and progress lines. */
export function formatSplit(weights: TrafficWeights): string {
  const { percent } = trafficPlan(weights);
  return `blue ${percent.blue}% / green ${percent.green}%`;
}
