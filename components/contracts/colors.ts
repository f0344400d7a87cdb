/**
 * The two colors of an app. A contract shared by the program, the tools and
 * the policy pack (which carries a generated copy of this file).
 */

export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];

export function otherColor(color: Color): Color {
  return color === "blue" ? "green" : "blue";
}

/** Placeholder that per-color templates (hostnames, URLs, queries) use for the color. */
export const COLOR_PLACEHOLDER = "{color}";

export function expandColor(template: string, color: Color): string {
  return template.split(COLOR_PLACEHOLDER).join(color);
}
