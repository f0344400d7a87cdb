/**
 * One analysis round judged against bluegreen:watch: the reasons name the
 * observed value, the limit and its key; missing evidence is inconclusive.
 */
import { describe, expect, it } from "vitest";
import { judgeRound } from "../../../tooling/watch/judge";
import { healthyRound, noTraffic, probes, prometheus, round, router, settings } from "./fixtures";

describe("judgeRound: the error rate", () => {
  it("GIVEN 2 of 200 requests failed WHEN judged THEN healthy, saying what was measured", () => {
    const judged = judgeRound(healthyRound(), settings());
    expect(judged.kind).toBe("healthy");
    expect(judged.observations).toContain(
      "green error rate 1 % (2 of 200 requests through the router) ≤ 5 % (bluegreen:watch.maxErrorRate)",
    );
  });

  it("GIVEN 12 of 169 requests failed THEN a breach naming observed, counts, limit and key", () => {
    const judged = judgeRound(round({ traffic: router(12, 169), probes: probes(20) }), settings());
    expect(judged.kind).toBe("breach");
    expect(judged.breaches.map((b) => b.text)).toEqual([
      "green error rate 7.1 % (12 of 169 requests through the router) > 5 % (bluegreen:watch.maxErrorRate)",
    ]);
  });

  it("GIVEN fewer requests than minSamples, all of them failed THEN inconclusive, never judged on so little", () => {
    const judged = judgeRound(round({ traffic: router(7, 7), probes: probes(20) }), settings());
    expect(judged.kind).toBe("inconclusive");
    expect(judged.inconclusive).toEqual([
      "green: 7 requests through the router this round, fewer than bluegreen:watch.minSamples (20)",
    ]);
  });

  it.each([
    ["an empty answer", noTraffic("the query returned no series (empty result)", "prometheus")],
    ["an unreachable router", noTraffic("HAProxy runtime API at 127.0.0.1:9999 did not answer")],
    ["a NaN that reached the judge", prometheus(Number.NaN)],
  ])("GIVEN %s THEN inconclusive, saying what had no data", (_what, traffic) => {
    const judged = judgeRound(round({ traffic, probes: probes(20) }), settings());
    expect(judged.kind).toBe("inconclusive");
    expect(judged.inconclusive[0]).toMatch(/^green (router counters|Prometheus): /);
  });

  it("GIVEN Prometheus's rate above the limit THEN a breach", () => {
    const judged = judgeRound(round({ traffic: prometheus(0.2), probes: probes(20) }), settings());
    expect(judged.breaches.map((b) => b.text)).toEqual([
      "green error rate 20 % (Prometheus) > 5 % (bluegreen:watch.maxErrorRate)",
    ]);
  });

  it("GIVEN no traffic source THEN the probes give the error rate (failed of sent)", () => {
    const judged = judgeRound(round({ probes: probes(20, 2) }), settings());
    expect(judged.breaches.map((b) => b.text)).toEqual([
      "green error rate 10 % (2 of 20 probe requests) > 5 % (bluegreen:watch.maxErrorRate)",
    ]);
  });
});

describe("judgeRound: maxErrorRateAboveStable", () => {
  const above = settings({ maxErrorRateAboveStable: 2 });

  it("GIVEN both colors fail alike THEN inconclusive: a shared dependency is not blamed on the release", () => {
    const judged = judgeRound(
      round({ traffic: router(14, 200), probes: probes(20) }, { traffic: router(66, 1000) }),
      above,
    );
    expect(judged.kind).toBe("inconclusive");
    expect(judged.inconclusive).toEqual([
      "green error rate 7 % (14 of 200 requests through the router) > 5 % (bluegreen:watch.maxErrorRate), but only 0.4 points above blue's 6.6 % (at most 2 (bluegreen:watch.maxErrorRateAboveStable)): both colors fail alike, which points at a shared dependency rather than the release",
    ]);
  });

  it("GIVEN the candidate fails well above the stable color THEN a breach naming both thresholds", () => {
    const judged = judgeRound(
      round({ traffic: router(14, 200), probes: probes(20) }, { traffic: router(10, 1000) }),
      above,
    );
    expect(judged.breaches.map((b) => b.text)).toEqual([
      "green error rate 7 % (14 of 200 requests through the router) > 5 % (bluegreen:watch.maxErrorRate), and 6 points above blue's 1 % > 2 (bluegreen:watch.maxErrorRateAboveStable)",
    ]);
  });

  it("GIVEN the stable color has no rate to compare (no traffic at 100 %) THEN the absolute limit applies", () => {
    const judged = judgeRound(
      round({ traffic: router(14, 200), probes: probes(20) }, { traffic: router(0, 0) }),
      above,
    );
    expect(judged.kind).toBe("breach");
    expect(judged.breaches[0].text).toContain(
      "blue has no error rate to compare (blue: 0 requests through the router this round, fewer than bluegreen:watch.minSamples (20)), so bluegreen:watch.maxErrorRateAboveStable cannot excuse it",
    );
  });

  it("GIVEN the candidate under the limit THEN the stable color's missing data does not matter", () => {
    const judged = judgeRound(
      round({ traffic: router(1, 200), probes: probes(20) }, { traffic: noTraffic("down") }),
      above,
    );
    expect(judged.kind).toBe("healthy");
  });
});

describe("judgeRound: the probes", () => {
  it("GIVEN a p95 over the limit THEN a breach naming the latency and key", () => {
    const judged = judgeRound(round({ traffic: router(0, 100), probes: probes(20, 0, 2500) }), settings());
    expect(judged.breaches.map((b) => b.text)).toEqual([
      "green p95 latency 2500 ms over 20 probes > 2000 ms (bluegreen:watch.maxP95LatencyMs)",
    ]);
  });

  it("GIVEN one failed probe and the rate within limits THEN probes-failed, quoting the failure", () => {
    const judged = judgeRound(round({ traffic: router(0, 100), probes: probes(20, 1) }), settings());
    expect(judged.kind).toBe("probes-failed");
    expect(judged.probeFailure).toBe("green probes: 1 of 20 failed: http://127.0.0.1:8082/health: HTTP 503");
  });

  it("GIVEN every probe failed THEN probes-failed, not inconclusive: the failures are the evidence", () => {
    const judged = judgeRound(round({ traffic: router(0, 100), probes: probes(20, 20) }), settings());
    expect(judged.kind).toBe("probes-failed");
  });

  it("GIVEN fewer probe answers than minSamples and none failed THEN inconclusive", () => {
    const judged = judgeRound(round({ traffic: router(0, 100), probes: probes(3) }), settings());
    expect(judged.inconclusive).toEqual([
      "green p95 latency: 3 probe answers this round, fewer than bluegreen:watch.minSamples (20)",
    ]);
  });

  it("GIVEN probes without data and no traffic source THEN one inconclusive reason, not two", () => {
    const judged = judgeRound(round({ probes: { noData: "the round was interrupted" } }), settings());
    expect(judged.inconclusive).toEqual(["green probes: the round was interrupted"]);
  });

  it("GIVEN no probe URL THEN the latency is not judged, and the log says so", () => {
    const judged = judgeRound(round({ traffic: router(0, 100) }), settings());
    expect(judged.kind).toBe("healthy");
    expect(judged.observations).toContain("green has no probe URL: latency and probe rounds not judged");
  });
});
