/**
 * Issue 15's proof on one machine: `runShift` with the real wall-clock
 * watcher against a scripted local stack whose `up` moves real HAProxy's
 * weights through the HaproxyWeights provider in Pulumi's real
 * dynamic-provider host, two real loopback apps behind it and users' requests
 * through it all along; the real notifier posts to a recording receiver, one
 * that is down and one that hangs. The watch rounds every second, so time is
 * counted in rounds, never asserted on a clock: the machine may be slow.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getWeights } from "../../../components/docker/haproxyRuntime";
import { LoadSample, ReleaseRig, startLoad, startReleaseRig } from "../../../testkit/releaseRig";
import { breachTimeline, runRelease } from "../../../testkit/releaseRun";
import type { Received } from "../../../testkit/webhookReceiver";
import { refusedUrl, startReceiver } from "../../../testkit/webhookReceiver";

/** Rounds every second; 10 requests make a round (the most the probes can send in half a second at 20/s). */
const WATCH = { intervalSeconds: 1, minSamples: 10 };
/** About 100 requests a round for each color at 50/50. */
const LOAD_PER_SECOND = 200;
/** Green starts failing right after this round's verdict in the pause. */
const FAULT_AFTER_ROUND = 2;
/** Generous for a loaded CI machine; nothing here waits for a time to pass. */
const TIMEOUT_MS = 180_000;

const typeOf = (request: Received) => (JSON.parse(request.body) as { type: string }).type;
const answered = (samples: readonly LoadSample[], after: number) => samples.filter((s) => s.sent > after);

describe("a shift on the local router, watched for real (issue 15)", () => {
  let rig: ReleaseRig;
  beforeAll(async () => {
    rig = await startReleaseRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it(
    "GIVEN green fails 1 request in 10 from the pause's third round THEN the breach comes at most one round after the round of the first failure, " +
      "traffic is back on blue, and webhooks that are down or hang delay nothing",
    async () => {
      const [recorder, hung] = await Promise.all([startReceiver(), startReceiver({ hold: true })]);
      const down = await refusedUrl("/hook");
      const load = startLoad(rig.routerUrl, LOAD_PER_SECOND);
      let atRollback: { hungHeld: number; hungGot: string[] } | undefined;
      try {
        rig.apps.green.failEvery(undefined);
        const run = await runRelease({
          rig,
          deployed: { blue: 100, green: 0 },
          request: { target: "green", steps: [50, 100], pauseMs: 600_000, split: false },
          watch: WATCH,
          // The down webhook retries its first event for minutes (10 retries, doubling from 0.5 s); the hung one holds it 60 s.
          notify: { webhooks: [recorder.url("/hook"), down, hung.url("/hook")], timeoutMs: 60_000, retries: 10 },
          onRound: (round) => {
            if (round.hold === 1 && round.round === FAULT_AFTER_ROUND) rig.apps.green.failEvery(10);
          },
          onApplied: (update) => {
            if (!update.policies) atRollback = { hungHeld: hung.held(), hungGot: hung.requests.map(typeOf) };
          },
        });
        const firstFailureAt = rig.apps.green.firstFailureAt;
        expect(firstFailureAt).toBeDefined();

        // The breach and where traffic is, as the command reports it: observed versus limit.
        expect(run.outcome.end).toBe("breach");
        expect(run.outcome.weights).toEqual({ blue: 100, green: 0 });
        const observed =
          /green error rate [\d.]+ % \((\d+) of (\d+) requests through the router\) > 5 % \(bluegreen:watch\.maxErrorRate\)/.exec(
            run.outcome.summary,
          );
        expect(observed, run.outcome.summary).not.toBeNull();
        expect(run.outcome.summary).toContain("Traffic was rolled back to blue 100% / green 0%");

        // Counted in rounds: failures began after round 2's verdict; the breach is at most one round after the round that saw the first.
        const timeline = breachTimeline(run, firstFailureAt!);
        expect(timeline, run.lines.map((l) => l.line).join("\n")).toBeDefined();
        expect(timeline!.failingRound).toBeGreaterThan(FAULT_AFTER_ROUND);
        expect(timeline!.breachRound).toBeGreaterThanOrEqual(timeline!.failingRound);
        expect(timeline!.breachRound).toBeLessThanOrEqual(timeline!.failingRound + 1);
        expect(run.rounds.every((r) => r.hold === 1 && r.color === "green")).toBe(true);

        // The step reached 50/50, then the rollback put 100/0 back without the policy pack, through the real provider.
        expect(run.stack.updates.map((u) => [u.policies, u.traffic, u.applied])).toEqual([
          [true, { blue: 100, green: 0 }, { blue: 100, green: 0 }],
          [true, { blue: 50, green: 50 }, { blue: 50, green: 50 }],
          [false, { blue: 100, green: 0 }, { blue: 100, green: 0 }],
        ]);
        expect(await getWeights(rig.admin, rig.backend)).toEqual({ blue: 100, green: 0 });

        // The rollback moved HAProxy through its runtime API (the stack's trafficRoute output) before the recording up.
        expect(timeline!.directMoveMs).toBeDefined();
        expect(timeline!.stableAt).toBeLessThan(run.stack.updates[2].at);
        const order = ["stack config: blue 100%", "data plane: HAProxy backend", "recording blue 100%"].map((start) =>
          run.lines.findIndex((l) => l.line.includes(start)),
        );
        expect(
          order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1])),
          JSON.stringify(order),
        ).toBe(true);

        // Users: green answered before the rollback (with its 500s); every request sent after the direct move reached blue.
        const rolledBackAt = timeline!.stableAt;
        await load.sentAfter(rolledBackAt, 100);
        const before = load.samples.filter((s) => s.sent < rolledBackAt);
        expect(before.some((s) => s.color === "green")).toBe(true);
        expect(before.some((s) => s.status === 500)).toBe(true);
        const after = answered(load.samples, rolledBackAt);
        expect(after.filter((s) => s.color !== "blue")).toEqual([]);
        expect(load.samples.filter((s) => s.error !== undefined || (s.status !== 200 && s.status !== 500))).toEqual([]);

        // The rollback's update completed while the hung webhook still held the first event it ever got,
        expect(atRollback).toEqual({ hungHeld: 1, hungGot: expect.arrayContaining(["step-started"]) });
        expect(new Set(atRollback!.hungGot)).toEqual(new Set(["step-started"]));
        // and the command ended while the down one was still retrying its first event (it gives up on none).
        expect(run.warnings).toEqual([]);

        // The recording webhook got every event, in order, with the breach's figures.
        await recorder.waitFor(5);
        expect(recorder.requests.map(typeOf)).toEqual([
          "step-started",
          "step-done",
          "breach",
          "rollback-started",
          "rolled-back",
        ]);
        const breach = JSON.parse(recorder.requests[2].body);
        const [, errors, requests] = observed!.map(Number);
        expect(breach).toMatchObject({
          weights: { blue: 50, green: 50 },
          breaches: [{ check: "maxErrorRate", observed: errors / requests, limit: 0.05 }],
        });
        expect(JSON.parse(recorder.requests[4].body).weights).toEqual({ blue: 100, green: 0 });

        // The end of the command waits a bounded time, then cancels what the down and hung webhooks never took.
        const report = await run.notifier.drain(100);
        expect(report.webhooks.map((w) => [w.delivered, w.failed, w.abandoned])).toEqual([
          [5, 0, 0],
          [0, 0, 5],
          [0, 0, 5],
        ]);
      } finally {
        rig.apps.green.failEvery(undefined);
        hung.release();
        await Promise.all([load.stop(), recorder.close(), hung.close()]);
      }
    },
    TIMEOUT_MS,
  );

  it(
    "GIVEN a healthy green THEN the same shift (3 s pause, 2 s bake) completes on healthy rounds without a rollback, and users then reach green only",
    async () => {
      const recorder = await startReceiver();
      const load = startLoad(rig.routerUrl, LOAD_PER_SECOND);
      try {
        rig.apps.green.failEvery(undefined);
        const run = await runRelease({
          rig,
          deployed: { blue: 100, green: 0 },
          request: { target: "green", steps: [50, 100], pauseMs: 3_000, bakeMs: 2_000, split: false },
          watch: WATCH,
          notify: { webhooks: [recorder.url("/hook")] },
        });

        expect(run.outcome).toEqual({
          end: "done",
          summary: "shift complete: blue 0% / green 100%",
          weights: { blue: 0, green: 100 },
        });
        // Step 50/50, step 0/100, and the bake's record-only update (nothing to change in HAProxy).
        expect(run.stack.updates.map((u) => [u.policies, u.traffic, u.applied])).toEqual([
          [true, { blue: 100, green: 0 }, { blue: 100, green: 0 }],
          [true, { blue: 50, green: 50 }, { blue: 50, green: 50 }],
          [true, { blue: 0, green: 100 }, { blue: 0, green: 100 }],
          [true, { blue: 0, green: 100 }, undefined],
        ]);
        expect(await getWeights(rig.admin, rig.backend)).toEqual({ blue: 0, green: 100 });

        // Two holds (the pause, the bake), each ended on a healthy round, none breached.
        const holds = [1, 2].map((hold) => run.rounds.filter((r) => r.hold === hold));
        expect(holds.map((rounds) => rounds.at(-1)?.kind)).toEqual(["healthy", "healthy"]);
        expect(run.rounds.filter((r) => r.kind === "breach")).toEqual([]);
        expect(run.rounds.length).toBeGreaterThanOrEqual(5);

        const lastAt = run.stack.updates[2].at;
        await load.sentAfter(lastAt, 100);
        expect(answered(load.samples, lastAt).filter((s) => s.color !== "green")).toEqual([]);
        expect(load.samples.filter((s) => s.status !== 200)).toEqual([]);

        await recorder.waitFor(5);
        expect(recorder.requests.map(typeOf)).toEqual([
          "step-started",
          "step-done",
          "step-started",
          "step-done",
          "completed",
        ]);
        expect((await run.notifier.drain(5_000)).ok).toBe(true);
      } finally {
        await Promise.all([load.stop(), recorder.close()]);
      }
    },
    TIMEOUT_MS,
  );
});
