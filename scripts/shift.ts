/** `npm run shift -- <stack> --to green --steps 10,25,50,100 --pause 5m`: see SHIFT_COMMAND (tooling/shift/args.ts). */
import { EXIT } from "../tooling/cli/command";
import { runMain } from "../tooling/cli/main";
import { selectStack } from "../tooling/cli/pulumiCli";
import { parseShiftArgs, SHIFT_COMMAND } from "../tooling/shift/args";
import { automationShiftStack } from "../tooling/shift/automation";
import { runAbort, runShift, ShiftIo } from "../tooling/shift/engine";

runMain(async (argv) => {
  const command = parseShiftArgs(argv);
  const stack = automationShiftStack(await selectStack(command.stack, SHIFT_COMMAND.name));
  const io: ShiftIo = {
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => console.log(line),
    output: (text) => {
      if (command.verbose) process.stdout.write(text);
    },
  };
  const outcome = command.kind === "abort" ? await runAbort(stack, io) : await runShift(stack, command.request, io);
  if (outcome.ok) return EXIT.ok.code;
  console.error(`${command.kind.toUpperCase()} FAILED: ${outcome.reason}`);
  return EXIT.failed.code;
});
