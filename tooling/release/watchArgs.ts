/** Command line of `npm run watch`: watch a deployed stack without shifting it. */
import { CommandSpec, parseCommandLine, usageText } from "../cli/command";
import { RELEASE_EXIT } from "./outcome";
import { parseDuration, ShiftPlanError } from "./steps";

export const WATCH_COMMAND: CommandSpec = {
  name: "watch",
  summary:
    "watch a deployed stack's candidate (bluegreen:watch) for a while, without moving traffic; a breach rolls everything back to the stable color",
  usage: ["<stack> --for <duration> [--no-rollback] [--verbose]"],
  options: [
    { flag: "--for <duration>", description: "how long to watch: 30m, 1h..." },
    { flag: "--no-rollback", description: "on a breach, only report it (exit 3); traffic stays where it is" },
    { flag: "--verbose", description: "show the engine's output of the rollback's `pulumi up`" },
  ],
  exitCodes: [
    RELEASE_EXIT.done,
    RELEASE_EXIT.usage,
    RELEASE_EXIT.breach,
    RELEASE_EXIT.inconclusive,
    RELEASE_EXIT.rollbackFailed,
    RELEASE_EXIT.interrupted,
    RELEASE_EXIT.locked,
  ],
  examples: ["npm run watch -- production --for 1h", "npm run watch -- staging --for 30m --no-rollback"],
};

export interface WatchCommand {
  readonly stack: string;
  readonly durationMs: number;
  readonly rollback: boolean;
  readonly verbose: boolean;
}

export function parseWatchArgs(argv: string[]): WatchCommand {
  const { values, positionals } = parseCommandLine(WATCH_COMMAND, argv, {
    for: { type: "string" },
    "no-rollback": { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  });
  const usage = (problem: string) => new ShiftPlanError(`${problem}\n${usageText(WATCH_COMMAND)}`);
  if (positionals.length !== 1) throw usage(`give exactly one stack name (got ${positionals.length})`);
  if (values.for === undefined) throw usage("--for is required: how long to watch, e.g. --for 1h");
  let durationMs: number;
  try {
    durationMs = parseDuration(values.for, "--for");
  } catch (e) {
    if (e instanceof ShiftPlanError) throw usage(e.message);
    throw e;
  }
  if (durationMs === 0) throw usage("--for 0 watches nothing; give a duration, e.g. --for 1h");
  return { stack: positionals[0], durationMs, rollback: !values["no-rollback"], verbose: values.verbose };
}
