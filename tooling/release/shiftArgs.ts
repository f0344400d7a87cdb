/** Command line of `npm run shift`, parsed into what the release engine runs. */
import { CommandSpec, parseCommandLine, usageText } from "../cli/command";
import { Color, COLORS } from "../../components/contracts/colors";
import { RELEASE_EXIT } from "./outcome";
import { parseDuration, parseSteps, ShiftPlanError, ShiftRequest } from "./steps";

export const DEFAULT_STEPS = "10,25,50,100";
export const DEFAULT_PAUSE = "5m";
export const DEFAULT_BAKE = "0";

export const SHIFT_COMMAND: CommandSpec = {
  name: "shift",
  summary:
    "a progressive rollout through the Automation API: one gated `pulumi up` per step, the candidate watched while each step holds and through a bake, rolled back on a breach",
  usage: [
    "<stack> --to <blue|green> [--steps 10,25,approve,50,100] [--pause 5m] [--bake 1h] [--split] [--verbose]",
    "<stack> --continue",
    "<stack> --abort [--verbose]",
  ],
  options: [
    { flag: "--to <blue|green>", description: "the color that gains traffic" },
    {
      flag: "--steps <list>",
      description: `its share after each step, in percent; \`approve\` holds before the next step until --continue (default ${DEFAULT_STEPS})`,
    },
    {
      flag: "--pause <duration>",
      description: `hold between steps, watching (bluegreen:watch): 30s, 5m, 1h or 0 (default ${DEFAULT_PAUSE})`,
    },
    { flag: "--bake <duration>", description: `hold after the last step, watching (default ${DEFAULT_BAKE})` },
    {
      flag: "--split",
      description: "insert intermediate steps where a step exceeds bluegreen:gate.maxStep, instead of refusing",
    },
    {
      flag: "--continue",
      description: "approve the step a shift of this stack waits for (from any machine: the approval is a stack tag)",
    },
    {
      flag: "--abort",
      description:
        "send all traffic back to the stable color at once (never gated, never step-limited); a waiting shift stops",
    },
    { flag: "--verbose", description: "show the engine's output of each `pulumi up`" },
  ],
  exitCodes: Object.values(RELEASE_EXIT),
  examples: [
    "npm run shift -- staging --to green --steps 10,25,50,100 --pause 5m",
    "npm run shift -- production --to green --steps 10,25,approve,50,100 --pause 30m --bake 1h",
    "npm run shift -- production --continue",
    "npm run shift -- production --abort",
  ],
};

export type ShiftCommand =
  | { readonly kind: "shift"; readonly stack: string; readonly request: ShiftRequest; readonly verbose: boolean }
  | { readonly kind: "continue"; readonly stack: string; readonly verbose: boolean }
  | { readonly kind: "abort"; readonly stack: string; readonly verbose: boolean };

/** Throws ShiftPlanError (with the usage) on a bad command line. */
export function parseShiftArgs(argv: string[]): ShiftCommand {
  const { values, positionals } = parseCommandLine(SHIFT_COMMAND, argv, {
    to: { type: "string" },
    steps: { type: "string" },
    pause: { type: "string" },
    bake: { type: "string" },
    split: { type: "boolean", default: false },
    continue: { type: "boolean", default: false },
    abort: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  });
  const usage = (problem: string) => new ShiftPlanError(`${problem}\n${usageText(SHIFT_COMMAND)}`);
  if (positionals.length !== 1) throw usage(`give exactly one stack name (got ${positionals.length})`);
  const [stack] = positionals;
  const shiftOnly = (["to", "steps", "pause", "bake"] as const).filter((flag) => values[flag] !== undefined);
  if (values.abort || values.continue) {
    const flag = values.abort ? "--abort" : "--continue";
    if (values.abort && values.continue) throw usage("give --abort or --continue, not both");
    if (shiftOnly.length > 0 || values.split) {
      throw usage(
        `${flag} answers a running shift; it takes no ${[...shiftOnly, ...(values.split ? ["split"] : [])].map((f) => `--${f}`).join(", ")}`,
      );
    }
    return { kind: values.abort ? "abort" : "continue", stack, verbose: values.verbose };
  }
  if (!COLORS.includes(values.to as Color)) {
    throw usage(`--to must be blue or green (got ${values.to === undefined ? "nothing" : JSON.stringify(values.to)})`);
  }
  try {
    const { steps, approvals } = parseSteps(values.steps ?? DEFAULT_STEPS);
    return {
      kind: "shift",
      stack,
      verbose: values.verbose,
      request: {
        target: values.to as Color,
        steps,
        approvals,
        pauseMs: parseDuration(values.pause ?? DEFAULT_PAUSE),
        bakeMs: parseDuration(values.bake ?? DEFAULT_BAKE, "--bake"),
        split: values.split,
      },
    };
  } catch (e) {
    if (e instanceof ShiftPlanError) throw usage(e.message);
    throw e;
  }
}
