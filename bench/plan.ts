/**
 * Offline plan wall time for staging and production: the command as users
 * run it (`npm run plan -- <stack> --json`, a fresh process each time), and
 * its parts in one process (program under mocks, policy analysis), in ms and
 * ms per registered resource.
 * Run: npx tsx bench/plan.ts
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runProgram } from "../tooling/engine/offlineProgram";
import { offlinePlan } from "../tooling/plan/offlinePlan";
import { startPolicyAnalyzer } from "../tooling/policy/analyzer";
import { PROJECT_DIR } from "../tooling/paths";

const STACKS = ["staging", "production"];
const CLI_RUNS = 2;
const IN_PROCESS_RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function cliPlanMs(stack: string, file: string): number {
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [require.resolve("tsx/cli"), path.join(PROJECT_DIR, "scripts", "plan.ts"), stack, "--json", file],
    { encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`plan ${stack} exited ${result.status}: ${result.stderr}`);
  return performance.now() - started;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-"));
  const [analyzer, packStartMs] = await timed(() => startPolicyAnalyzer());
  console.log(
    `policy pack start (run-policy-pack compiles the pack with ts-node; the CLI overlaps it with the program run): ${packStartMs.toFixed(0)} ms`,
  );
  try {
    for (const stack of STACKS) {
      const file = path.join(dir, `${stack}.json`);
      const cli = Array.from({ length: CLI_RUNS }, () => cliPlanMs(stack, file));
      const resources = (JSON.parse(fs.readFileSync(file, "utf8")) as { resources: unknown[] }).resources.length;

      await offlinePlan(stack, { analyzer }); // warm-up: module loads, JIT, the pack's first analysis
      const program: number[] = [];
      const policy: number[] = [];
      const whole: number[] = [];
      for (let i = 0; i < IN_PROCESS_RUNS; i++) {
        const [run, programMs] = await timed(() => runProgram(stack));
        program.push(programMs);
        policy.push((await timed(() => analyzer.analyze(run.resources)))[1]);
        whole.push((await timed(() => offlinePlan(stack, { analyzer })))[1]);
      }
      // Best of the runs: other load on the machine only ever adds time.
      const cliMs = Math.min(...cli);
      const planMs = median(whole);
      console.log(
        `${stack}: npm run plan (fresh process, policy pack started) best of ${CLI_RUNS}: ${cliMs.toFixed(0)} ms for ${resources} resources = ${(cliMs / resources).toFixed(1)} ms/resource`,
      );
      console.log(
        `${stack}: offline plan in a warm process median of ${IN_PROCESS_RUNS}: ${planMs.toFixed(0)} ms = ${(planMs / resources).toFixed(2)} ms/resource (fresh process costs ${(cliMs / planMs).toFixed(1)}x)`,
      );
      console.log(
        `${stack}: of which program under mocks ${median(program).toFixed(0)} ms (${(median(program) / resources).toFixed(2)} ms/resource), policy analysis ${median(policy).toFixed(0)} ms (${(median(policy) / resources).toFixed(2)} ms/resource)`,
      );
    }
  } finally {
    await analyzer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
