/**
 * The offline plan as users run it (`npm run plan -- <stack> --json`, a fresh
 * process each time, policy pack started) for staging and production, side
 * by side with its floor: the same runner (tsx) running a file that only
 * imports @pulumi/pulumi and @pulumi/aws. The plan defers two modules of the
 * SDK (tooling/plan/deferredSdkModules.ts), so the same imports with that
 * deferral are timed too. Runs alternate, so load on the machine falls on all
 * alike. Then the parts in one warm process: the pack's
 * start (through run-policy-pack, and from the plan's cached bundle), the
 * program under mocks, the policy analysis and the whole plan.
 * Every figure is the median of its runs with the spread; none is a best-of.
 * Run: npx tsx bench/plan.ts
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runProgram } from "../tooling/engine/offlineProgram";
import { offlinePlan } from "../tooling/plan/offlinePlan";
import { startPlanPack } from "../tooling/plan/packBundle";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../tooling/policy/analyzer";
import { PROJECT_DIR } from "../tooling/paths";
import { describeSpread, Figure, report, spreadOf } from "./result";

const STACKS = ["staging", "production"];
const FRESH_RUNS = 5;
const IN_PROCESS_RUNS = 5;
/** Issue 17, item 1: a fresh plan within 1.3× the floor. */
const FLOOR_RATIO_GOAL = 1.3;
const FLOOR_PROGRAM = 'import "@pulumi/pulumi"; import "@pulumi/aws";';
/** The same imports after the plan's stand-ins (tooling/plan/deferredSdkModules.ts), as the plan loads the SDK. */
const DEFERRED_FLOOR_PROGRAM = `import "./tooling/plan/deferredSdkModules"; ${FLOOR_PROGRAM}`;

/** Wall time of `tsx <args>` in a fresh process, from the project directory. */
function freshMs(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), ...args], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`tsx ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return performance.now() - started;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-"));
  const figures: Figure[] = [];
  try {
    const floor: number[] = [];
    const deferredFloor: number[] = [];
    const fresh: Record<string, number[]> = Object.fromEntries(STACKS.map((stack) => [stack, []]));
    for (let i = 0; i < FRESH_RUNS; i++) {
      floor.push(freshMs(["-e", FLOOR_PROGRAM]));
      deferredFloor.push(freshMs(["-e", DEFERRED_FLOOR_PROGRAM]));
      for (const stack of STACKS) {
        fresh[stack].push(
          freshMs([path.join(PROJECT_DIR, "scripts", "plan.ts"), stack, "--json", path.join(dir, `${stack}.json`)]),
        );
      }
    }
    const floorSpread = spreadOf(floor);
    figures.push({
      figure: "floor: tsx running a file that only imports @pulumi/pulumi and @pulumi/aws, fresh process",
      observed: describeSpread(floorSpread, "ms"),
    });
    const deferredSpread = spreadOf(deferredFloor);
    figures.push({
      figure:
        "the same imports with the plan's stand-ins for TypeScript and Arborist (the plan loads the SDK this way, so it can beat the floor)",
      observed: `${describeSpread(deferredSpread, "ms")} = ${(deferredSpread.median / floorSpread.median).toFixed(2)}× the floor`,
    });
    for (const stack of STACKS) {
      const resources = (
        JSON.parse(fs.readFileSync(path.join(dir, `${stack}.json`), "utf8")) as { resources: unknown[] }
      ).resources.length;
      const plan = spreadOf(fresh[stack]);
      const ratio = plan.median / floorSpread.median;
      figures.push({
        figure: `${stack}: \`npm run plan -- ${stack} --json\`, fresh process, policy pack started (${resources} resources), against the floor`,
        observed:
          `${describeSpread(plan, "ms")} = ${ratio.toFixed(2)}× the floor, ` +
          `${(plan.median / deferredSpread.median).toFixed(2)}× the imports with stand-ins`,
        goal: { text: `≤ ${FLOOR_RATIO_GOAL}× the floor`, source: "issue 17, item 1", met: ratio <= FLOOR_RATIO_GOAL },
      });
    }

    const starts: number[] = [];
    let analyzer: PolicyAnalyzer | undefined;
    for (let i = 0; i < 3; i++) {
      await analyzer?.stop();
      const [started, ms] = await timed(() => startPolicyAnalyzer());
      analyzer = started;
      starts.push(ms);
    }
    figures.push({
      figure: "policy pack start in a warm process through run-policy-pack (compiles and type-checks the pack)",
      observed: describeSpread(spreadOf(starts), "ms"),
    });
    // The fresh plans above left the bundle in the cache.
    const bundled: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [pack, ms] = await timed(() => startPlanPack());
      bundled.push(ms);
      await pack.stop();
    }
    figures.push({
      figure:
        "policy pack start in a warm process from the plan's cached bundle (the plan command overlaps it with loading and running the program)",
      observed: describeSpread(spreadOf(bundled), "ms"),
    });
    try {
      for (const stack of STACKS) figures.push(...(await inProcess(stack, analyzer!)));
    } finally {
      await analyzer!.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  report("plan", figures);
}

/** The plan's parts in a warm process, the pack already running. */
async function inProcess(stack: string, analyzer: PolicyAnalyzer): Promise<Figure[]> {
  await offlinePlan(stack, { analyzer }); // warm-up: module loads, JIT, the pack's first analysis
  const program: number[] = [];
  const policy: number[] = [];
  const whole: number[] = [];
  let resources = 0;
  for (let i = 0; i < IN_PROCESS_RUNS; i++) {
    const [run, programMs] = await timed(() => runProgram(stack));
    resources = run.resources.length;
    program.push(programMs);
    policy.push((await timed(() => analyzer.analyze(run.resources)))[1]);
    whole.push((await timed(() => offlinePlan(stack, { analyzer })))[1]);
  }
  const perResource = (values: number[]) => `${(spreadOf(values).median / resources).toFixed(2)} ms/resource`;
  return [
    {
      figure: `${stack}: offline plan in a warm process, pack running (${resources} resources)`,
      observed: `${describeSpread(spreadOf(whole), "ms")} = ${perResource(whole)}`,
    },
    {
      figure: `${stack}: of which the program under mocks (runProgram)`,
      observed: `${describeSpread(spreadOf(program), "ms")} = ${perResource(program)}`,
    },
    {
      figure: `${stack}: of which the policy analysis`,
      observed: `${describeSpread(spreadOf(policy), "ms")} = ${perResource(policy)}`,
    },
  ];
}

main().then(
  () => process.exit(),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
