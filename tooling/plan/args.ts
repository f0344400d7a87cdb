/** Command line of `npm run plan`. */
import { CommandSpec, EXIT, parseCommandLine, UsageError, usageText } from "../cli/command";

export const PLAN_COMMAND: CommandSpec = {
  name: "plan",
  summary:
    "the offline plan of a stack: the real program under deterministic mocks and the real policy pack, no Pulumi CLI or credentials needed",
  usage: ["<stack> [--json [<file>.json]] [--diff <old-plan>.json]"],
  options: [
    {
      flag: "--json [<file>.json]",
      description: "also write the plan as stable JSON (default file: plan-<stack>.json)",
    },
    {
      flag: "--diff <old-plan>.json",
      description: "show what changed since an earlier plan file, resource by resource",
    },
  ],
  exitCodes: [
    EXIT.ok,
    { code: 1, meaning: "a mandatory policy violation blocks the plan (or an unexpected error)" },
    EXIT.usage,
  ],
  examples: [
    "npm run plan -- staging",
    "npm run plan -- production --json base.json",
    "npm run plan -- production --diff base.json",
  ],
};

export interface PlanCommand {
  readonly stack: string;
  /** Where to write the plan file; `--json` alone writes plan-<stack>.json. */
  readonly json?: string;
  /** A plan file to compare with. */
  readonly diff?: string;
}

export function parsePlanArgs(argv: string[]): PlanCommand {
  // `--json` takes a file only when the next word names one, so `--json` alone works.
  const at = argv.indexOf("--json");
  const explicitFile = at >= 0 && argv[at + 1]?.endsWith(".json") === true;
  const rest = at < 0 ? argv : [...argv.slice(0, at), ...argv.slice(at + (explicitFile ? 2 : 1))];
  const parsed = parseCommandLine(PLAN_COMMAND, rest, { diff: { type: "string" } });
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      `give exactly one stack name (got ${parsed.positionals.length ? parsed.positionals.join(" ") : "none"})\n${usageText(PLAN_COMMAND)}`,
    );
  }
  const [stack] = parsed.positionals;
  return {
    stack,
    json: at < 0 ? undefined : explicitFile ? argv[at + 1] : `plan-${stack}.json`,
    diff: parsed.values.diff,
  };
}
