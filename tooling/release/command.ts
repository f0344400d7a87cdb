/**
 * The composition of a release command: the stack through the Automation
 * API, Ctrl-C wired to the release's phase, notifications from the stack's
 * `bluegreen:notify`, the watch on the wall clock, a rollback's direct move
 * on the running data plane, and the last line and exit code. The decisions
 * all live in shift.ts, abort.ts and watchRun.ts.
 */
import * as os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError } from "../../components/config/issues";
import { parseConfig } from "../../components/platforms";
import { selectStack } from "../cli/pulumiCli";
import { releaseEvent } from "../notify/events";
import { createNotifier } from "../notify/notifier";
import { automationReleaseStack } from "./automation";
import { moveDataPlane } from "./dataPlane";
import { Interrupts } from "./interrupts";
import { RELEASE_EXIT, ReleaseOutcome } from "./outcome";
import type { ReleaseSession } from "./session";
import { wallClockWatcher } from "./watcher";

/** How long the end of a command waits for webhooks that are still delivering. */
const NOTIFY_DRAIN_MS = 5000;

export async function runReleaseCommand(
  options: { readonly stack: string; readonly command: string; readonly verbose: boolean },
  run: (session: ReleaseSession) => Promise<ReleaseOutcome>,
): Promise<number> {
  const say = (line: string) => console.log(line);
  const interrupts = new Interrupts((line) => console.error(line));
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => interrupts.onSignal());

  const stack = automationReleaseStack(await selectStack(options.stack, options.command));
  const notifier = createNotifier(await notifySettings(stack), { warn: (line) => console.error(`warning: ${line}`) });
  const session: ReleaseSession = {
    stack,
    now: () => new Date(),
    log: say,
    output: (text) => {
      if (options.verbose) process.stdout.write(text);
    },
    interrupts,
    watcher: wallClockWatcher(say),
    notify: (event) => notifier.notify(releaseEvent(event, new Date())),
    moveDataPlane,
    sleep: (ms) => sleep(ms),
    who: `${os.userInfo().username}@${os.hostname()}`,
  };
  const outcome = await run(session);
  // Webhooks get a bounded wait at the very end; nothing before (a rollback included) ever waits for them.
  const report = await notifier.drain(NOTIFY_DRAIN_MS);
  if (!report.ok) console.error(`warning: some notifications were not delivered (see above)`);
  if (outcome.end === "done") say(outcome.summary);
  else console.error(`${options.command.toUpperCase()} ${outcome.end.toUpperCase()}: ${outcome.summary}`);
  return RELEASE_EXIT[outcome.end].code;
}

/** The stack's webhooks; none when its config is invalid (the command itself reports that). */
async function notifySettings(stack: ReturnType<typeof automationReleaseStack>) {
  try {
    const { values, secretKeys } = await stack.readConfig();
    return parseConfig(values, stack.name, secretKeys).notify;
  } catch (e) {
    if (e instanceof ConfigError) return { webhooks: [], timeoutMs: 5000, retries: 0 };
    throw e;
  }
}
