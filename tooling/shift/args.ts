/** Command line of `npm run shift`, parsed into a request the engine runs. */
import { parseArgs } from "node:util";
import { Color } from "../../components/contracts/colors";
import { COLORS } from "../../components/contracts/colors";
import { parseDuration, parseSteps, ShiftPlanError, ShiftRequest } from "./steps";

export const SHIFT_USAGE = [
  "usage: npm run shift -- <stack> --to <blue|green> [--steps 10,25,50,100] [--pause 5m] [--split] [--verbose]",
  "       npm run shift -- <stack> --abort [--verbose]",
].join("\n");

export type ShiftCommand =
  | { readonly kind: "shift"; readonly stack: string; readonly request: ShiftRequest; readonly verbose: boolean }
  | { readonly kind: "abort"; readonly stack: string; readonly verbose: boolean };

export const DEFAULT_STEPS = "10,25,50,100";
export const DEFAULT_PAUSE = "5m";

/** Throws ShiftPlanError (with the usage) on a bad command line. */
export function parseShiftArgs(argv: string[]): ShiftCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        to: { type: "string" },
        steps: { type: "string", default: DEFAULT_STEPS },
        pause: { type: "string", default: DEFAULT_PAUSE },
        split: { type: "boolean", default: false },
        abort: { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
      },
    });
  } catch (e) {
    throw new ShiftPlanError(`${(e as Error).message}\n${SHIFT_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new ShiftPlanError(`give exactly one stack name (got ${positionals.length})\n${SHIFT_USAGE}`);
  const [stack] = positionals;
  if (values.abort) {
    if (values.to !== undefined) throw new ShiftPlanError(`--abort sends all traffic to the stable color; it takes no --to\n${SHIFT_USAGE}`);
    return { kind: "abort", stack, verbose: values.verbose };
  }
  if (!COLORS.includes(values.to as Color)) {
    throw new ShiftPlanError(`--to must be blue or green (got ${values.to === undefined ? "nothing" : JSON.stringify(values.to)})\n${SHIFT_USAGE}`);
  }
  return {
    kind: "shift",
    stack,
    verbose: values.verbose,
    request: { target: values.to as Color, steps: parseSteps(values.steps), pauseMs: parseDuration(values.pause), split: values.split },
  };
}
