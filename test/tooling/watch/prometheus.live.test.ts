/**
 * The cloud stacks' samplers over real HTTP on loopback: the named
 * Prometheus queries against a stand-in of Prometheus's query API
 * (testkit/prometheusServer.ts), and the watch's probes
 * against apps that answer, fail, hang or refuse. Every failure is data or
 * "no data: why", never a throw; no data is judged inconclusive.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Color } from "../../../components/contracts/colors";
import type { PrometheusSettings } from "../../../components/gate/prometheus";
import { gateSettingsSchema } from "../../../components/gate/settings";
import { judgeRound } from "../../../tooling/watch/judge";
import type { WatchPlan } from "../../../tooling/watch/plan";
import { createWatchSampler } from "../../../tooling/watch/sampler";
import { probeColor } from "../../../tooling/watch/probes";
import { prometheusSource, prometheusTraffic } from "../../../tooling/watch/prometheus";
import type { ProbeReading, TrafficReading } from "../../../tooling/watch/samples";
import { FaultServer, startFaultServer } from "../../../testkit/faultServer";
import { PrometheusReply, PrometheusServer } from "../../../testkit/prometheusServer";
import { probes, round, settings } from "./fixtures";

const never = new AbortController().signal;
const gate = gateSettingsSchema.parse({ requestTimeoutMs: 300, p95LatencyMs: 300 });

describe("the Prometheus sampler", () => {
  let server: PrometheusServer;
  beforeAll(async () => {
    server = await PrometheusServer.start();
  });
  afterAll(() => server?.close());
  beforeEach(() => server.reset());

  const prometheusGate = (extra: object = {}) =>
    gateSettingsSchema.parse({ prometheus: { url: "http://127.0.0.1:1", maxErrorRate: 0.01, ...extra } })
      .prometheus as PrometheusSettings;
  const source = (extra: object = {}) => ({ ...prometheusSource(prometheusGate(extra), "shop", 60), url: server.url });
  /** The default queries for `color` over the watch's 60 s interval, as sent. */
  const sent = (color: Color) => ({
    requests: `sum(increase(http_requests_total{app="shop",color="${color}"}[60s]))`,
    errors5xx: `sum(increase(http_requests_total{app="shop",color="${color}",code=~"5.."}[60s])) or vector(0)`,
    errors4xx: `sum(increase(http_requests_total{app="shop",color="${color}",code=~"4.."}[60s])) or vector(0)`,
    p95Seconds: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{app="shop",color="${color}"}[60s])))`,
  });
  /** Serves `color`'s four answers. */
  const serve = (color: Color, values: Record<keyof ReturnType<typeof sent>, string>) => {
    for (const [name, query] of Object.entries(sent(color))) server.value(query, values[name as keyof typeof values]);
  };
  const traffic = (extra: object = {}, color: Color = "green", timeoutMs = 300) =>
    prometheusTraffic(source(extra), color, timeoutMs, never);
  const judged = (reading: TrafficReading) => judgeRound(round({ traffic: reading, probes: probes(20) }), settings());

  it("asks the four named queries at one instant and reads the color's user traffic", async () => {
    serve("green", { requests: "240", errors5xx: "2", errors4xx: "12", p95Seconds: "0.35" });
    const reading = await traffic();
    expect(reading).toEqual({
      source: "prometheus",
      requests: 240,
      errors5xx: 2,
      errors4xx: 12,
      p95Ms: 350,
      detail: "Prometheus, last 60s",
    });
    expect(server.queries.map((q) => q.query).sort()).toEqual(Object.values(sent("green")).sort());
    expect(new Set(server.queries.map((q) => q.time)).size).toBe(1);
    expect(judged(reading).kind).toBe("healthy");
  });

  it("5xx above the limit is a breach, counted in requests", async () => {
    serve("green", { requests: "240", errors5xx: "30", errors4xx: "0", p95Seconds: "0.05" });
    expect(judged(await traffic()).breaches.map((b) => b.text)).toEqual([
      expect.stringContaining("green error rate 12.5 % (30 of 240 requests counted by Prometheus)"),
    ]);
  });

  it("a p95 Prometheus cannot compute (NaN: no request in the window) leaves the counts readable", async () => {
    serve("green", { requests: "240", errors5xx: "0", errors4xx: "0", p95Seconds: "NaN" });
    expect(await traffic()).toMatchObject({
      requests: 240,
      p95Ms: { noData: expect.stringContaining('no finite sample value (got "NaN")') },
    });
  });

  const key = "bluegreen:gate.prometheus.queries";
  it.each([
    [
      "several series for one color",
      "requests",
      { series: [{ value: "120" }, { value: "80" }] },
      `${key}.requests: the query returned 2 series where one is needed`,
    ],
    ["an empty result", "requests", { series: [] }, `${key}.requests: the query returned no series (empty result)`],
    [
      "NaN",
      "errors5xx",
      { series: [{ value: "NaN" }] },
      `${key}.errors5xx: the series has no finite sample value (got "NaN")`,
    ],
    [
      "a blank value",
      "errors4xx",
      { series: [{ value: "" }] },
      `${key}.errors4xx: the series has no finite sample value (got "")`,
    ],
    [
      "a hex value",
      "requests",
      { series: [{ value: "0x0" }] },
      `${key}.requests: the series has no finite sample value (got "0x0")`,
    ],
    [
      "a value out of range",
      "requests",
      { series: [{ value: "1e400" }] },
      `${key}.requests: the series has no finite sample value (got "1e400")`,
    ],
    [
      "a negative count",
      "errors5xx",
      { series: [{ value: "-1" }] },
      `${key}.errors5xx: the series has the value -1, which is not a count`,
    ],
    [
      "a Prometheus error",
      "requests",
      { error: { status: 503, type: "unavailable", message: "storage is down" } },
      `${key}.requests: HTTP 503, status "error": storage is down`,
    ],
    ["a scalar", "requests", { scalar: "5" }, `${key}.requests: the answer is a "scalar" result`],
  ] as const)(
    "%s is no data naming the key and the query, and the round is inconclusive",
    async (_what, name, reply, why) => {
      serve("green", { requests: "240", errors5xx: "0", errors4xx: "0", p95Seconds: "0.1" });
      server.answer(sent("green")[name], reply as PrometheusReply);
      const reading = await traffic();
      expect(reading).toEqual({ source: "prometheus", noData: expect.stringContaining(why) });
      expect((reading as { noData: string }).noData).toContain(`(query ${sent("green")[name]})`);
      expect(judged(reading).kind).toBe("inconclusive");
    },
  );

  it("no answer within the timeout is no data", async () => {
    serve("green", { requests: "240", errors5xx: "0", errors4xx: "0", p95Seconds: "0.1" });
    server.answer(sent("green").errors4xx, { hang: true });
    expect(await traffic()).toEqual({
      source: "prometheus",
      noData: expect.stringMatching(/timed out after \d+ ms without an answer \(gate.requestTimeoutMs 300 ms\)/),
    });
  });

  describe("with a ratio query (gate.prometheus.query)", () => {
    const ratio = { query: 'errors_ratio{color="{color}"}' };

    it("reads the rate with the request count beside it", async () => {
      server.value('errors_ratio{color="green"}', "0.001").value(sent("green").requests, "500");
      const reading = await traffic(ratio);
      expect(reading).toEqual({
        source: "prometheus",
        errorRate: 0.001,
        requests: 500,
        query: 'errors_ratio{color="green"}',
      });
      expect(judged(reading).kind).toBe("healthy");
    });

    it("a rate of 0 over no counted request (`or vector(0)`) is inconclusive, never healthy", async () => {
      server.value('errors_ratio{color="green"}', "0");
      const reading = await traffic(ratio);
      expect(reading).toMatchObject({
        errorRate: 0,
        requests: { noData: expect.stringContaining(`${key}.requests: the query returned no series`) },
      });
      expect(judged(reading).kind).toBe("inconclusive");
    });
  });

  describe("in a cloud stack's sampler", () => {
    const plan = (extra: object = {}): WatchPlan => ({
      candidate: "green",
      stable: "blue",
      settings: settings(),
      traffic: { kind: "prometheus", ...source(extra) },
      probes: {},
      gate,
      headers: {},
      summary: "",
    });

    it("reads the candidate and the stable color, each with its own color", async () => {
      serve("green", { requests: "100", errors5xx: "1", errors4xx: "0", p95Seconds: "0.2" });
      serve("blue", { requests: "900", errors5xx: "0", errors4xx: "9", p95Seconds: "0.1" });
      const sampled = await (await createWatchSampler(plan())).sample(never);
      expect([sampled.candidate.traffic, sampled.stable.traffic]).toMatchObject([
        { requests: 100, errors5xx: 1, p95Ms: 200 },
        { requests: 900, errors4xx: 9, p95Ms: 100 },
      ]);
    });

    it("with a ratio query without {color}, gives the stable color no data instead of the candidate's own rate", async () => {
      server.value("low_errors", "0.001").value(sent("green").requests, "100");
      const sampled = await (await createWatchSampler(plan({ query: "low_errors" }))).sample(never);
      expect(sampled.candidate.traffic).toMatchObject({ errorRate: 0.001, requests: 100 });
      expect(sampled.stable.traffic).toEqual({
        source: "prometheus",
        noData: expect.stringContaining("has no {color}"),
      });
    });
  });

  it("an unreachable Prometheus is no data naming the endpoint", async () => {
    const reading = await prometheusTraffic({ ...source(), url: "http://127.0.0.1:1" }, "green", 300, never);
    expect(reading).toEqual({
      source: "prometheus",
      noData: expect.stringMatching(/query to http:\/\/127\.0\.0\.1:1\/api\/v1\/query failed: .*ECONNREFUSED/),
    });
  });
});

describe("the probe sampler", () => {
  let server: FaultServer;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server?.close());

  const probe = (paths: string[], perTarget: number, spreadMs = 0, settings = gate) =>
    probeColor({ targets: paths.map((p) => server.url(p)), perTarget, spreadMs }, settings, {}, never);
  /** For answers that must pass even on a loaded machine: 20 requests at once can take more than 300 ms there. */
  const patient = gateSettingsSchema.parse({ requestTimeoutMs: 5000, p95LatencyMs: 5000 });

  it("sends perTarget requests to each target and times the ones that pass", async () => {
    const reading = (await probe(["/healthy", "/blue/healthz"], 10, 0, patient)) as ProbeReading;
    expect([reading.sent, reading.failed, reading.latenciesMs.length]).toEqual([20, 0, 20]);
    expect(server.hits("/healthy")).toBe(10);
  });

  it("counts every failing kind as failed, quoting the first few", async () => {
    const reading = (await probe(["/healthy", "/status/500", "/hang"], 2)) as ProbeReading;
    // The two cut at the timeout are slow, not missing: their latency is at least the timeout.
    expect([reading.sent, reading.failed, reading.latenciesMs.length]).toEqual([6, 4, 4]);
    expect(reading.latenciesMs.filter((ms) => ms >= gate.requestTimeoutMs)).toHaveLength(2);
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
