/**
 * `npm run bench [-- <filter>]`: see BENCH_COMMAND (bench/command.ts). Each
 * bench runs in its own process and hands its figures over through a file;
 * the run ends with one table of them all.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT } from "../tooling/cli/command";
import { runMain } from "../tooling/cli/main";
import { benchFiles, parseBenchArgs } from "./command";
import { BenchResult, readResults, RESULTS_FILE_ENV, verdictOf } from "./result";

const FAILED_ROW = "(bench failed)";

/** Columns padded to their widest cell. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

runMain(async (argv) => {
  const { filter } = parseBenchArgs(argv);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bluegreen-bench-"));
  const file = path.join(dir, "results.jsonl");
  let failed = 0;
  const rows: BenchResult[] = [];
  try {
    for (const bench of benchFiles(__dirname, filter)) {
      console.log(`\n=== bench/${bench}`);
      const before = readResults(file).length;
      const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(__dirname, bench)], {
        stdio: "inherit",
        env: { ...process.env, [RESULTS_FILE_ENV]: file },
      });
      const name = path.basename(bench, ".ts");
      const own = readResults(file).slice(before);
      rows.push(...own);
      if (own.length === 0) rows.push({ bench: name, figure: "(no figures reported)", observed: "-" });
      const missed = own.some((figure) => verdictOf(figure) === "MISSED");
      if (result.status !== 0 && !missed) {
        failed++;
        rows.push({ bench: name, figure: FAILED_ROW, observed: `exit code ${result.status ?? result.signal}` });
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const verdicts = rows.map((row) => (row.figure === FAILED_ROW ? "FAILED" : verdictOf(row)));
  console.log("\n=== figures");
  console.log(
    table([
      ["bench", "figure", "goal (where it is written)", "observed", "verdict"],
      ...rows.map((row, i) => [
        row.bench,
        row.figure,
        row.goal === undefined ? "none set" : `${row.goal.text} (${row.goal.source})`,
        row.observed,
        verdicts[i],
      ]),
    ]),
  );
  const count = (verdict: string) => verdicts.filter((v) => v === verdict).length;
  console.log(
    `\n${count("met")} met, ${count("MISSED")} missed, ${count("no goal")} without a goal (not counted as passed), ${failed} benches failed`,
  );
  return failed === 0 && count("MISSED") === 0 ? EXIT.ok.code : EXIT.failed.code;
});
