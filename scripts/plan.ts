/** `npm run plan -- <stack> [--json [file]] [--diff old.json]`: see PLAN_COMMAND (tooling/plan/args.ts). */
import "../tooling/plan/withoutSourceMaps";
import "../tooling/plan/deferredSdkModules";
import { UsageError, usageText } from "../tooling/cli/command";
import { runMain } from "../tooling/cli/main";
import { listStacks } from "../tooling/engine/stackFiles";
import { PLAN_COMMAND, parsePlanArgs } from "../tooling/plan/args";
import { startPlanPack } from "../tooling/plan/packBundle";

runMain(async (argv) => {
  const command = parsePlanArgs(argv);
  if (!listStacks().includes(command.stack)) {
    throw new UsageError(
      `no stack file Pulumi.${command.stack}.yaml; known stacks: ${listStacks().join(", ")}\n${usageText(PLAN_COMMAND)}`,
    );
  }
  // The pack starts first, before the SDK and the program load (most of a plan's time), so both go at once.
  const pack = startPlanPack();
  // A pack that fails to start is reported by the plan, which waits for it; an earlier error exits first.
  pack.catch(() => undefined);
  const { runPlanCommand } = await import("../tooling/plan/command");
  return runPlanCommand(command, pack);
});
