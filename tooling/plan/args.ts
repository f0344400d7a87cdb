/** Command line of `npm run plan`. */
import { parseArgs } from "node:util";

export const PLAN_USAGE = "usage: npm run plan -- <stack> [--json [<file>.json]] [--diff <old-plan>.json]";

export interface PlanCommand {
  readonly stack: string;
  /** Where to write the plan file; `--json` alone writes plan-<stack>.json. */
  readonly json?: string;
  /** A plan file to compare with. */
  readonly diff?: string;
}

/** A bad command line: the scripts print it with the usage and exit 2. */
export class UsageError extends Error {}

export function parsePlanArgs(argv: string[]): PlanCommand {
  // `--json` takes a file only when the next word names one, so `--json` alone works.
  const at = argv.indexOf("--json");
  const explicitFile = at >= 0 && argv[at + 1]?.endsWith(".json") === true;
  const rest = at < 0 ? argv : [...argv.slice(0, at), ...argv.slice(at + (explicitFile ? 2 : 1))];
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { diff: { type: "string" } } });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${PLAN_USAGE}`);
  }
  if (parsed.positionals.length !== 1) {
    throw new UsageError(`give exactly one stack name (got ${parsed.positionals.length ? parsed.positionals.join(" ") : "none"})\n${PLAN_USAGE}`);
  }
  const [stack] = parsed.positionals;
  return { stack, json: at < 0 ? undefined : explicitFile ? argv[at + 1] : `plan-${stack}.json`, diff: parsed.values.diff };
}
