/**
 * `npm run plan -- <stack> [--json [file]] [--diff old.json]`: the offline
 * plan of a stack (real program, deterministic mocks, real policy pack), no
 * Pulumi CLI or credentials needed. Exit 0: plan ok; 1: mandatory policy
 * violations (or an unexpected error); 2: bad command line or stack config.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../components/config/issues";
import { parsePlanArgs, PLAN_USAGE, UsageError } from "../tooling/plan/args";
import type { Plan } from "../tooling/plan/buildPlan";
import { diffPlans, renderDiff } from "../tooling/plan/diff";
import { offlinePlan } from "../tooling/plan/offlinePlan";
import { stableStringify } from "../tooling/plan/stableJson";
import { blockingLine, renderSummary } from "../tooling/plan/summary";
import { listStacks } from "../tooling/engine/stackFiles";

/** Paths on the command line are the user's: relative to where `npm run` was typed. */
function userPath(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

function readPlanFile(file: string): Plan {
  try {
    return JSON.parse(fs.readFileSync(userPath(file), "utf8")) as Plan;
  } catch (e) {
    throw new UsageError(`--diff ${file}: cannot read it as a plan file (${(e as Error).message}); write one with \`npm run plan -- <stack> --json ${file}\``);
  }
}

async function main(argv: string[]): Promise<number> {
  const command = parsePlanArgs(argv);
  if (!listStacks().includes(command.stack)) {
    throw new UsageError(`no stack file Pulumi.${command.stack}.yaml; known stacks: ${listStacks().join(", ")}\n${PLAN_USAGE}`);
  }
  // Read the old plan first: a wrong path should not cost a whole plan run.
  const old = command.diff === undefined ? undefined : readPlanFile(command.diff);
  const plan = await offlinePlan(command.stack);
  console.log(renderSummary(plan));
  if (command.json !== undefined) {
    fs.writeFileSync(userPath(command.json), stableStringify(plan));
    console.log(`\nPlan file written: ${command.json}`);
  }
  if (old !== undefined) console.log(`\n${renderDiff(diffPlans(old, plan), { before: command.diff!, after: `Pulumi.${plan.stack}.yaml now` })}`);
  const blocked = blockingLine(plan);
  if (blocked === undefined) return 0;
  console.error(`\n${blocked}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const expected = e instanceof UsageError || e instanceof ConfigError;
    console.error(expected ? (e as Error).message : e);
    process.exit(expected ? 2 : 1);
  },
);
