/**
 * Sends release events to the webhooks of `bluegreen:notify` without ever
 * holding up the release: `notify` only queues (a rollback never waits for
 * a webhook), each webhook delivers its queue in the background, in order,
 * one event at a time, with `timeoutMs` per attempt and `retries` after a
 * short doubling backoff. A stuck webhook keeps at most `maxQueue` events
 * (the oldest dropped, with a counted warning). Failures become warning
 * lines, never exceptions. `drain` is called at the end of a command: it
 * waits at most `maxWaitMs`, then cancels what is left, so a receiver that
 * hangs cannot keep the process alive.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { NotifySettings } from "../../components/config/watch";
import type { NotifyEvent } from "./events";
import { payloadFor, redactUrl, WebhookFormat } from "./payload";
import { postOnce } from "./post";

export interface NotifierDeps {
  /** Receives one line per problem (a failed delivery, dropped or abandoned events). */
  warn(line: string): void;
  /** Events a webhook may hold waiting behind the one it is delivering. @default 100 */
  readonly maxQueue?: number;
  /** Wait before the first retry, doubled for each next one. @default 500 */
  readonly backoffMs?: number;
}

/** One webhook's tally since the notifier was created. */
export interface WebhookReport {
  /** Scheme and host only: the URL is a credential. */
  readonly webhook: string;
  readonly format: WebhookFormat;
  readonly delivered: number;
  /** Given up after every attempt (or at once on an answer retrying cannot change). */
  readonly failed: number;
  /** Pushed out of a full queue. */
  readonly dropped: number;
  /** Still queued or in flight when a drain ran out of time. */
  readonly abandoned: number;
}

export interface NotifyReport {
  /** Every event reached every webhook. */
  readonly ok: boolean;
  readonly webhooks: readonly WebhookReport[];
  /** Every line given to `warn`, in order. */
  readonly problems: readonly string[];
}

export interface Notifier {
  /** Queues the event for every webhook and returns at once; never throws. */
  notify(event: NotifyEvent): void;
  /** Waits for pending deliveries at most `maxWaitMs`, cancels the rest, and reports. */
  drain(maxWaitMs: number): Promise<NotifyReport>;
}

interface Channel {
  readonly url: string;
  readonly format: WebhookFormat;
  readonly queue: NotifyEvent[];
  running: Promise<void> | undefined;
  readonly tally: { delivered: number; failed: number; dropped: number; abandoned: number };
}

export function createNotifier(settings: NotifySettings, deps: NotifierDeps): Notifier {
  const maxQueue = deps.maxQueue ?? 100;
  const backoffMs = deps.backoffMs ?? 500;
  const urls = settings.webhooks.map((w) => w.url);
  const problems: string[] = [];
  const warn = (line: string) => {
    problems.push(line);
    try {
      deps.warn(line);
    } catch {
      // A broken log sink must not reach the caller either; the line stays in the report.
    }
  };
  const channels: Channel[] = settings.webhooks.map(({ url, format }) => ({
    url,
    format,
    queue: [],
    running: undefined,
    tally: { delivered: 0, failed: 0, dropped: 0, abandoned: 0 },
  }));
  // Replaced after each drain that had to cancel, so the notifier stays usable.
  let cancel = new AbortController();

  /** Delivers one event with retries; false when drain cancelled it. */
  async function deliver(channel: Channel, event: NotifyEvent, signal: AbortSignal): Promise<boolean> {
    const body = payloadFor(event, channel.format, urls);
    const attempts = settings.retries + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const result = await postOnce(channel.url, body, settings.timeoutMs, signal);
      if (result.outcome === "delivered") {
        channel.tally.delivered++;
        return true;
      }
      if (result.outcome === "cancelled") return false;
      if (!result.retry || attempt === attempts) {
        channel.tally.failed++;
        const tries = attempt === 1 ? "1 attempt" : `${attempt} attempts`;
        warn(
          `notify: webhook ${redactUrl(channel.url)} failed after ${tries}: ${result.problem} (${event.type} not delivered)`,
        );
        return true;
      }
      try {
        await sleep(backoffMs * 2 ** (attempt - 1), undefined, { signal });
      } catch {
        return false;
      }
    }
    return true;
  }

  async function pump(channel: Channel, signal: AbortSignal): Promise<void> {
    for (let event = channel.queue.shift(); event; event = channel.queue.shift()) {
      let done: boolean;
      try {
        done = await deliver(channel, event, signal);
      } catch (e) {
        channel.tally.failed++;
        warn(`notify: webhook ${redactUrl(channel.url)}: ${event.type} not sent (${(e as Error).name})`);
        done = true;
      }
      if (!done) {
        // Drain gave up: this event and every one still queued stay undelivered.
        channel.tally.abandoned += 1 + channel.queue.length;
        channel.queue.length = 0;
      }
    }
  }

  function start(channel: Channel): void {
    if (channel.running) return;
    channel.running = pump(channel, cancel.signal).finally(() => {
      channel.running = undefined;
      // An event queued between the pump's last look at the queue and this line would otherwise wait for the next one.
      if (channel.queue.length > 0) start(channel);
    });
  }

  function notify(event: NotifyEvent): void {
    for (const channel of channels) {
      channel.queue.push(event);
      if (channel.queue.length > maxQueue) {
        const oldest = channel.queue.shift();
        channel.tally.dropped++;
        warn(
          `notify: webhook ${redactUrl(channel.url)} is behind by ${maxQueue} events: dropped the oldest waiting (${oldest?.type}); ${channel.tally.dropped} dropped so far`,
        );
      }
      start(channel);
    }
  }

  const pending = () => channels.flatMap((c) => (c.running ? [c.running] : []));
  async function settled(): Promise<void> {
    for (let running = pending(); running.length > 0; running = pending()) await Promise.all(running);
  }

  async function drain(maxWaitMs: number): Promise<NotifyReport> {
    const before = channels.map((c) => c.tally.abandoned);
    const deadline = new AbortController();
    const timer = sleep(maxWaitMs, "timeout" as const, { signal: deadline.signal }).catch(() => "settled" as const);
    const outcome = await Promise.race([settled().then(() => "settled" as const), timer]);
    deadline.abort();
    if (outcome === "timeout") {
      cancel.abort();
      // Every wait inside a delivery listens to `cancel`, so the pumps end within a few ticks.
      await settled();
      cancel = new AbortController();
      channels.forEach((c, i) => {
        const left = c.tally.abandoned - before[i];
        if (left > 0) {
          warn(
            `notify: webhook ${redactUrl(c.url)}: ${left} event${left === 1 ? "" : "s"} still undelivered after waiting ${maxWaitMs} ms at the end (cancelled)`,
          );
        }
      });
    }
    return report();
  }

  function report(): NotifyReport {
    const webhooks = channels.map((c) => ({ webhook: redactUrl(c.url), format: c.format, ...c.tally }));
    const ok = webhooks.every((w) => w.failed + w.dropped + w.abandoned === 0);
    return { ok, webhooks, problems: [...problems] };
  }

  return {
    notify(event) {
      try {
        notify(event);
      } catch (e) {
        warn(`notify: ${event?.type ?? "event"} not queued (${(e as Error).name})`);
      }
    },
    drain,
  };
}
