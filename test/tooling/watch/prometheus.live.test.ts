/**
 * The cloud stacks' samplers over real HTTP on loopback: the Prometheus
 * query against a stand-in Prometheus API (testkit/faultServer.ts:
 * `/api/v1/query` answers by the words in the query), and the watch's probes
 * against apps that answer, fail, hang or refuse. Every failure is data or
 * "no data: why", never a throw; no data is judged inconclusive.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gateSettingsSchema } from "../../../components/gate/settings";
import { judgeRound } from "../../../tooling/watch/judge";
import type { WatchPlan } from "../../../tooling/watch/plan";
import { createWatchSampler } from "../../../tooling/watch/sampler";
import { probeColor } from "../../../tooling/watch/probes";
import { prometheusRate } from "../../../tooling/watch/prometheus";
import type { ProbeReading, TrafficReading } from "../../../tooling/watch/samples";
import { FaultServer, startFaultServer } from "../../../testkit/faultServer";
import { probes, round, settings } from "./fixtures";

const never = new AbortController().signal;
const gate = gateSettingsSchema.parse({ requestTimeoutMs: 300, p95LatencyMs: 300 });

describe("the Prometheus sampler", () => {
  let server: FaultServer;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server?.close());

  const rate = (query: string, timeoutMs = 300) =>
    prometheusRate({ url: server.url(""), query }, "green", timeoutMs, never);
  const judged = (traffic: TrafficReading) => judgeRound(round({ traffic, probes: probes(20) }), settings());

  it("sends the query with {color} filled in, and reads the value", async () => {
    const reading = await rate('low_errors{color="{color}"}');
    expect(reading).toEqual({ source: "prometheus", errorRate: 0.001, query: 'low_errors{color="green"}' });
    expect(server.queries.at(-1)).toBe('low_errors{color="green"}');
    expect(judged(reading).kind).toBe("healthy");
  });

  it("a value above the limit is a breach", async () => {
    expect(judged(await rate('high_errors{color="{color}"}')).breaches.map((b) => b.text)).toEqual([
      "green error rate 20 % (Prometheus) > 5 % (bluegreen:watch.maxErrorRate)",
    ]);
  });

  it.each([
    ["an empty vector", "empty", /the query returned no series \(empty result\) \(query empty\{color="green"\}\)/],
    ["NaN (0/0: no requests)", "nan", /no finite sample value \(got "NaN"\)/],
    ["HTTP 503", "broken", /^HTTP 503, status "error"/],
    ["a rate below 0", "negative", /not a ratio/],
    [
      "no answer within the timeout",
      "hang",
      /timed out after \d+ ms without an answer \(gate.requestTimeoutMs 300 ms\)/,
    ],
  ])("%s is no data, and the round inconclusive", async (_what, word, why) => {
    const reading = await rate(`${word}{color="{color}"}`);
    expect(reading).toEqual({ source: "prometheus", noData: expect.stringMatching(why) });
    expect(judged(reading).kind).toBe("inconclusive");
  });

  describe("in a cloud stack's sampler", () => {
    const plan = (query: string): WatchPlan => ({
      candidate: "green",
      stable: "blue",
      settings: settings(),
      traffic: { kind: "prometheus", url: server.url(""), query },
      probes: {},
      gate,
      headers: {},
      summary: "",
    });

    it("queries the candidate and the stable color, each with its own color", async () => {
      const sampled = await (await createWatchSampler(plan('low{color="{color}"}'))).sample(never);
      expect([sampled.candidate.traffic, sampled.stable.traffic]).toEqual([
        { source: "prometheus", errorRate: 0.001, query: 'low{color="green"}' },
        { source: "prometheus", errorRate: 0.001, query: 'low{color="blue"}' },
      ]);
    });

    it("with a query without {color}, gives the stable color no data instead of the candidate's own rate", async () => {
      const sampled = await (await createWatchSampler(plan("low_errors"))).sample(never);
      expect(sampled.candidate.traffic).toMatchObject({ errorRate: 0.001 });
      expect(sampled.stable.traffic).toEqual({
        source: "prometheus",
        noData: expect.stringContaining("has no {color}"),
      });
    });
  });

  it("an unreachable Prometheus is no data naming the endpoint", async () => {
    const reading = await prometheusRate({ url: server.refusedUrl, query: "q" }, "green", 300, never);
    expect(reading).toEqual({
      source: "prometheus",
      noData: expect.stringMatching(/^query to http:\/\/127\.0\.0\.1:\d+\/.*api\/v1\/query failed: .*ECONNREFUSED/),
    });
  });
});

describe("the probe sampler", () => {
  let server: FaultServer;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server?.close());

  const probe = (paths: string[], perTarget: number, spreadMs = 0) =>
    probeColor({ targets: paths.map((p) => server.url(p)), perTarget, spreadMs }, gate, {}, never);

  it("sends perTarget requests to each target and times the ones that pass", async () => {
    const reading = (await probe(["/healthy", "/blue/healthz"], 10)) as ProbeReading;
    expect([reading.sent, reading.failed, reading.latenciesMs.length]).toEqual([20, 0, 20]);
    expect(server.hits("/healthy")).toBe(10);
  });

  it("counts every failing kind as failed, quoting the first few", async () => {
    const reading = (await probe(["/healthy", "/status/500", "/hang"], 2)) as ProbeReading;
    expect([reading.sent, reading.failed, reading.latenciesMs.length]).toEqual([6, 4, 2]);
    expect(reading.failures).toEqual([
      `${server.url("/status/500")}: HTTP 500`,
      expect.stringMatching(/\/hang: no complete response after \d+(\.\d+)? ms/),
    ]);
  });

  it("a refused connection is a failed probe, not a throw", async () => {
    const reading = (await probeColor(
      { targets: [server.refusedUrl], perTarget: 3, spreadMs: 0 },
      gate,
      {},
      never,
    )) as ProbeReading;
    expect([reading.sent, reading.failed]).toEqual([3, 3]);
  });

  it("spreads a round's requests over spreadMs instead of sending them in one burst", async () => {
    const arrivals: number[] = [];
    server.reset();
    const started = performance.now();
    const reading = probeColor({ targets: [server.url("/healthy")], perTarget: 5, spreadMs: 400 }, gate, {}, never);
    const poll = setInterval(() => arrivals.push(server.hits("/healthy")), 10);
    await reading;
    clearInterval(poll);
    // The 5th request starts 4 × 80 ms after the first: the round cannot have ended sooner.
    expect(performance.now() - started).toBeGreaterThanOrEqual(320);
    expect(new Set(arrivals).size).toBeGreaterThan(2);
  });

  it("a round interrupted by the signal has no data", async () => {
    const controller = new AbortController();
    const reading = probeColor(
      { targets: [server.url("/hang")], perTarget: 3, spreadMs: 1000 },
      gate,
      {},
      controller.signal,
    );
    controller.abort();
    expect(await reading).toEqual({ noData: "the round was interrupted" });
  });
});
