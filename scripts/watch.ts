/** `npm run watch -- <stack> --for 1h [--no-rollback]`: see WATCH_COMMAND (tooling/release/watchArgs.ts). */
import { runMain } from "../tooling/cli/main";
import { parseWatchArgs, WATCH_COMMAND } from "../tooling/release/watchArgs";

runMain(async (argv) => {
  // The command line first: `--help` and usage errors answer before the Automation API loads.
  const command = parseWatchArgs(argv);
  const [{ ensureOwnProcessGroup }, { runReleaseCommand }, { runWatchCommand }] = await Promise.all([
    import("../tooling/cli/processGroup"),
    import("../tooling/release/command"),
    import("../tooling/release/watchRun"),
  ]);
  await ensureOwnProcessGroup();
  return runReleaseCommand({ stack: command.stack, command: WATCH_COMMAND.name, verbose: command.verbose }, (session) =>
    runWatchCommand(session, command),
  );
});
