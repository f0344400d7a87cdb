/**
 * Traffic shares, exactly: a share is a weight over a total, and every
 * comparison is integer arithmetic (no rounded percents, no float epsilon),
 * so "does the newer version gain share" has one answer for every pair of
 * weights. Dependency-free: the gate's provider and the pack carry it.
 */

/** `weight` of `total`; a total of 0 means the color does not exist yet (share 0). */
export interface Share {
  readonly weight: number;
  readonly total: number;
}

/** Sign of a − b as shares: −1, 0 or 1. */
export function compareShares(a: Share, b: Share): number {
  const left = a.total === 0 ? 0 : a.weight * (b.total === 0 ? 1 : b.total);
  const right = b.total === 0 ? 0 : b.weight * (a.total === 0 ? 1 : a.total);
  return Math.sign(left - right);
}

/** Whether `to` is more than `maxStep` percentage points above `from`. */
export function gainExceeds(from: Share, to: Share, maxStep: number): boolean {
  if (to.total === 0) return false;
  if (from.total === 0) return 100 * to.weight > maxStep * to.total;
  // (to.w / to.T − from.w / from.T) × 100 > maxStep, multiplied out.
  return 100 * (to.weight * from.total - from.weight * to.total) > maxStep * to.total * from.total;
}

/** The share in percentage points, for messages only (never for decisions). */
export function sharePercent(share: Share): number {
  return share.total === 0 ? 0 : Math.round((share.weight * 10_000) / share.total) / 100;
}

/** The largest weight (out of `total`) that keeps a gain from `from` within `maxStep` points. */
export function largestWeightWithin(from: Share, total: number, maxStep: number): number {
  let weight = Math.min(
    total,
    Math.floor((((from.total === 0 ? 0 : from.weight / from.total) * 100 + maxStep) * total) / 100) + 1,
  );
  while (weight > 0 && gainExceeds(from, { weight, total }, maxStep)) weight--;
  return weight;
}
