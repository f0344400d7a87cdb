/** `npm run shift -- <stack> --to green --steps 10,25,approve,50,100 --pause 5m --bake 1h`: see SHIFT_COMMAND (tooling/release/shiftArgs.ts). */
import { runMain } from "../tooling/cli/main";
import { ensureOwnProcessGroup } from "../tooling/cli/processGroup";
import { runAbort, runContinue } from "../tooling/release/abort";
import { runReleaseCommand } from "../tooling/release/command";
import { runShift } from "../tooling/release/shift";
import { parseShiftArgs, SHIFT_COMMAND } from "../tooling/release/shiftArgs";

runMain(async (argv) => {
  await ensureOwnProcessGroup();
  const command = parseShiftArgs(argv);
  return runReleaseCommand(
    { stack: command.stack, command: SHIFT_COMMAND.name, verbose: command.verbose },
    (session) => {
      switch (command.kind) {
        case "abort":
          return runAbort(session);
        case "continue":
          return runContinue(session);
        case "shift":
          return runShift(session, command.request);
      }
    },
  );
});
