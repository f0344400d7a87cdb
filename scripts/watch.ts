/** `npm run watch -- <stack> --for 1h [--no-rollback]`: see WATCH_COMMAND (tooling/release/watchArgs.ts). */
import { runMain } from "../tooling/cli/main";
import { ensureOwnProcessGroup } from "../tooling/cli/processGroup";
import { runReleaseCommand } from "../tooling/release/command";
import { parseWatchArgs, WATCH_COMMAND } from "../tooling/release/watchArgs";
import { runWatchCommand } from "../tooling/release/watchRun";

runMain(async (argv) => {
  await ensureOwnProcessGroup();
  const command = parseWatchArgs(argv);
  return runReleaseCommand({ stack: command.stack, command: WATCH_COMMAND.name, verbose: command.verbose }, (session) =>
    runWatchCommand(session, command),
  );
});
