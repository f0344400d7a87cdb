/**
 * What a bench reports, shared by every bench and bench/run.ts: each figure,
 * its goal with where the goal is written (an issue or a doc) or none, and the
 * verdict. A figure without a goal is never counted as passed. Run alone, a
 * bench prints its figures; under `npm run bench` it also hands them to the
 * runner (through the file named by RESULTS_FILE_ENV), which ends with one
 * table of every bench's figures.
 */
import * as fs from "node:fs";

export interface Goal {
  /** The goal as written, e.g. "≤ 100 ms per change". */
  readonly text: string;
  /** Where it is written, e.g. "issue 6". */
  readonly source: string;
  readonly met: boolean;
}

export interface Figure {
  readonly figure: string;
  readonly observed: string;
  /** Absent: nobody set one; the verdict says so. */
  readonly goal?: Goal;
}

export interface BenchResult extends Figure {
  /** The bench file's name without .ts, e.g. "gate". */
  readonly bench: string;
}

export type Verdict = "met" | "MISSED" | "no goal";

export function verdictOf(figure: Figure): Verdict {
  if (figure.goal === undefined) return "no goal";
  return figure.goal.met ? "met" : "MISSED";
}

export const RESULTS_FILE_ENV = "BLUEGREEN_BENCH_RESULTS";

/** Median and spread of repeated runs: fewer than 3 runs is refused, and there is no best-of. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function spreadOf(values: readonly number[]): Spread {
  if (values.length < 3) throw new Error(`a figure needs at least 3 runs, got ${values.length}`);
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** "412 ms (median of 5; min 398, max 430)". */
export function describeSpread(spread: Spread, unit: string, digits = 0): string {
  const f = (value: number) => value.toFixed(digits);
  const suffix = unit === "" ? "" : ` ${unit}`;
  return `${f(spread.median)}${suffix} (median of ${spread.runs}; min ${f(spread.min)}, max ${f(spread.max)})`;
}

/**
 * Prints the bench's figures and, under `npm run bench`, hands them to the
 * runner. A missed goal makes the bench exit 1.
 */
export function report(bench: string, figures: readonly Figure[]): void {
  for (const figure of figures) {
    const goal = figure.goal === undefined ? "" : `goal ${figure.goal.text} (${figure.goal.source}): `;
    console.log(`${figure.figure}: ${figure.observed} [${goal}${verdictOf(figure)}]`);
  }
  if (figures.some((figure) => verdictOf(figure) === "MISSED")) process.exitCode = 1;
  const file = process.env[RESULTS_FILE_ENV];
  if (file === undefined) return;
  const lines = figures.map((figure) => JSON.stringify({ bench, ...figure } satisfies BenchResult));
  fs.appendFileSync(file, lines.map((line) => `${line}\n`).join(""));
}

/** The results every bench of one run handed over, in order. */
export function readResults(file: string): BenchResult[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as BenchResult);
}
