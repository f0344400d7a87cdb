/**
 * What a round's judges find (breaches, why a round proves nothing), shared
 * by the judges of shares (judge.ts) and of outright failures (outright.ts).
 */
import type { Color } from "../../components/contracts/colors";

/** A threshold the observed value crossed. */
export interface Breach {
  readonly color: Color;
  readonly measure: "error rate" | "4xx rate" | "p95 latency" | "no healthy backend" | "failed probe rounds" | "alarm";
  /**
   * In the unit of the limit: a ratio, points, ms, rounds; for "no healthy backend", the backends not healthy;
   * for "alarm", the alarms in ALARM.
   */
  readonly observed: number;
  /** For "no healthy backend", all of the color's backends; for "alarm", 0 (none may be in ALARM). */
  readonly limit: number;
  /**
   * The config key of the limit, e.g. `bluegreen:watch.maxErrorRate` (a WATCH_KEYS value); for "no healthy
   * backend", which no threshold governs, the key of the health check that found them unhealthy.
   */
  readonly key: string;
  /** Breached at `observed >= limit` (a count of rounds, every backend) rather than `observed > limit`. */
  readonly atLimit: boolean;
  /** With maxErrorRateAboveStable: the candidate's lead over the stable color, in points, and that limit. */
  readonly aboveStable?: {
    readonly observed: number;
    readonly limit: number;
    readonly key: string;
  };
  readonly text: string;
}

/** What the judges of a round found so far. */
export interface Draft {
  breaches: Breach[];
  inconclusive: string[];
  probeFailure?: string;
  observations: string[];
}
