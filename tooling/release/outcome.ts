/**
 * How a release command ends, defined once: `shift` and `watch` return one of
 * these, `--help` lists them, and the scripts exit with their codes.
 */
import type { ExitCode } from "../cli/command";
import { EXIT } from "../cli/command";
import type { TrafficWeights } from "../../components/traffic";

export const RELEASE_EXIT = {
  done: EXIT.ok,
  failed: {
    code: 1,
    meaning: "a step's update failed (its gate or the engine refused it) and the previous weights were put back",
  },
  usage: EXIT.usage,
  breach: { code: 3, meaning: "a breach while watching: traffic was rolled back to the stable color" },
  inconclusive: {
    code: 4,
    meaning: "stopped after too many inconclusive rounds (no data is not a pass): traffic left where it is",
  },
  rollbackFailed: { code: 5, meaning: "a rollback or restore failed: traffic may still be split, act now" },
  interrupted: { code: 6, meaning: "interrupted (Ctrl-C or --abort from elsewhere): says where traffic is" },
  locked: { code: 7, meaning: "another update holds the stack's lock: nothing was changed" },
} as const satisfies Record<string, ExitCode>;

export type ReleaseEnd = Exclude<keyof typeof RELEASE_EXIT, "usage">;

export interface ReleaseOutcome {
  readonly end: ReleaseEnd;
  /** What happened, for the last line the command prints (and the notification). */
  readonly summary: string;
  /** Where traffic is when the command ends, when known. */
  readonly weights?: TrafficWeights;
}
