/** Text bars for traffic shares, shared by the plan summary and the status view. */

export const BAR_WIDTH = 20;

/** `percent` of `width` cells filled (rounded to the nearest cell); 0 % is empty, 100 % full. */
export function bar(percent: number, width = BAR_WIDTH): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) * width) / 100);
  return "█".repeat(filled) + "░".repeat(width - filled);
}
