/** `npm run shift -- <stack> --to green --steps 10,25,approve,50,100 --pause 5m --bake 1h`: see SHIFT_COMMAND (tooling/release/shiftArgs.ts). */
import { runMain } from "../tooling/cli/main";
import { parseShiftArgs, SHIFT_COMMAND } from "../tooling/release/shiftArgs";

runMain(async (argv) => {
  // The command line first: `--help` and usage errors answer before the Automation API loads.
  const command = parseShiftArgs(argv);
  const [{ ensureOwnProcessGroup }, { runAbort, runContinue }, { runReleaseCommand }, { runShift }] = await Promise.all(
    [
      import("../tooling/cli/processGroup"),
      import("../tooling/release/abort"),
      import("../tooling/release/command"),
      import("../tooling/release/shift"),
    ],
  );
  await ensureOwnProcessGroup();
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
