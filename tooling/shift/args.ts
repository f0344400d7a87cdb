/** Command line of `npm run shift`, parsed into a request the engine runs. */
import { CommandSpec, EXIT, parseCommandLine, usageText } from "../cli/command";
import { Color, COLORS } from "../../components/contracts/colors";
import { parseDuration, parseSteps, ShiftPlanError, ShiftRequest } from "./steps";

export const DEFAULT_STEPS = "10,25,50,100";
export const DEFAULT_PAUSE = "5m";

export const SHIFT_COMMAND: CommandSpec = {
  name: "shift",
  summary:
    "a progressive rollout through the Automation API: one gated `pulumi up` per step; a failed step puts the previous weights back",
  usage: [
    "<stack> --to <blue|green> [--steps 10,25,50,100] [--pause 5m] [--split] [--verbose]",
    "<stack> --abort [--verbose]",
  ],
  options: [
    { flag: "--to <blue|green>", description: "the color that gains traffic" },
    { flag: "--steps <list>", description: `its share after each step, in percent (default ${DEFAULT_STEPS})` },
    { flag: "--pause <duration>", description: `wait between steps: 30s, 5m, 1h or 0 (default ${DEFAULT_PAUSE})` },
    {
      flag: "--split",
      description: "insert intermediate steps where a step exceeds bluegreen:gate.maxStep, instead of refusing",
    },
    {
      flag: "--abort",
      description: "send all traffic back to the stable color at once (never gated, never step-limited)",
    },
    { flag: "--verbose", description: "show the engine's output of each `pulumi up`" },
  ],
  exitCodes: [
    EXIT.ok,
    { code: 1, meaning: "a step failed (traffic was set back), or the Pulumi CLI failed" },
    EXIT.usage,
  ],
  examples: [
    "npm run shift -- staging --to green --steps 10,25,50,100 --pause 5m",
    "npm run shift -- production --abort",
  ],
};

export type ShiftCommand =
  | { readonly kind: "shift"; readonly stack: string; readonly request: ShiftRequest; readonly verbose: boolean }
  | { readonly kind: "abort"; readonly stack: string; readonly verbose: boolean };

/** Throws ShiftPlanError (with the usage) on a bad command line. */
export function parseShiftArgs(argv: string[]): ShiftCommand {
  const { values, positionals } = parseCommandLine(SHIFT_COMMAND, argv, {
    to: { type: "string" },
    steps: { type: "string", default: DEFAULT_STEPS },
    pause: { type: "string", default: DEFAULT_PAUSE },
    split: { type: "boolean", default: false },
    abort: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  });
  if (positionals.length !== 1)
    throw new ShiftPlanError(`give exactly one stack name (got ${positionals.length})\n${usageText(SHIFT_COMMAND)}`);
  const [stack] = positionals;
  if (values.abort) {
    if (values.to !== undefined)
      throw new ShiftPlanError(
        `--abort sends all traffic to the stable color; it takes no --to\n${usageText(SHIFT_COMMAND)}`,
      );
    return { kind: "abort", stack, verbose: values.verbose };
  }
  if (!COLORS.includes(values.to as Color)) {
    throw new ShiftPlanError(
      `--to must be blue or green (got ${values.to === undefined ? "nothing" : JSON.stringify(values.to)})\n${usageText(SHIFT_COMMAND)}`,
    );
  }
  return {
    kind: "shift",
    stack,
    verbose: values.verbose,
    request: {
      target: values.to as Color,
      steps: parseSteps(values.steps),
      pauseMs: parseDuration(values.pause),
      split: values.split,
    },
  };
}
