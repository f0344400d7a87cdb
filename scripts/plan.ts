/** `npm run plan -- <stack> [--json [file]] [--diff old.json]`: see PLAN_COMMAND (tooling/plan/args.ts). */
import * as fs from "node:fs";
import * as path from "node:path";
import { EXIT, UsageError, usageText } from "../tooling/cli/command";
import { runMain } from "../tooling/cli/main";
import { listStacks } from "../tooling/engine/stackFiles";
import { PLAN_COMMAND, parsePlanArgs } from "../tooling/plan/args";
import type { Plan } from "../tooling/plan/buildPlan";
import { assertPlanFormat, diffPlans, renderDiff } from "../tooling/plan/diff";
import { gateBlockingLine, judgeAgainstBase, renderJudgement } from "../tooling/plan/gateCheck";
import { offlinePlan } from "../tooling/plan/offlinePlan";
import { stableStringify } from "../tooling/plan/stableJson";
import { blockingLine, renderSummary } from "../tooling/plan/summary";

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

runMain(async (argv) => {
  const command = parsePlanArgs(argv);
  if (!listStacks().includes(command.stack)) {
    throw new UsageError(
      `no stack file Pulumi.${command.stack}.yaml; known stacks: ${listStacks().join(", ")}\n${usageText(PLAN_COMMAND)}`,
    );
  }
  // Read the old plan first: a wrong path should not cost a whole plan run.
  const old = command.diff === undefined ? undefined : readPlanFile(command.diff);
  const plan = await offlinePlan(command.stack);
  console.log(renderSummary(plan));
  if (command.json !== undefined) {
    fs.writeFileSync(userPath(command.json), stableStringify(plan));
    console.log(`\nPlan file written: ${command.json}`);
  }
  const gates = old === undefined ? undefined : judgeAgainstBase(old, plan);
  if (old !== undefined && gates !== undefined) {
    console.log(
      `\n${renderDiff(diffPlans(old, plan), { before: command.diff!, after: `Pulumi.${plan.stack}.yaml now` })}`,
    );
    console.log(`\n${renderJudgement(gates, command.diff!)}`);
  }
  const blocked = [blockingLine(plan), gates && gateBlockingLine(gates)].filter((line) => line !== undefined);
  if (blocked.length === 0) return EXIT.ok.code;
  console.error(`\n${blocked.join("\n")}`);
  return EXIT.failed.code;
});
