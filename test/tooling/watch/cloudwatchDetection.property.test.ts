/**
 * How late the AWS watch can see a failure, as a property over when it
 * starts and when the rounds fall: the real CloudWatch client reads the
 * stand-in (testkit/cloudwatchServer.ts, each minute readable 90 s after it
 * ends) on a logical clock, a round every 60 s judged by judgeRound. A
 * candidate answering 500 to 1 request in 10 from second `t0` is a breach
 * no earlier than 120 s (SETTLE_SECONDS: no minute is judged before it
 * settled) and no later than 300 s after `t0` (the rest of the minute it
 * starts in, the next whole minute, its settling, one interval); a healthy
 * candidate is never a breach. docs/aws.md gives the figures.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cloudWatchReader } from "../../../tooling/watch/cloudwatch";
import { PERIOD_SECONDS, SETTLE_SECONDS } from "../../../tooling/watch/cloudwatchMetrics";
import type { CloudWatchSource } from "../../../tooling/watch/cloudwatchTarget";
import { judgeRound } from "../../../tooling/watch/judge";
import type { AlbRequest } from "../../../testkit/cloudwatchServer";
import { color, settings, useCloudWatchServer } from "./fixtures";

const never = new AbortController().signal;
const INTERVAL_SECONDS = 60;
/** The shift's step starts here (a minute boundary); failures start within the 10 minutes after. */
const START = Date.UTC(2026, 11, 7, 12, 0) / 1000;

/** The candidate's requests in the minute from `minute`: 2 a second, 1 in 10 answered 500 from second `failFrom`. */
function candidateMinute(minute: number, failFrom: number): AlbRequest[] {
  return Array.from({ length: 120 }, (_, i): AlbRequest => {
    const at = minute + Math.floor(i / 2);
    return at >= failFrom && i % 10 === 0 ? { status: 500, ms: 5 } : { status: 200, ms: 40 };
  });
}

describe("when the AWS watch sees a failing candidate", () => {
  const rig = useCloudWatchServer();

  /** Seconds from `failFrom` to the first breach, or undefined when none within 15 rounds. */
  async function detection(failFrom: number, phase: number): Promise<number | undefined> {
    rig.server.reset();
    const source: CloudWatchSource = {
      region: rig.server.region,
      loadBalancer: "app/api/0123456789abcdef",
      targetGroups: { blue: "targetgroup/api-blue/0123456789abcdef", green: "targetgroup/api-green/fedcba9876543210" },
      endpoint: rig.server.endpoint,
    };
    for (let minute = START - 600; minute < START + 1800; minute += PERIOD_SECONDS) {
      const hosts = { healthy: 2, unhealthy: 0 };
      rig.server.alb(source.loadBalancer, source.targetGroups.green, minute, {
        requests: candidateMinute(minute, failFrom),
        ...hosts,
      });
      rig.server.alb(source.loadBalancer, source.targetGroups.blue, minute, {
        requests: candidateMinute(minute, Infinity).concat(candidateMinute(minute, Infinity)),
        ...hosts,
      });
    }
    let now = (START + phase) * 1000;
    rig.server.now = () => now;
    const reader = cloudWatchReader(source, { timeoutMs: 5000, intervalSeconds: INTERVAL_SECONDS, now: () => now });
    for (let round = 1; round <= 15; round++) {
      now += INTERVAL_SECONDS * 1000;
      const metrics = await reader.read(never);
      const judged = judgeRound(
        {
          candidate: color("green", { traffic: metrics.green.traffic, backends: metrics.green.backends }),
          stable: color("blue", { traffic: metrics.blue.traffic, backends: metrics.blue.backends }),
        },
        settings(),
      );
      expect(judged.kind, judged.inconclusive.join("; ")).not.toBe("inconclusive");
      if (judged.kind === "breach") return now / 1000 - failFrom;
    }
    return undefined;
  }

  it("breaches between SETTLE_SECONDS and 300 s after the failure starts, whenever it starts and the rounds fall", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 599 }), fc.integer({ min: 0, max: 59 }), async (offset, phase) => {
        const delay = await detection(START + offset, phase);
        expect(delay).toBeDefined();
        expect(delay!).toBeGreaterThanOrEqual(SETTLE_SECONDS);
        expect(delay!).toBeLessThanOrEqual(PERIOD_SECONDS + PERIOD_SECONDS + SETTLE_SECONDS + INTERVAL_SECONDS);
      }),
      { numRuns: 25 },
    );
  });

  it("a healthy candidate is never a breach", async () => {
    expect(await detection(Infinity, 17)).toBeUndefined();
  });
});
