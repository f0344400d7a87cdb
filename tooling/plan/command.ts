/**
 * `npm run plan -- <stack> [--json [file]] [--diff old.json]` once its command line is checked and its
 * policy pack started (scripts/plan.ts): the plan, its summary, the plan file, the diff, the gates and the
 * release guard.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EXIT, UsageError } from "../cli/command";
import type { PackProcess } from "../policy/packProcess";
import type { PlanCommand } from "./args";
import type { Plan } from "./buildPlan";
import { assertPlanFormat, diffPlans, renderDiff } from "./diff";
import { gateBlockingLine, judgeAgainstBase, renderJudgement } from "./gateCheck";
import { guardBlockingLine, judgeGuardAgainstBase, renderGuardJudgement } from "./guardCheck";
import { offlinePlan } from "./offlinePlan";
import { stableStringify } from "./stableJson";
import { blockingLine, renderSummary } from "./summary";

/** Paths on the command line are the user's: relative to where `npm run` was typed. */
function userPath(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

function readPlanFile(file: string): Plan {
  try {
    const plan = JSON.parse(fs.readFileSync(userPath(file), "utf8")) as Plan;
    assertPlanFormat(plan, "old");
    return plan;
  } catch (e) {
    throw new UsageError(
      `--diff ${file}: cannot read it as a plan file (${(e as Error).message}); write one with \`npm run plan -- <stack> --json ${file}\``,
    );
  }
}

/** Runs the plan with `pack` (stopped at its end, or killed when the process exits) and returns the exit code. */
export async function runPlanCommand(command: PlanCommand, pack: Promise<PackProcess>): Promise<number> {
  // Read the old plan first: a wrong path should not cost a whole plan run.
  const old = command.diff === undefined ? undefined : readPlanFile(command.diff);
  const plan = await offlinePlan(command.stack, { pack });
  console.log(renderSummary(plan));
  if (command.json !== undefined) {
    fs.writeFileSync(userPath(command.json), stableStringify(plan));
    console.log(`\nPlan file written: ${command.json}`);
  }
  const gates = old === undefined ? undefined : judgeAgainstBase(old, plan);
  const guards = old === undefined ? undefined : judgeGuardAgainstBase(old, plan);
  if (old !== undefined && gates !== undefined && guards !== undefined) {
    console.log(
      `\n${renderDiff(diffPlans(old, plan), { before: command.diff!, after: `Pulumi.${plan.stack}.yaml now` })}`,
    );
    console.log(`\n${renderJudgement(gates, command.diff!)}`);
    console.log(`\n${renderGuardJudgement(guards, command.diff!)}`);
  }
  const blocked = [blockingLine(plan), gates && gateBlockingLine(gates), guards && guardBlockingLine(guards)].filter(
    (line) => line !== undefined,
  );
  if (blocked.length === 0) return EXIT.ok.code;
  console.error(`\n${blocked.join("\n")}`);
  return EXIT.failed.code;
}
