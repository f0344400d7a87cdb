/** Command line of `npm run history`. */
import { CommandSpec, EXIT, parseCommandLine, UsageError, usageText } from "../cli/command";

export const DEFAULT_LIMIT = 20;

export const HISTORY_COMMAND: CommandSpec = {
  name: "history",
  summary:
    "the stack's updates, newest first: when, the engine's result, versions and weights, and the release record (step, gate verdicts, watch outcome) each one carries",
  usage: ["<stack> [--json] [--limit N]"],
  options: [
    { flag: "--json", description: "print a JSON document instead of the table (format: docs/operations.md, History)" },
    { flag: "--limit <N>", description: `the N newest updates (default ${DEFAULT_LIMIT})` },
  ],
  exitCodes: [
    EXIT.ok,
    { code: 1, meaning: "the history could not be read (no CLI, no such stack, no access to its backend)" },
    EXIT.usage,
  ],
  examples: ["npm run history -- production", "npm run history -- staging --json --limit 50"],
};

export interface HistoryCommand {
  readonly stack: string;
  readonly json: boolean;
  readonly limit: number;
}

export function parseHistoryArgs(argv: string[]): HistoryCommand {
  const { values, positionals } = parseCommandLine(HISTORY_COMMAND, argv, {
    json: { type: "boolean", default: false },
    limit: { type: "string", default: String(DEFAULT_LIMIT) },
  });
  if (positionals.length !== 1)
    throw new UsageError(`give exactly one stack name (got ${positionals.length})\n${usageText(HISTORY_COMMAND)}`);
  if (!/^[1-9]\d*$/.test(values.limit))
    throw new UsageError(
      `--limit is a whole number above 0 (got ${JSON.stringify(values.limit)})\n${usageText(HISTORY_COMMAND)}`,
    );
  return { stack: positionals[0], json: values.json, limit: Number(values.limit) };
}
