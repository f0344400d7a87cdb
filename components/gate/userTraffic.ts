/**
 * What the gate knows about a color's user traffic across a maintenance
 * window (`bluegreen:maintenance.enabled`). While the page is up no user
 * reaches either color, so a color the gate passes then is judged by its
 * probes alone, and no gate runs when the window closes (switching the page
 * is no promotion). The gate records it (USER_TRAFFIC_PENDING) while the
 * window stays on; the update that closes the window finds the mark and says
 * who judges the color's user traffic from then on: the release watch, which
 * after an irreversible migration puts the page back up on a breach instead
 * of moving traffic to an older major version (rule f). Pure and
 * dependency-free: the gate's provider carries it.
 */
import type { Color } from "../contracts/colors";

/** The gate's `userTraffic` output while its color's last pass was judged by probes alone, during the window. */
export const USER_TRAFFIC_PENDING = "pending: passed during maintenance on probes alone";

export type UserTrafficRecord = typeof USER_TRAFFIC_PENDING | undefined;

/**
 * The mark after this update: set when the gate passes the color with traffic during the window, kept while the
 * window stays on and the color keeps traffic without a new probe, cleared by the first gate run outside the
 * window and by a share of 0 (no user can reach the color).
 */
export function userTrafficAfter(facts: {
  readonly maintenance: boolean;
  readonly weight: number;
  readonly probed: boolean;
  /** The mark the gate's previous state holds. */
  readonly previous: unknown;
}): UserTrafficRecord {
  if (!facts.maintenance || facts.weight === 0) return undefined;
  return facts.probed || facts.previous === USER_TRAFFIC_PENDING ? USER_TRAFFIC_PENDING : undefined;
}

/** What the update that closes the window (or previews closing it) is told about a color the window left unjudged. */
export interface AfterWindow {
  readonly stack: string;
  readonly color: Color;
  readonly version: string;
  readonly weight: number;
  readonly totalWeight: number;
  readonly other: { readonly color: Color; readonly version: string };
  /** Rule (f)'s refusal of moving traffic back to the other color, when it refuses. */
  readonly rollbackRefused?: string;
}

export function afterWindowNotice(w: AfterWindow): string {
  const share = `weight ${w.weight} of ${w.totalWeight}`;
  const breach =
    w.other.version === ""
      ? `${w.other.color} runs nothing, so a breach has nowhere to go back to: watch with --no-rollback, and put the page back up by hand on a breach.`
      : w.rollbackRefused === undefined
        ? `On a breach the watch moves the traffic back to ${w.other.color} (${w.other.version}).`
        : `Traffic cannot go back to ${w.other.color} (${w.other.version}): ${w.rollbackRefused} So on a breach the watch puts the maintenance page back up ` +
          "and stops; then restore from the pre-migration snapshot (docs/runbook-breaking-migration.md, step 7).";
  return (
    `${w.color} (${w.version}, ${share}) passed its gate during the maintenance window on its probes alone: no user reached it. ` +
    `With bluegreen:maintenance.enabled false, users get ${w.color}, and no gate judges their traffic. ` +
    `Judge it as soon as the page is down: npm run watch -- ${w.stack} --for 30m. ${breach}`
  );
}
