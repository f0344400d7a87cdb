/**
 * What the AWS watch makes of the ALB's metrics, as properties: the minutes
 * rounds judge (pure: every settled minute once, none unsettled), where the
 * stack's outputs say CloudWatch has them (pure), and, through the real SDK
 * client against the CloudWatch stand-in, that whatever mix of answers a
 * minute had, the figures are its true counts and p95, and a minute with no
 * request is no data, never 0 requests.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cloudWatchReader } from "../../../tooling/watch/cloudwatch";
import { PERIOD_SECONDS, roundWindow, SETTLE_SECONDS } from "../../../tooling/watch/cloudwatchMetrics";
import { cloudWatchSourceOf, elbDimension } from "../../../tooling/watch/cloudwatchTarget";
import type { StackOutputs } from "../../../components/contracts/outputs";
import { hasNoData } from "../../../tooling/watch/samples";
import type { AlbRequest } from "../../../testkit/cloudwatchServer";
import { useCloudWatchServer } from "./fixtures";

const never = new AbortController().signal;

describe("the minutes each round judges", () => {
  it("with rounds at least a period apart, every settled minute is judged exactly once and none before it settled", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }),
        fc.integer({ min: 60, max: 600 }),
        fc.array(fc.integer({ min: 0, max: 240 }), { minLength: 1, maxLength: 20 }),
        (start, intervalSeconds, lateness) => {
          let now = start;
          let judgedUntil: number | undefined;
          let first: number | undefined;
          for (const late of lateness) {
            now += intervalSeconds + late;
            const window = roundWindow(now * 1000, intervalSeconds, judgedUntil);
            first ??= window.startSeconds;
            expect(window.startSeconds % PERIOD_SECONDS).toBe(0);
            expect(window.endSeconds).toBeLessThanOrEqual(now - SETTLE_SECONDS);
            expect(window.endSeconds).toBeGreaterThan(now - SETTLE_SECONDS - PERIOD_SECONDS);
            if (judgedUntil !== undefined) expect(window.startSeconds).toBe(judgedUntil);
            expect(window.endSeconds).toBeGreaterThan(window.startSeconds);
            judgedUntil = window.endSeconds;
          }
          expect(judgedUntil! - first!).toBeGreaterThan(0);
        },
      ),
    );
  });

  it("with rounds closer than a period, a round without a new settled minute judges the newest again", () => {
    const now = Date.UTC(2026, 11, 7, 12, 0, 30);
    const window = roundWindow(now, 10);
    expect(roundWindow(now + 10_000, 10, window.endSeconds)).toEqual(window);
  });
});

describe("where the stack's outputs say CloudWatch has the metrics", () => {
  const arn = (resource: string, region = "eu-west-1") =>
    `arn:aws:elasticloadbalancing:${region}:123456789012:${resource}`;
  const outputs = (resourceIds: Record<string, string>) => ({ platform: "aws", resourceIds }) as StackOutputs;

  it("takes the dimensions from the ARNs' resource parts and the region from the ARNs", () => {
    expect(
      cloudWatchSourceOf(
        outputs({
          loadBalancerArn: arn("loadbalancer/app/api-lb/50dc6c495c0c9188"),
          "blue.targetGroupArn": arn("targetgroup/api-blue/73e2d6bc24d8a067"),
          "green.targetGroupArn": arn("targetgroup/api-green/6d0ecf831eec9f09"),
        }),
      ),
    ).toEqual({
      region: "eu-west-1",
      loadBalancer: "app/api-lb/50dc6c495c0c9188",
      targetGroups: { blue: "targetgroup/api-blue/73e2d6bc24d8a067", green: "targetgroup/api-green/6d0ecf831eec9f09" },
    });
  });

  it("names what is missing or wrong: a network load balancer, an absent output, two regions", () => {
    expect(elbDimension(arn("loadbalancer/net/api-nlb/50dc6c495c0c9188"), "load balancer")).toBeUndefined();
    expect(
      cloudWatchSourceOf(
        outputs({
          loadBalancerArn: arn("loadbalancer/net/api-nlb/50dc6c495c0c9188"),
          "blue.targetGroupArn": arn("targetgroup/api-blue/73e2d6bc24d8a067"),
        }),
      ),
    ).toEqual({
      problem:
        'the stack has `resourceIds.loadBalancerArn` "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/api-nlb/50dc6c495c0c9188", ' +
        "not the ARN of an application load balancer and has no `resourceIds.green.targetGroupArn` output, so where CloudWatch has its load " +
        "balancer's metrics is unknown: run `pulumi up` with this version of the program first",
    });
    expect(
      cloudWatchSourceOf(
        outputs({
          loadBalancerArn: arn("loadbalancer/app/api-lb/50dc6c495c0c9188"),
          "blue.targetGroupArn": arn("targetgroup/api-blue/73e2d6bc24d8a067", "us-east-1"),
          "green.targetGroupArn": arn("targetgroup/api-green/6d0ecf831eec9f09"),
        }),
      ),
    ).toEqual({
      problem: "the stack's load balancer and target groups are in different regions (eu-west-1, us-east-1)",
    });
  });
});

describe("a minute's figures through the stand-in", () => {
  const rig = useCloudWatchServer();
  const NOW_MS = Date.UTC(2026, 11, 7, 12, 0, 10);
  const MINUTE = Date.UTC(2026, 11, 7, 11, 57) / 1000;
  const source = {
    region: "eu-west-1",
    loadBalancer: "app/api/50dc6c495c0c9188",
    targetGroups: { blue: "targetgroup/api-blue/73e2d6bc24d8a067", green: "targetgroup/api-green/6d0ecf831eec9f09" },
  };

  const request: fc.Arbitrary<AlbRequest> = fc.oneof(
    fc.record({ status: fc.constantFrom(200, 201, 302, 404, 429, 500, 503), ms: fc.integer({ min: 1, max: 5000 }) }),
    fc.constant({ status: "refused" as const }),
  );
  const hosts = fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined });

  it("are the minute's true counts, p95 and hosts; no request is no data", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { maxLength: 300 }), hosts, hosts, async (requests, healthy, unhealthy) => {
        rig.server.reset();
        rig.server.now = () => NOW_MS;
        rig.server.alb(source.loadBalancer, source.targetGroups.green, MINUTE, { requests, healthy, unhealthy });
        const reader = cloudWatchReader(
          { ...source, endpoint: rig.server.endpoint },
          { timeoutMs: 5000, intervalSeconds: 60, now: () => NOW_MS },
        );
        const { green } = await reader.read(never);
        const answered = requests.flatMap((r) => (r.status === "refused" ? [] : [r.ms ?? 0]));
        if (requests.length === 0) {
          expect(hasNoData(green.traffic)).toBe(true);
        } else {
          const sorted = [...answered].sort((a, b) => a - b);
          expect(green.traffic).toMatchObject({
            source: "cloudwatch",
            requests: requests.length,
            errors5xx: requests.filter((r) => r.status === "refused" || r.status >= 500).length,
            errors4xx: requests.filter((r) => r.status !== "refused" && r.status >= 400 && r.status < 500).length,
            p95Ms:
              sorted.length === 0
                ? { noData: expect.stringContaining("no TargetResponseTime") }
                : sorted[Math.ceil(0.95 * sorted.length) - 1],
          });
        }
        if (healthy === undefined && unhealthy === undefined) expect(hasNoData(green.backends)).toBe(true);
        else expect(green.backends).toMatchObject({ healthy: healthy ?? 0, total: (healthy ?? 0) + (unhealthy ?? 0) });
      }),
      { numRuns: 40 },
    );
  });
});
