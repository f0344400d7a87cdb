/**
 * The notifier against real receivers on 127.0.0.1: what they record, and
 * that a receiver that is down or hangs never holds up the caller. Order
 * of events is checked, not clocks; the only clock is drain's own bound.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EventInput, NotifyEvent, releaseEvent } from "../../../tooling/notify/events";
import { createNotifier, NotifierDeps } from "../../../tooling/notify/notifier";
import { WebhookFormat } from "../../../tooling/notify/payload";
import { Receiver, refusedUrl, startReceiver } from "../../../testkit/webhookReceiver";
import { NOW, SAMPLES } from "./samples";

/** The Slack-style secret part of every webhook URL here: it must never show. */
const SECRET_PATH = "/services/T000/B000/s3cr3t?token=abc";

const receivers: Receiver[] = [];
async function receiver(script: Parameters<typeof startReceiver>[0] = {}): Promise<Receiver> {
  const r = await startReceiver(script);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function notifierFor(
  webhooks: { url: string; format?: WebhookFormat }[],
  options: { timeoutMs?: number; retries?: number } & Partial<NotifierDeps> = {},
) {
  const warnings: string[] = [];
  const { timeoutMs = 5000, retries = 2, ...deps } = options;
  const notifier = createNotifier(
    { webhooks: webhooks.map(({ url, format = "json" }) => ({ url, format })), timeoutMs, retries },
    { backoffMs: 10, ...deps, warn: (line) => warnings.push(line) },
  );
  return { notifier, warnings };
}

const event = (input: EventInput): NotifyEvent => releaseEvent(input, NOW);
const step = (n: number) =>
  event({
    ...SAMPLES["step-started"],
    type: "step-started",
    step: { number: n, of: 20, weights: { blue: 50, green: 50 } },
  });
const stepOf = (body: string) => (JSON.parse(body) as { step: { number: number } }).step.number;

describe("delivery to a local receiver", () => {
  it("json: POSTs the event as application/json, recorded exactly", async () => {
    const r = await receiver();
    const { notifier, warnings } = notifierFor([{ url: r.url(SECRET_PATH) }]);
    const breach = event(SAMPLES.breach);
    notifier.notify(breach);
    const report = await notifier.drain(30_000);
    expect(r.requests).toHaveLength(1);
    const [received] = r.requests;
    expect(received).toMatchObject({ method: "POST", url: SECRET_PATH, body: JSON.stringify(breach) });
    expect(received.headers["content-type"]).toBe("application/json");
    expect(received.headers.connection).toBe("close");
    expect(JSON.parse(received.body)).toEqual(breach);
    expect(report).toEqual({
      ok: true,
      webhooks: [{ webhook: r.url(""), format: "json", delivered: 1, failed: 0, dropped: 0, abandoned: 0 }],
      problems: [],
    });
    expect(warnings).toEqual([]);
  });

  it("slack: POSTs {text} to a Slack-compatible webhook, recorded exactly", async () => {
    const r = await receiver();
    const { notifier } = notifierFor([{ url: r.url(SECRET_PATH), format: "slack" }]);
    notifier.notify(event(SAMPLES["rolled-back"]));
    await notifier.drain(30_000);
    expect(r.requests.map((q) => q.body)).toEqual([
      JSON.stringify({
        text: ":leftwards_arrow_with_hook: *staging* shift rolled-back: rolled back to blue 90% / green 10%: error rate 12.3 % &gt; 5.0 %",
      }),
    ]);
    expect(r.requests[0].headers["content-type"]).toBe("application/json");
  });

  it("retries a 500 and delivers the event once, without a warning", async () => {
    const r = await receiver({ statuses: [500] });
    const { notifier, warnings } = notifierFor([{ url: r.url("/hook") }]);
    notifier.notify(event(SAMPLES.completed));
    const report = await notifier.drain(30_000);
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1].body).toBe(r.requests[0].body);
    expect(report.webhooks[0]).toMatchObject({ delivered: 1, failed: 0 });
    expect(report.ok).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("gives up after 1 + retries attempts, and at once on an answer retrying cannot change", async () => {
    const down = await receiver({ statuses: [503, 503, 503] });
    const gone = await receiver({ statuses: [404] });
    const { notifier, warnings } = notifierFor([{ url: down.url(SECRET_PATH) }, { url: gone.url(SECRET_PATH) }]);
    notifier.notify(event(SAMPLES.approved));
    const report = await notifier.drain(30_000);
    expect(down.requests).toHaveLength(3);
    expect(gone.requests).toHaveLength(1);
    expect(warnings.sort()).toEqual(
      [
        `notify: webhook ${down.url("")} failed after 3 attempts: HTTP 503 (approved not delivered)`,
        `notify: webhook ${gone.url("")} failed after 1 attempt: HTTP 404 (not retried: the webhook refuses the request) (approved not delivered)`,
      ].sort(),
    );
    expect(report.ok).toBe(false);
    expect(report.webhooks.map((w) => w.failed)).toEqual([1, 1]);
  });

  it("keeps each webhook's events in order, a retried one included", async () => {
    const r = await receiver({ statuses: [200, 200, 500, 200, 503] });
    const { notifier } = notifierFor([{ url: r.url("/hook") }]);
    for (let n = 1; n <= 10; n++) notifier.notify(step(n));
    const report = await notifier.drain(30_000);
    expect(r.requests.map((q) => stepOf(q.body))).toEqual([1, 2, 3, 3, 4, 4, 5, 6, 7, 8, 9, 10]);
    expect(report.webhooks[0].delivered).toBe(10);
  });
});

describe("a webhook that is down or hangs", () => {
  it("down (connection refused): notify returns at once; drain reports the failure with scheme and host only", async () => {
    const url = await refusedUrl(SECRET_PATH);
    const { notifier, warnings } = notifierFor([{ url }]);
    expect(notifier.notify(event(SAMPLES["rollback-started"]))).toBeUndefined();
    const report = await notifier.drain(30_000);
    const origin = new URL(url).origin;
    expect(warnings).toEqual([
      `notify: webhook ${origin} failed after 3 attempts: connection refused (rollback-started not delivered)`,
    ]);
    expect(report.problems).toEqual(warnings);
    expect(report.webhooks).toEqual([
      { webhook: origin, format: "json", delivered: 0, failed: 1, dropped: 0, abandoned: 0 },
    ]);
  });

  it("hangs: a rollback between two notifications completes while the receiver still holds the first one", async () => {
    const hung = await receiver({ hold: true });
    const { notifier, warnings } = notifierFor([{ url: hung.url(SECRET_PATH) }], { timeoutMs: 60_000 });
    const order: string[] = [];

    notifier.notify(event(SAMPLES["rollback-started"]));
    order.push(`notify returned, receiver has ${hung.requests.length}`);
    await hung.waitFor(1);
    order.push(`receiver holds ${hung.held()}`);
    // The rollback itself (a pulumi up in real life): a round trip through the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    notifier.notify(event(SAMPLES["rolled-back"]));
    order.push(`rolled back, receiver still holds ${hung.held()}, has ${hung.requests.length}`);

    expect(order).toEqual([
      "notify returned, receiver has 0",
      "receiver holds 1",
      "rolled back, receiver still holds 1, has 1",
    ]);

    // The attempt's own timeout is 60 s: drain gives up at its 200 ms bound and abandons what is left.
    const report = await notifier.drain(200);
    expect(report.webhooks[0]).toMatchObject({ delivered: 0, failed: 0, abandoned: 2 });
    expect(warnings).toEqual([
      `notify: webhook ${hung.url("")}: 2 events still undelivered after waiting 200 ms at the end (cancelled)`,
    ]);
    // The cancelled request does not linger: the receiver sees its connection close.
    await hung.connectionsClosed();
  });

  it("a hung webhook does not hold up another one", async () => {
    const hung = await receiver({ hold: true });
    const ok = await receiver();
    const { notifier } = notifierFor([{ url: hung.url("/a") }, { url: ok.url("/b"), format: "slack" }], {
      timeoutMs: 60_000,
    });
    for (let n = 1; n <= 3; n++) notifier.notify(step(n));
    await Promise.all([ok.waitFor(3), hung.waitFor(1)]);
    // All three reached the other webhook while this one still holds the first.
    expect([hung.held(), hung.requests.length]).toEqual([1, 1]);
    const report = await notifier.drain(100);
    expect(report.webhooks.map((w) => [w.delivered, w.abandoned])).toEqual([
      [0, 3],
      [3, 0],
    ]);
  });

  it("a stuck webhook holds at most maxQueue events: the oldest waiting are dropped and counted", async () => {
    const stuck = await receiver({ hold: true });
    const { notifier, warnings } = notifierFor([{ url: stuck.url(SECRET_PATH) }], { timeoutMs: 60_000, maxQueue: 3 });
    for (let n = 1; n <= 10; n++) notifier.notify(step(n));
    expect(warnings).toHaveLength(6);
    expect(warnings[0]).toBe(
      `notify: webhook ${stuck.url("")} is behind by 3 events: dropped the oldest waiting (step-started); 1 dropped so far`,
    );
    expect(warnings[5]).toMatch(/; 6 dropped so far$/);
    await stuck.waitFor(1);
    stuck.release();
    const report = await notifier.drain(30_000);
    // Event 1 was in flight; 2..7 were pushed out by 8, 9 and 10.
    expect(stuck.requests.map((q) => stepOf(q.body))).toEqual([1, 8, 9, 10]);
    expect(report.webhooks[0]).toMatchObject({ delivered: 4, dropped: 6, abandoned: 0 });
    expect(report.ok).toBe(false);
  });

  it("no warning, report or payload shows a URL's path, query or secret", async () => {
    const hung = await receiver({ hold: true });
    const gone = await receiver({ statuses: [401] });
    const urls = [await refusedUrl(SECRET_PATH), hung.url(SECRET_PATH), gone.url(SECRET_PATH)];
    const { notifier, warnings } = notifierFor(
      urls.map((url) => ({ url })),
      { timeoutMs: 60_000, maxQueue: 1, retries: 0 },
    );
    const leaky = event({ ...SAMPLES["rollback-failed"], type: "rollback-failed", error: `cannot reach ${urls[2]}` });
    for (let n = 0; n < 3; n++) notifier.notify(leaky);
    // maxQueue 1: each webhook gets the first event and the last, the middle one is dropped.
    await gone.waitFor(2);
    const report = await notifier.drain(100);
    const shown = [
      ...warnings,
      JSON.stringify(report),
      ...hung.requests.map((q) => q.body),
      ...gone.requests.map((q) => q.body),
    ];
    for (const kind of ["connection refused", "HTTP 401", "dropped the oldest waiting", "(cancelled)"]) {
      expect(warnings.some((line) => line.includes(kind))).toBe(true);
    }
    for (const text of shown) {
      expect(text).not.toContain("s3cr3t");
      expect(text).not.toContain("token");
      expect(text).not.toContain("/services/");
    }
    expect(gone.requests[0].body).toContain(`cannot reach ${gone.url("")}`);
  });

  it("after drain, nothing of a hung delivery keeps the process alive", async () => {
    const hung = await receiver({ hold: true });
    const ok = await receiver();
    const script = path.join(__dirname, "drainExit.ts");
    const child = spawn(process.execPath, [require.resolve("tsx/cli"), script, hung.url("/a"), ok.url("/b")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    // Without the cancellation this waits for the 60 s attempt timeout and the test times out.
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect({ code, stderr }).toEqual({
      code: 0,
      stderr: `notify: webhook ${hung.url("")}: 1 event still undelivered after waiting 300 ms at the end (cancelled)\n`,
    });
    expect(JSON.parse(stdout).webhooks.map((w: { delivered: number }) => w.delivered)).toEqual([0, 1]);
  });
});
