/**
 * One analysis round judged against bluegreen:watch: the reasons name the
 * observed value, the limit, its key and the source; missing evidence is
 * inconclusive; a dead candidate or an alarm in ALARM breaches at once.
 */
import { describe, expect, it } from "vitest";
import { judgeRound } from "../../../tooling/watch/judge";
import type { ProbeReading, TrafficSourceName } from "../../../tooling/watch/samples";
import {
  alarm,
  backends,
  healthyRound,
  noTraffic,
  probes,
  prometheus,
  round,
  router,
  settings,
  users,
} from "./fixtures";

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

  it.each<[TrafficSourceName, string]>([
    ["router", "requests through the router"],
    ["cloudwatch", "requests at the load balancer (CloudWatch)"],
    ["prometheus", "requests counted by Prometheus"],
  ])("GIVEN users' 5xx from %s above the limit THEN a breach naming that source", (source, via) => {
    const judged = judgeRound(round({ traffic: users(200, 14, 3, 120, source) }), settings());
    expect(judged.breaches.map((b) => b.text)).toEqual([
      `green error rate 7 % (14 of 200 ${via}) > 5 % (bluegreen:watch.maxErrorRate)`,
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
    ["an empty answer", noTraffic("the query returned no series (empty result)", "prometheus"), "Prometheus"],
    ["an unreachable router", noTraffic("HAProxy runtime API at 127.0.0.1:9999 did not answer"), "router"],
    ["no RequestCount datapoint", noTraffic("RequestCount has no datapoint", "cloudwatch"), "CloudWatch"],
    ["a NaN that reached the judge", prometheus(Number.NaN, 100), "Prometheus"],
    ["a ratio without its request count", prometheus(0, undefined), "Prometheus"],
  ])("GIVEN %s THEN inconclusive, saying which source had no data", (_what, traffic, source) => {
    const judged = judgeRound(round({ traffic, probes: probes(20) }), settings());
    expect(judged.kind).toBe("inconclusive");
    expect(judged.inconclusive[0]).toMatch(new RegExp(`^green ${source}: `));
  });

  it("GIVEN Prometheus's rate above the limit over enough requests THEN a breach", () => {
    const judged = judgeRound(round({ traffic: prometheus(0.2, 100), probes: probes(20) }), settings());
    expect(judged.breaches.map((b) => b.text)).toEqual([
      "green error rate 20 % of 100 requests counted by Prometheus > 5 % (bluegreen:watch.maxErrorRate)",
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

  it("GIVEN exactly 2 points above (7 % and 5 %, 2.0000000000000004 in floating point) THEN no breach", () => {
    const judged = judgeRound(
      round({ traffic: router(7, 100), probes: probes(20) }, { traffic: router(5, 100) }),
      settings({ maxErrorRate: 0.05, maxErrorRateAboveStable: 2 }),
    );
    expect((0.07 - 0.05) * 100).toBeGreaterThan(2);
    expect(judged.kind).toBe("inconclusive");
    expect(judged.breaches).toEqual([]);
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

describe("judgeRound: 4xx against the stable color's", () => {
  it("GIVEN every request answered 404 THEN a breach naming both shares, the limit and its key", () => {
    const judged = judgeRound(
      round({ traffic: users(200, 0, 200, 30) }, { traffic: users(800, 0, 16, 30) }),
      settings(),
    );
    expect(judged.kind).toBe("breach");
    expect(judged.breaches.map((b) => [b.measure, b.observed, b.limit, b.key])).toEqual([
      ["4xx rate", 98, 25, "bluegreen:watch.max4xxPointsAboveStable"],
    ]);
    expect(judged.breaches[0].text).toBe(
      "green 4xx rate 100 % (200 of 200 requests through the router), 98 points above blue's 2 % (16 of 800 requests through the router) > 25 (bluegreen:watch.max4xxPointsAboveStable)",
    );
  });

  it("GIVEN exactly 25 points above THEN healthy; one more 4xx THEN a breach", () => {
    const stable = { traffic: users(100, 0, 5, 30) };
    expect(judgeRound(round({ traffic: users(100, 0, 30, 30) }, stable), settings()).kind).toBe("healthy");
    expect(judgeRound(round({ traffic: users(100, 0, 31, 30) }, stable), settings()).kind).toBe("breach");
  });

  it("GIVEN a decimal limit (0.1 point) met exactly THEN no breach", () => {
    // 3.1 % against 3 %: 0.10000000000000009 points in floating point.
    const judged = judgeRound(
      round({ traffic: users(1000, 0, 31, 30) }, { traffic: users(1000, 0, 30, 30) }),
      settings({ max4xxPointsAboveStable: 0.1 }),
    );
    expect((0.031 - 0.03) * 100).toBeGreaterThan(0.1);
    expect(judged.kind).toBe("healthy");
  });

  it("GIVEN the stable color has no requests to compare THEN 4xx are not judged, and the log says so", () => {
    const judged = judgeRound(round({ traffic: users(200, 0, 200, 30) }, { traffic: users(0, 0, 0) }), settings());
    expect(judged.kind).toBe("healthy");
    expect(judged.observations).toContain(
      "green 4xx rate 100 % (200 of 200 requests through the router): not judged, blue has no 4xx rate to compare (blue: 0 requests through the router this round, fewer than bluegreen:watch.minSamples (20))",
    );
  });
});

describe("judgeRound: the p95 latency", () => {
  it("GIVEN users' p95 above the limit THEN a breach naming the figure, the limit and the source", () => {
    const judged = judgeRound(round({ traffic: users(120, 0, 0, 2500, "cloudwatch"), probes: probes(20) }), settings());
    expect(judged.breaches.map((b) => b.text)).toEqual([
      "green p95 latency 2500 ms over 120 requests at the load balancer (CloudWatch) > 900 ms (bluegreen:watch.maxP95LatencyMs)",
    ]);
  });

  it("GIVEN users' p95 within the limit THEN slow probes do not judge latency (users' requests do)", () => {
    const judged = judgeRound(round({ traffic: users(120, 0, 0, 100), probes: probes(20, 0, 1500) }), settings());
    expect(judged.kind).toBe("healthy");
  });

  it("GIVEN no p95 from the source THEN the probes' p95 is judged", () => {
    const judged = judgeRound(round({ traffic: prometheus(0, 100), probes: probes(20, 0, 1200) }), settings());
    expect(judged.breaches.map((b) => b.text)).toEqual([
      "green p95 latency 1200 ms over 20 probes > 900 ms (bluegreen:watch.maxP95LatencyMs)",
    ]);
  });

  it("GIVEN probes that time out THEN each counts at its timeout, so a slow candidate breaches", () => {
    const timingOut: ProbeReading = {
      sent: 20,
      failed: 4,
      latenciesMs: [...Array.from({ length: 16 }, () => 20), ...Array.from({ length: 4 }, () => 2000)],
      timeoutMs: 2000,
      failures: ["http://127.0.0.1:8082/health: no answer within 2000 ms"],
    };
    const judged = judgeRound(round({ traffic: prometheus(0, 100), probes: timingOut }), settings());
    expect(judged.breaches.map((b) => [b.measure, b.observed, b.limit])).toEqual([["p95 latency", 2000, 900]]);
  });

  it("GIVEN probes cut at or below the limit and no users' p95 THEN inconclusive, naming both keys", () => {
    const judged = judgeRound(round({ traffic: prometheus(0, 100), probes: probes(20, 0, 20, 900) }), settings());
    expect(judged.kind).toBe("inconclusive");
    expect(judged.inconclusive).toEqual([
      "green p95 latency: the probes are cut at 900 ms (bluegreen:gate.requestTimeoutMs), not above 900 ms (bluegreen:watch.maxP95LatencyMs), so they cannot show a p95 above it",
    ]);
  });
});

describe("judgeRound: the probes", () => {
  it("GIVEN one failed probe and the rate within limits THEN probes-failed, quoting the failure", () => {
    const judged = judgeRound(round({ traffic: prometheus(0, 100), probes: probes(20, 1) }), settings());
    expect(judged.kind).toBe("probes-failed");
    expect(judged.probeFailure).toBe("green probes: 1 of 20 failed: http://127.0.0.1:8082/health: HTTP 503");
  });

  it("GIVEN every probe failed THEN probes-failed, not inconclusive: the failures are the evidence", () => {
    const judged = judgeRound(round({ traffic: prometheus(0, 100), probes: probes(20, 20) }), settings());
    expect(judged.kind).toBe("probes-failed");
  });

  it("GIVEN fewer probe answers than minSamples and none failed THEN inconclusive", () => {
    const judged = judgeRound(round({ traffic: prometheus(0, 100), probes: probes(3) }), settings());
    expect(judged.inconclusive).toEqual([
      "green p95 latency: 3 probe answers this round, fewer than bluegreen:watch.minSamples (20)",
    ]);
  });

  it("GIVEN probes without data and no traffic source THEN one inconclusive reason, not two", () => {
    const judged = judgeRound(round({ probes: { noData: "the round was interrupted" } }), settings());
    expect(judged.inconclusive).toEqual(["green probes: the round was interrupted"]);
  });

  it("GIVEN no probe URL THEN the latency is not judged, and the log says so", () => {
    const judged = judgeRound(round({ traffic: prometheus(0, 100) }), settings());
    expect(judged.kind).toBe("healthy");
    expect(judged.observations).toContain("green has no probe URL: latency and probe rounds not judged");
  });
});

describe("judgeRound: backends", () => {
  it("GIVEN no healthy backend THEN a breach in that round, though its counters saw nothing fail", () => {
    const judged = judgeRound(
      round({ traffic: users(0, 0, 0), probes: probes(20), backends: backends(0, 2) }),
      settings(),
    );
    expect(judged.kind).toBe("breach");
    expect(judged.breaches.map((b) => [b.measure, b.text])).toEqual([
      [
        "no healthy backend",
        "green has no healthy backend: 0 of 2 pass the health check of bluegreen:app.healthPath (0 UP, 2 DOWN (L4CON: Connection refused)); its users' requests fail or go elsewhere, whatever its counts say",
      ],
    ]);
  });

  it("GIVEN no backend at all (no task, no ready endpoint) THEN a breach too", () => {
    const judged = judgeRound(round({ traffic: router(0, 100), backends: backends(0, 0) }), settings());
    expect(judged.breaches.map((b) => b.measure)).toEqual(["no healthy backend"]);
  });

  it("GIVEN one healthy backend of two THEN no breach for it", () => {
    const judged = judgeRound(round({ traffic: router(0, 100), backends: backends(1, 2) }), settings());
    expect(judged.kind).toBe("healthy");
  });
});

describe("judgeRound: CloudWatch alarms", () => {
  const healthy = { traffic: users(200, 0, 0, 80, "cloudwatch") };

  it("GIVEN an alarm in ALARM THEN a breach naming the alarm, its reason and the key", () => {
    const judged = judgeRound(
      { ...round(healthy), alarms: [alarm("api-ok", "OK"), alarm("orders-5xx", "ALARM", "Threshold Crossed: 12 > 5")] },
      settings(),
    );
    expect(judged.kind).toBe("breach");
    expect(judged.breaches.map((b) => [b.measure, b.observed, b.limit, b.key, b.text])).toEqual([
      [
        "alarm",
        1,
        0,
        "bluegreen:watch.alarms",
        'CloudWatch alarm "orders-5xx" is ALARM (Threshold Crossed: 12 > 5): an alarm of bluegreen:watch.alarms in ALARM rolls the release back',
      ],
    ]);
  });

  it.each([
    ["INSUFFICIENT_DATA", alarm("orders-5xx", "INSUFFICIENT_DATA", "Insufficient Data: 1 datapoint was unknown")],
    [
      "gone since the start",
      alarm("orders-5xx", "MISSING", "CloudWatch has no metric or composite alarm of this name"),
    ],
  ])("GIVEN an alarm %s THEN inconclusive, never healthy", (_what, reading) => {
    const judged = judgeRound({ ...round(healthy), alarms: [reading] }, settings());
    expect(judged.kind).toBe("inconclusive");
    expect(judged.inconclusive).toEqual([`CloudWatch alarm "orders-5xx" is ${reading.state} (${reading.reason})`]);
  });

  it("GIVEN the alarms could not be read THEN inconclusive, naming the key", () => {
    const judged = judgeRound({ ...round(healthy), alarms: { noData: "DescribeAlarms: throttled" } }, settings());
    expect(judged.inconclusive).toEqual(["CloudWatch alarms of bluegreen:watch.alarms: DescribeAlarms: throttled"]);
  });

  it("GIVEN every alarm OK THEN healthy", () => {
    expect(judgeRound({ ...round(healthy), alarms: [alarm("orders-5xx", "OK")] }, settings()).kind).toBe("healthy");
  });
});
