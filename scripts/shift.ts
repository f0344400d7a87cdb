/**
 * `npm run shift -- <stack> --to green --steps 10,25,50,100 --pause 5m`:
 * progressive rollout through the Automation API, one `pulumi up` (gated)
 * per step; a failed step puts the previous weights back. `--abort` sends all
 * traffic to the stable color at once. Rerunning resumes from the deployed
 * weights. Exit 0: done; 1: a step (or the CLI) failed; 2: bad command line.
 */
import { parseShiftArgs } from "../tooling/shift/args";
import { automationShiftStack, selectStack } from "../tooling/shift/automation";
import { runAbort, runShift, ShiftIo } from "../tooling/shift/engine";
import { ShiftPlanError } from "../tooling/shift/steps";

async function main(argv: string[]): Promise<number> {
  const command = parseShiftArgs(argv);
  const stack = automationShiftStack(await selectStack(command.stack, "shift"));
  const io: ShiftIo = {
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => console.log(line),
    output: (text) => {
      if (command.verbose) process.stdout.write(text);
    },
  };
  const outcome = command.kind === "abort" ? await runAbort(stack, io) : await runShift(stack, command.request, io);
  if (outcome.ok) return 0;
  console.error(`${command.kind.toUpperCase()} FAILED: ${outcome.reason}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(e instanceof ShiftPlanError ? 2 : 1);
  },
);
