/**
 * The AWS stacks' traffic source: the real `@aws-sdk/client-cloudwatch`
 * client over loopback HTTP against a CloudWatch stand-in
 * (testkit/cloudwatchServer.ts) that publishes what an ALB publishes: counts
 * only when not zero, TargetResponseTime per answered request, host counts
 * per minute. Every failure (throttling, a 500, a metric's error status, a
 * slow answer) is no data, judged inconclusive: never a pass, never a throw.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { judgeRound } from "../../../tooling/watch/judge";
import { cloudWatchReader } from "../../../tooling/watch/cloudwatch";
import type { ColorMetrics } from "../../../tooling/watch/cloudwatchMetrics";
import { cloudWatchSourceOf, CloudWatchSource } from "../../../tooling/watch/cloudwatchTarget";
import { hasNoData, UserTraffic } from "../../../tooling/watch/samples";
import { AlbRequest, CloudWatchServer } from "../../../testkit/cloudwatchServer";
import { color, settings } from "./fixtures";

const never = new AbortController().signal;
/** A round at 12:00:10 UTC judges the minute 11:57–11:58, the newest that settled (SETTLE_SECONDS 120). */
const NOW_MS = Date.UTC(2026, 11, 7, 12, 0, 10);
const JUDGED_MINUTE = Date.UTC(2026, 11, 7, 11, 57) / 1000;

const requests = (count: number, request: AlbRequest): AlbRequest[] => Array.from({ length: count }, () => request);
const ok = (count: number, ms = 40) => requests(count, { status: 200, ms });

describe("the CloudWatch reader against the stand-in", () => {
  let server: CloudWatchServer;
  let source: CloudWatchSource;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = await CloudWatchServer.start();
    // The SDK's default chain, as on a runner with a role: here static keys the stand-in ignores.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "secret" });
    const loadBalancerArn = server.loadBalancerArn("api");
    const found = cloudWatchSourceOf({
      platform: "aws",
      primaryColor: "blue",
      weights: { blue: 90, green: 10 },
      trafficPercent: { blue: 90, green: 10 },
      versions: { blue: "1.0.0", green: "1.1.0" },
      resourceIds: {
        loadBalancerArn,
        "blue.targetGroupArn": server.targetGroupArn("api-blue"),
        "green.targetGroupArn": server.targetGroupArn("api-green"),
      },
    } as never);
    if ("problem" in found) throw new Error(found.problem);
    source = { ...found, endpoint: server.endpoint };
  });
  afterEach(() => {
    server.reset();
    server.now = () => NOW_MS;
  });
  afterAll(async () => {
    process.env = saved;
    await server?.stop();
  });

  const publish = (which: "blue" | "green", minute: Parameters<CloudWatchServer["alb"]>[3], at = JUDGED_MINUTE) =>
    server.alb(source.loadBalancer, source.targetGroups[which], at, minute);
  const read = (options: { timeoutMs?: number; intervalSeconds?: number; now?: () => number } = {}) =>
    cloudWatchReader(source, {
      timeoutMs: options.timeoutMs ?? 5000,
      intervalSeconds: options.intervalSeconds ?? 60,
      now: options.now ?? (() => NOW_MS),
    }).read(never);
  const traffic = (metrics: ColorMetrics): UserTraffic => {
    if (hasNoData(metrics.traffic)) throw new Error(`no data: ${metrics.traffic.noData}`);
    return metrics.traffic as UserTraffic;
  };
  const judged = (metrics: Record<"blue" | "green", ColorMetrics>) =>
    judgeRound(
      {
        candidate: color("green", { traffic: metrics.green.traffic, backends: metrics.green.backends }),
        stable: color("blue", { traffic: metrics.blue.traffic, backends: metrics.blue.backends }),
      },
      settings(),
    );

  it("reads counts the ALB left out as 0 when requests are published, and a missing RequestCount as no data", async () => {
    server.now = () => NOW_MS;
    publish("green", { requests: ok(200), healthy: 2, unhealthy: 0 });
    publish("blue", { requests: [], healthy: 2, unhealthy: 0 });
    const metrics = await read();
    expect(traffic(metrics.green)).toMatchObject({ source: "cloudwatch", requests: 200, errors5xx: 0, errors4xx: 0 });
    expect(traffic(metrics.green).p95Ms).toBe(40);
    expect(metrics.blue.traffic).toEqual({
      source: "cloudwatch",
      noData: expect.stringMatching(/no RequestCount for targetgroup\/api-blue\//),
    });
    // The one GetMetricData carries both colors' metrics with the dimensions the ALB publishes under.
    const [call] = server.calls("GetMetricData");
    expect(call.MetricDataQueries).toHaveLength(14);
    expect(call.MetricDataQueries[0].MetricStat.Metric.Dimensions).toEqual([
      { Name: "TargetGroup", Value: source.targetGroups.blue },
      { Name: "LoadBalancer", Value: source.loadBalancer },
    ]);
    // A stable color with no data is no reference: the candidate's healthy figures still count.
    expect(judged(metrics).kind).toBe("healthy");
  });

  it("counts 5xx and requests the target never answered, and breaches on 1 in 10", async () => {
    server.now = () => NOW_MS;
    publish("green", {
      requests: [...ok(90), ...requests(6, { status: 500, ms: 10 }), ...requests(4, { status: "refused" })],
      healthy: 2,
      unhealthy: 0,
    });
    publish("blue", { requests: ok(900), healthy: 2, unhealthy: 0 });
    const metrics = await read();
    expect(traffic(metrics.green)).toMatchObject({ requests: 100, errors5xx: 10, errors4xx: 0 });
    expect(traffic(metrics.green).detail).toMatch(/HTTPCode_Target_5XX_Count 6 \+ TargetConnectionErrorCount 4/);
    const judgement = judged(metrics);
    expect(judgement.kind).toBe("breach");
    expect(judgement.breaches.map((b) => b.measure)).toContain("error rate");
  });

  it("reads the p95 of user requests as TargetResponseTime's extended statistic, so 1 slow request in 4 breaches", async () => {
    server.now = () => NOW_MS;
    publish("green", { requests: [...ok(75, 50), ...ok(25, 2500)], healthy: 2, unhealthy: 0 });
    publish("blue", { requests: ok(300, 50), healthy: 2, unhealthy: 0 });
    const metrics = await read();
    expect(traffic(metrics.green).p95Ms).toBe(2500);
    expect(traffic(metrics.blue).p95Ms).toBe(50);
    const p95Query = server
      .calls("GetMetricData")[0]
      .MetricDataQueries.find((q: { Id: string }) => q.Id === "green_p95");
    expect(p95Query.MetricStat).toMatchObject({ Stat: "p95", Metric: { MetricName: "TargetResponseTime" } });
    const judgement = judged(metrics);
    expect(judgement.breaches.map((b) => b.measure)).toEqual(["p95 latency"]);
  });

  it("counts 4xx, judged against the stable color's share", async () => {
    server.now = () => NOW_MS;
    publish("green", { requests: requests(100, { status: 404, ms: 5 }), healthy: 2, unhealthy: 0 });
    publish("blue", { requests: [...ok(95), ...requests(5, { status: 404, ms: 5 })], healthy: 2, unhealthy: 0 });
    const metrics = await read();
    expect(traffic(metrics.green)).toMatchObject({ requests: 100, errors5xx: 0, errors4xx: 100 });
    expect(judged(metrics).breaches.map((b) => b.measure)).toEqual(["4xx rate"]);
  });

  it("a candidate whose every task is unhealthy has no healthy backend, published as 0 or left out", async () => {
    server.now = () => NOW_MS;
    publish("green", { requests: [], healthy: 0, unhealthy: 3 });
    publish("blue", { requests: ok(300), healthy: 2, unhealthy: 0 });
    let metrics = await read();
    expect(metrics.green.backends).toMatchObject({ healthy: 0, total: 3 });
    // No request reached it (the ALB routes around unhealthy targets), yet the round is a breach, not inconclusive.
    expect(judged(metrics).breaches.map((b) => b.measure)).toEqual(["no healthy backend"]);

    server.reset();
    server.now = () => NOW_MS;
    publish("green", { requests: [], unhealthy: 3 });
    metrics = await read();
    expect(metrics.green.backends).toMatchObject({ healthy: 0, total: 3 });
    expect((metrics.green.backends as { detail: string }).detail).toMatch(/HealthyHostCount not published \(0\)/);
  });

  it("judges only settled minutes, each round the minutes since the previous one", async () => {
    let now = NOW_MS;
    server.now = () => now;
    // The minute in progress has a burst of 5xx that CloudWatch does not have whole yet: not judged.
    publish("green", { requests: ok(100), healthy: 1, unhealthy: 0 });
    publish("green", { requests: requests(50, { status: 500, ms: 5 }), healthy: 1 }, JUDGED_MINUTE + 60);
    const reader = cloudWatchReader(source, { timeoutMs: 5000, intervalSeconds: 60, now: () => now });
    expect(traffic((await reader.read(never)).green)).toMatchObject({ requests: 100, errors5xx: 0 });
    now += 60_000;
    expect(traffic((await reader.read(never)).green)).toMatchObject({ requests: 50, errors5xx: 50 });
    const [first, second] = server.calls("GetMetricData");
    expect([first.StartTime, first.EndTime]).toEqual([JUDGED_MINUTE, JUDGED_MINUTE + 60]);
    expect([second.StartTime, second.EndTime]).toEqual([JUDGED_MINUTE + 60, JUDGED_MINUTE + 120]);
  });

  it("follows NextToken pages to the whole series", async () => {
    server.now = () => NOW_MS;
    server.pageSize = 3;
    for (const minute of [0, 60, 120])
      publish("green", { requests: ok(10), healthy: 1, unhealthy: 0 }, JUDGED_MINUTE - minute);
    const metrics = await read({ intervalSeconds: 180 });
    expect(traffic(metrics.green).requests).toBe(30);
    expect(server.calls("GetMetricData").length).toBeGreaterThan(1);
  });

  it("a metric CloudWatch answers with an error status is no data for the color, naming the metric", async () => {
    server.now = () => NOW_MS;
    server.fault("HTTPCode_Target_5XX_Count", "InternalError", "try again");
    publish("green", { requests: ok(100), healthy: 1, unhealthy: 0 });
    const metrics = await read();
    expect(metrics.green.traffic).toEqual({
      source: "cloudwatch",
      noData: "GetMetricData gave HTTPCode_Target_5XX_Count (Sum) with status InternalError: InternalError: try again",
    });
    expect(judged(metrics).kind).toBe("inconclusive");
  });

  it.each(["Throttling", "InternalServiceError"] as const)(
    "CloudWatch refusing every request (%s) is no data for both colors: inconclusive, not a pass",
    async (kind) => {
      server.now = () => NOW_MS;
      server.refuse(Infinity, kind);
      publish("green", { requests: ok(100), healthy: 1, unhealthy: 0 });
      const metrics = await read();
      for (const which of ["blue", "green"] as const) {
        expect(metrics[which].traffic).toMatchObject({
          source: "cloudwatch",
          noData: expect.stringMatching(
            new RegExp(
              `^GetMetricData in eu-west-1: .*${kind === "Throttling" ? "Rate exceeded" : "Internal service error"}`,
            ),
          ),
        });
        expect(metrics[which].backends).toHaveProperty("noData");
      }
      // The SDK's own retries were made before giving up.
      expect(server.calls("GetMetricData").length).toBeGreaterThan(1);
      expect(judged(metrics).kind).toBe("inconclusive");
    },
  );

  it("one throttled request is retried by the SDK, and the round has its data", async () => {
    server.now = () => NOW_MS;
    server.refuse(1, "Throttling");
    publish("green", { requests: ok(100), healthy: 1, unhealthy: 0 });
    expect(traffic((await read()).green).requests).toBe(100);
  });

  it("no answer within gate.requestTimeoutMs is no data, and the next round reads those minutes", async () => {
    let now = NOW_MS;
    server.now = () => now;
    server.answerDelayMs = 1000;
    publish("green", { requests: ok(100), healthy: 1, unhealthy: 0 });
    const reader = cloudWatchReader(source, { timeoutMs: 200, intervalSeconds: 60, now: () => now });
    const metrics = await reader.read(never);
    expect(metrics.green.traffic).toEqual({
      source: "cloudwatch",
      noData: "GetMetricData in eu-west-1: no answer within 200 ms (gate.requestTimeoutMs)",
    });
    expect(judged(metrics).kind).toBe("inconclusive");
    server.answerDelayMs = 0;
    now += 60_000;
    await reader.read(never);
    expect(server.calls("GetMetricData").at(-1).StartTime).toBe(JUDGED_MINUTE);
  });
});
