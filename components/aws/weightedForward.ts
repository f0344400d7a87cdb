/**
 * The weighted forward of the app's route: both colors' target groups with
 * their configured weights and the stickiness. Written once: the listener (or
 * the app's rule on a shared listener) gets it through `pulumi up`, and a
 * rollback sets the same through the ELB API just before that up
 * (listenerForward.ts), so the direct move is exactly what the up records.
 * Pure.
 */
import { Color, COLORS } from "../contracts/colors";
import type { TrafficWeights } from "../traffic";

export interface WeightedForward<Arn> {
  readonly targetGroups: { readonly arn: Arn; readonly weight: number }[];
  readonly stickiness: { readonly enabled: boolean; readonly duration: number };
}

export function weightedForward<Arn>(
  targetGroupArns: Readonly<Record<Color, Arn>>,
  weights: TrafficWeights,
  stickinessSeconds: number,
): WeightedForward<Arn> {
  return {
    targetGroups: COLORS.map((color) => ({ arn: targetGroupArns[color], weight: weights[color] })),
    // The ALB takes a duration even with stickiness off; 1 s is its least.
    stickiness: { enabled: stickinessSeconds > 0, duration: Math.max(stickinessSeconds, 1) },
  };
}
