/**
 * What a one-off step may report beside its exit code: a line
 * `bluegreen-report/v1 {json}` in its output, kept by OneShotCommand in its
 * state (`report`) and read by `status` and `history` (rehearsalReport.ts
 * for the rehearsal's). Dependency-free and small: the provider carries it.
 */

/** Starts a report line; a reader that meets another version ignores it rather than guess. */
export const STEP_REPORT_TAG = "bluegreen-report/v1";

/** The last report line of `output`, parsed; undefined when there is none or it is not JSON. */
export function stepReport(output: string): Record<string, unknown> | undefined {
  const line = output
    .split("\n")
    .reverse()
    .find((l) => l.startsWith(`${STEP_REPORT_TAG} `));
  if (line === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(line.slice(STEP_REPORT_TAG.length + 1));
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
