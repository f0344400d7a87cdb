/** `npm run status -- <stack> [--offline]`: see STATUS_COMMAND (tooling/status/args.ts). */
import { EXIT, UsageError } from "../tooling/cli/command";
import { runMain } from "../tooling/cli/main";
import { listStacks } from "../tooling/engine/stackFiles";
import { parseStatusArgs, STATUS_COMMAND } from "../tooling/status/args";
import { renderStatus, statusFromOutputs } from "../tooling/status/view";

runMain(async (argv) => {
  // The command line first: `--help` and usage errors answer before the program or the Automation API loads.
  const { stack, offline } = parseStatusArgs(argv);
  if (offline) {
    if (!listStacks().includes(stack))
      throw new UsageError(`no stack file Pulumi.${stack}.yaml; known stacks: ${listStacks().join(", ")}`);
    const { runProgram } = await import("../tooling/engine/offlineProgram");
    const run = await runProgram(stack);
    const source = `offline, from Pulumi.${stack}.yaml: what \`pulumi up\` would set, not what runs`;
    console.log(renderStatus(statusFromOutputs(stack, source, run.outputs)));
    return EXIT.ok.code;
  }
  const { selectStack, stackOutputs } = await import("../tooling/cli/pulumiCli");
  const outputs = await stackOutputs(await selectStack(stack, STATUS_COMMAND.name));
  console.log(renderStatus(statusFromOutputs(stack, "stack outputs of the last update", outputs)));
  return EXIT.ok.code;
});
