/** Command line of `npm run bench` and which files of bench/ are benches. */
import * as fs from "node:fs";
import { CommandSpec, EXIT, parseCommandLine, UsageError, usageText } from "../tooling/cli/command";

export const BENCH_COMMAND: CommandSpec = {
  name: "bench",
  summary:
    "runs the benchmarks in bench/ one after the other (they measure wall time, so never in parallel) and ends with one table: figure, goal and where it is written, observed, verdict",
  usage: ["[<filter>]"],
  options: [{ flag: "<filter>", description: "only the benches whose file name contains it (default: all)" }],
  exitCodes: [
    { code: 0, meaning: "every bench ran and no goal was missed (figures without a goal are listed as such)" },
    { code: 1, meaning: "a bench failed or a figure missed its goal" },
    EXIT.usage,
  ],
  examples: ["npm run bench", "npm run bench -- gate"],
};

/** Files of bench/ that are not benches: the runner and what the benches share. */
const HELPERS = ["run.ts", "command.ts", "result.ts"];

export function parseBenchArgs(argv: string[]): { readonly filter: string } {
  const { positionals } = parseCommandLine(BENCH_COMMAND, argv, {});
  if (positionals.length > 1)
    throw new UsageError(`give at most one filter (got ${positionals.join(" ")})\n${usageText(BENCH_COMMAND)}`);
  return { filter: positionals[0] ?? "" };
}

/** The bench files in `dir` whose name contains `filter`, sorted. */
export function benchFiles(dir: string, filter: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".ts") && !HELPERS.includes(file) && file.includes(filter))
    .sort();
}
