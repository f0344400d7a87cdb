/**
 * Run as its own process by notifier.test.ts: notifies the webhooks given as
 * arguments (format json), drains for 300 ms and prints the report. It never
 * calls process.exit, so it ends only when nothing (a socket, a timer) is
 * left open.
 */
import { createNotifier } from "../../../tooling/notify/notifier";
import { releaseEvent } from "../../../tooling/notify/events";
import { NOW, SAMPLES } from "./samples";

async function main(): Promise<void> {
  const webhooks = process.argv.slice(2).map((url) => ({ url, format: "json" as const }));
  const notifier = createNotifier({ webhooks, timeoutMs: 60_000, retries: 2 }, { warn: (line) => console.error(line) });
  notifier.notify(releaseEvent(SAMPLES["rollback-started"], NOW));
  console.log(JSON.stringify(await notifier.drain(300)));
}

void main();
