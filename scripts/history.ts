/** `npm run history -- <stack> [--json] [--limit N]`: see HISTORY_COMMAND (tooling/history/args.ts). */
import { EXIT } from "../tooling/cli/command";
import { runMain } from "../tooling/cli/main";
import { HISTORY_COMMAND, parseHistoryArgs } from "../tooling/history/args";
import { asRehearsalReport } from "../components/contracts/rehearsalReport";
import { releaseRows } from "../tooling/history/rows";
import { historyJson, renderHistoryTable } from "../tooling/history/view";

runMain(async (argv) => {
  // The command line first: `--help` and usage errors answer before the Automation API loads.
  const { stack, json, limit } = parseHistoryArgs(argv);
  const { selectStack, stackOutputs } = await import("../tooling/cli/pulumiCli");
  const selected = await selectStack(stack, HISTORY_COMMAND.name);
  // Secrets stay encrypted: the rows read versions and weights only, and a secret key shows as [secret].
  const entries = await selected.history(limit, 1, false);
  const rehearsal = asRehearsalReport((await stackOutputs(selected)).rehearsal);
  const view = { stack, rows: releaseRows(entries), limit, rehearsal };
  console.log(json ? historyJson(view) : renderHistoryTable(view));
  return EXIT.ok.code;
});
