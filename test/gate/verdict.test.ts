import { describe, expect, it } from "vitest";
import { classifyRequestError } from "../../components/gate/probe";
import { GateSettings, gateSettingsSchema } from "../../components/gate/settings";
import {
  GateAnswers,
  gateQueries,
  judgeGateTraffic,
  PROMETHEUS_NO_TRAFFIC,
  PrometheusSettings,
} from "../../components/gate/prometheus";
import { readInstantAnswer } from "../../components/gate/prometheusAnswer";
import { readResponse } from "../../components/gate/body";
import { deadlineFailure, formatFailure, p95, recordRound } from "../../components/gate/tally";
import type { ProbeRound, ProbeSample, RoundVerdict } from "../../components/gate/verdict";
import type { GateTally } from "../../components/gate/tally";

const settings: GateSettings = gateSettingsSchema.parse({
  consecutiveSuccesses: 3,
  failureThreshold: 2,
  p95LatencyMs: 100,
  requestTimeoutMs: 500,
  intervalMs: 50,
  deadlineSeconds: 5,
});
/** Feeds `rounds` to recordRound as the probe loop does: the first verdict that is not "continue" ends it. */
function evaluate(
  rounds: readonly ProbeRound[],
  s: GateSettings = settings,
): { verdict: RoundVerdict; tally?: GateTally } {
  let tally: GateTally | undefined;
  for (const round of rounds) {
    const recorded = recordRound(tally, round, s);
    tally = recorded.tally;
    if (recorded.verdict.outcome !== "continue") return { verdict: recorded.verdict, tally };
  }
  return { verdict: { outcome: "continue" }, tally };
}
const evaluateRounds = (rounds: readonly ProbeRound[], s: GateSettings) => evaluate(rounds, s).verdict;

/** readResponse over a body that arrives in one piece, less the excerpt. */
async function assessResponse(status: number, body: string, s: Pick<GateSettings, "expectedStatus" | "body">) {
  const { excerpt: _excerpt, ...judged } = await readResponse(status, [Buffer.from(body)], s, {});
  return judged;
}

const A = "http://a/health";
const B = "http://b/health";
const ok = (target = A, latencyMs = 10): ProbeSample => ({
  target,
  status: 200,
  latencyMs,
  bodyOk: true,
  observed: "HTTP 200",
  excerpt: '{"status":"healthy"}',
});
const down = (target = A): ProbeSample => ({
  target,
  status: 503,
  latencyMs: 5,
  bodyOk: true,
  error: "status",
  observed: "HTTP 503",
  excerpt: '{"status":"unhealthy"}',
});

describe("p95 (nearest rank)", () => {
  it("returns the smallest sample that 95 % of samples do not exceed", () => {
    expect(p95([])).toBe(0);
    expect(p95([42])).toBe(42);
    expect(p95([30, 10, 20])).toBe(30);
    // 1..100: rank ceil(95) = 95.
    expect(p95(Array.from({ length: 100 }, (_, i) => 100 - i))).toBe(95);
    // 1..20: rank ceil(19) = 19, so one outlier of 20 samples is tolerated.
    expect(p95([...Array.from({ length: 19 }, () => 10), 5000])).toBe(10);
  });
});

describe("readResponse judges status and body", () => {
  const json = { json: { path: "checks.db", equals: "up" } } as const;

  it("GIVEN an expected status and no body check WHEN assessed THEN it passes", async () => {
    expect(await assessResponse(204, "", { expectedStatus: [200, 204], body: undefined })).toEqual({
      bodyOk: true,
      observed: "HTTP 204",
    });
  });

  it("GIVEN an unexpected status WHEN assessed THEN the status is the failure, and the body is not judged", async () => {
    expect(await assessResponse(503, '{"checks":{"db":"up"}}', { expectedStatus: [200], body: json })).toEqual({
      bodyOk: false,
      error: "status",
      observed: "HTTP 503",
    });
  });

  it("GIVEN a JSON path check WHEN the value differs, is missing, or the body is not JSON THEN each is told apart", async () => {
    const s = { expectedStatus: [200], body: json };
    expect(await assessResponse(200, '{"checks":{"db":"up"}}', s)).toEqual({ bodyOk: true, observed: "HTTP 200" });
    expect(await assessResponse(200, '{"checks":{"db":"down"}}', s)).toEqual({
      bodyOk: false,
      error: "body-mismatch",
      observed: 'checks.db = "down"',
    });
    expect(await assessResponse(200, '{"checks":"db"}', s)).toEqual({
      bodyOk: false,
      error: "body-mismatch",
      observed: "checks.db = (missing)",
    });
    expect(await assessResponse(200, '{"checks":', s)).toMatchObject({ bodyOk: false, error: "invalid-json" });
    expect((await assessResponse(200, '{"checks":', s)).observed).toMatch(/^invalid JSON \(.+\)$/);
  });

  it("GIVEN non-string expected values WHEN compared THEN the JSON type must match too", async () => {
    const s = { expectedStatus: [200], body: { json: { path: "ready", equals: true } } };
    expect((await assessResponse(200, '{"ready":true}', s)).error).toBeUndefined();
    expect(await assessResponse(200, '{"ready":"true"}', s)).toMatchObject({
      error: "body-mismatch",
      observed: 'ready = "true"',
    });
  });

  it("GIVEN a substring check WHEN absent THEN it is a body mismatch", async () => {
    const s = { expectedStatus: [200], body: { contains: "OK" } };
    expect((await assessResponse(200, "all OK", s)).error).toBeUndefined();
    expect(await assessResponse(200, "degraded", s)).toEqual({
      bodyOk: false,
      error: "body-mismatch",
      observed: 'body does not contain "OK"',
    });
  });
});

describe("recordRound, round by round", () => {
  it("GIVEN fewer rounds than needed WHEN evaluated THEN it continues", () => {
    expect(evaluateRounds([], settings)).toEqual({ outcome: "continue" });
    expect(evaluateRounds([[ok()], [ok()]], settings)).toEqual({ outcome: "continue" });
    expect(evaluateRounds([[ok()], [down()]], settings)).toEqual({ outcome: "continue" });
  });

  it("GIVEN consecutiveSuccesses healthy rounds within the latency limit WHEN evaluated THEN it passes with the window's p95", () => {
    expect(
      evaluateRounds([[down()], [ok(A, 10), ok(B, 30)], [ok(A, 20), ok(B, 40)], [ok(A, 15), ok(B, 90)]], settings),
    ).toEqual({
      outcome: "pass",
      samples: 6,
      p95LatencyMs: 90,
    });
  });

  it("GIVEN a failed round inside the streak WHEN evaluated THEN the streak restarts", () => {
    expect(evaluateRounds([[ok()], [ok()], [down()], [ok()], [ok()]], settings)).toEqual({ outcome: "continue" });
  });

  it("GIVEN one failing target of two WHEN evaluated THEN the round counts as failed", () => {
    expect(
      evaluateRounds(
        [
          [ok(A), down(B)],
          [ok(A), down(B)],
        ],
        settings,
      ),
    ).toMatchObject({
      outcome: "fail",
      failure: { check: "HTTP status", target: B },
    });
  });

  it("GIVEN failureThreshold failed rounds WHEN evaluated THEN it fails naming target, check, observed and limit", () => {
    expect(evaluateRounds([[ok()], [down(A), down(B)], [down(A), down(B)]], settings)).toEqual({
      outcome: "fail",
      failure: {
        check: "HTTP status",
        target: A,
        observed: "HTTP 503",
        limit: "one of [200] (gate.expectedStatus)",
        because:
          "2 consecutive failed rounds reached gate.failureThreshold (2). Also failing: http://b/health (HTTP 503).",
        excerpt: '{"status":"unhealthy"}',
      },
    });
  });

  it("GIVEN healthy but slow rounds WHEN failureThreshold windows in a row are too slow THEN it fails on p95 naming the slowest target", () => {
    const round = () => [ok(A, 20), ok(B, 250)];
    // One slow window of 3 rounds is not yet a failure: the window slides.
    expect(evaluateRounds([round(), round(), round()], settings)).toEqual({ outcome: "continue" });
    expect(evaluateRounds([round(), round(), round(), round()], settings)).toEqual({
      outcome: "fail",
      failure: {
        check: "p95 latency",
        target: B,
        observed: "p95 250 ms over 6 samples (this target: p95 250 ms)",
        limit: "gate.p95LatencyMs 100 ms",
        because: "2 windows in a row of 3 consecutive healthy rounds were too slow (gate.failureThreshold 2).",
      },
    });
  });

  it("names the limit of each failure kind", () => {
    const failWith = (sample: Partial<ProbeSample>, s: GateSettings = settings) => {
      const bad = { ...down(), ...sample };
      const verdict = evaluateRounds([[bad], [bad]], s);
      if (verdict.outcome !== "fail") throw new Error("expected a failure");
      return [verdict.failure.check, verdict.failure.limit];
    };
    const withBody = gateSettingsSchema.parse({ ...settings, body: { json: { path: "status", equals: "healthy" } } });
    expect(failWith({ error: "timeout" })).toEqual([
      "request timeout",
      "a complete response within gate.requestTimeoutMs 500 ms",
    ]);
    expect(failWith({ error: "refused" })).toEqual(["connection", "a reachable target that answers over HTTP"]);
    expect(failWith({ error: "reset" })).toEqual(["connection", "a reachable target that answers over HTTP"]);
    expect(failWith({ error: "network" })).toEqual(["request", "a reachable target that answers over HTTP"]);
    expect(failWith({ error: "redirect" })).toEqual(["redirects", "at most 3 redirects"]);
    expect(failWith({ error: "too-large" })).toEqual([
      "response size",
      "a body of at most 1 MB: probe a health endpoint with a short answer",
    ]);
    expect(failWith({ error: "invalid-json" }, withBody)).toEqual([
      "JSON body",
      'JSON body with status = "healthy" (gate.body.json)',
    ]);
    expect(
      failWith({ error: "body-mismatch" }, gateSettingsSchema.parse({ ...settings, body: { contains: "OK" } })),
    ).toEqual(["response body", 'body contains "OK" (gate.body.contains)']);
  });
});

describe("deadlineFailure", () => {
  it("GIVEN flapping rounds and a request cut by the deadline WHEN described THEN progress, last failure and aborted targets are named", () => {
    const inFlight: ProbeSample = {
      target: B,
      latencyMs: 400,
      bodyOk: false,
      error: "deadline",
      observed: "aborted",
      excerpt: "",
    };
    const { tally } = evaluate([[ok()], [down()], [ok()]]);
    expect(deadlineFailure(tally as GateTally, [inFlight], settings, 5003.4)).toEqual({
      check: "deadline",
      target: A,
      observed:
        "no verdict after 5003 ms; rounds completed: 3 (2 healthy, 1 failed); last failure: HTTP status HTTP 503",
      limit: "gate.deadlineSeconds 5 s, within which 3 consecutive healthy rounds are needed",
      because:
        "the gate never waits past its deadline (flapping or hanging targets end here). Requests still in flight were aborted: http://b/health.",
      excerpt: '{"status":"unhealthy"}',
    });
  });

  it("GIVEN no completed round WHEN described THEN there is no last failure", () => {
    expect(deadlineFailure({ rounds: 0, healthyRounds: 0 }, [], settings, 5000)).toMatchObject({
      target: undefined,
      observed: "no verdict after 5000 ms; rounds completed: 0 (0 healthy, 0 failed)",
      excerpt: undefined,
    });
  });
});

describe("the gate's Prometheus check", () => {
  const prometheus = gateSettingsSchema.parse({ prometheus: { url: "http://prom:9090", maxErrorRate: 0.01 } })
    .prometheus as PrometheusSettings;
  const withRatio = { ...prometheus, query: 'errors_ratio{color="{color}"}' };
  const vector = (...values: string[]) =>
    JSON.stringify({
      status: "success",
      data: { resultType: "vector", result: values.map((value, i) => ({ metric: { i: `${i}` }, value: [1, value] })) },
    });
  const answers = (requests: string | string[], errors: string | string[]) => ({
    requests: readInstantAnswer(200, vector(...[requests].flat())),
    errors: readInstantAnswer(200, vector(...[errors].flat())),
  });
  /** green's first share (created at 10 of 100), or a raise from `fromWeight`. */
  const context = (fromWeight?: number) => ({
    app: "shop",
    color: "green" as const,
    version: "1.4.0",
    ...(fromWeight === undefined ? {} : { fromWeight }),
    toWeight: 20,
    totalWeight: 100,
  });
  const judge = (given: GateAnswers, s: PrometheusSettings = prometheus, fromWeight?: number) =>
    judgeGateTraffic(given, s, gateQueries(s, context(fromWeight)), context(fromWeight));

  it("sends the named queries with {app}, {color} and the window filled in; the ratio query replaces the 5xx count", () => {
    expect(gateQueries(prometheus, { app: "shop", color: "blue" })).toEqual({
      requests: 'sum(increase(http_requests_total{app="shop",color="blue"}[2m]))',
      errors: 'sum(increase(http_requests_total{app="shop",color="blue",code=~"5.."}[2m])) or vector(0)',
      errorsAre: "count",
    });
    expect(gateQueries(withRatio, { app: "shop", color: "green" })).toMatchObject({
      errors: 'errors_ratio{color="green"}',
      errorsAre: "ratio",
    });
  });

  it("GIVEN a color before its first share WHEN no request was counted (0, or no series) THEN it passes on its probes: no traffic", () => {
    for (const requests of [[], ["0"], ["0.4"]]) {
      expect(judge(answers(requests, "0"))).toEqual({ ok: true, noTraffic: PROMETHEUS_NO_TRAFFIC });
      // A ratio query ending in `or vector(0)` answers 0 with no traffic: it is not read as a healthy rate.
      expect(judge(answers(requests, "0"), withRatio)).toEqual({ ok: true, noTraffic: PROMETHEUS_NO_TRAFFIC });
      expect(judge(answers(requests, "0"), prometheus, 0)).toEqual({ ok: true, noTraffic: PROMETHEUS_NO_TRAFFIC });
    }
  });

  it("GIVEN a color with a share WHEN no request was counted THEN it fails: no request is no evidence", () => {
    expect(judge(answers("0", "0"), withRatio, 10)).toEqual({
      ok: false,
      failure: {
        check: "Prometheus request count",
        target: "http://prom:9090",
        observed: "0 requests to green in the last 2m",
        limit: "at least 1 request while green has users (weight 10 of 100)",
        because: expect.stringContaining("green already takes a share of users' traffic"),
      },
    });
    expect(judge(answers([], "0"), prometheus, 10)).toMatchObject({
      ok: false,
      failure: { observed: "no request to green ever counted (the query returned no series (empty result))" },
    });
  });

  it.each([
    ["several series", ["120", "80"], /the query returned 2 series where one is needed/],
    ["NaN", ["NaN"], /no finite sample value \(got "NaN"\)/],
    ["a blank value", [" "], /no finite sample value \(got " "\)/],
    ["a hex value", ["0x0"], /no finite sample value \(got "0x0"\)/],
    ["a negative count", ["-3"], /the value -3, which is not a count/],
  ])(
    "GIVEN a request count with %s WHEN judged THEN it fails closed, even before the first share",
    (_what, requests, why) => {
      for (const fromWeight of [undefined, 10]) {
        expect(judge(answers(requests, "0"), prometheus, fromWeight)).toEqual({
          ok: false,
          failure: expect.objectContaining({
            check: "Prometheus request count",
            observed: expect.stringMatching(why),
            because: expect.stringContaining(
              'gate.prometheus.queries.requests ("sum(increase(http_requests_total{app=\\"{app}\\",color=\\"{color}\\"}[{window}]))", sent as "sum(increase(http_requests_total{app=\\"shop\\",color=\\"green\\"}[2m]))")',
            ),
          }),
        });
      }
    },
  );

  it("GIVEN requests WHEN 5xx of them are at most maxErrorRate THEN it passes with the rate; above THEN it fails with both counts", () => {
    expect(judge(answers("100", "1"))).toEqual({ ok: true, errorRate: 0.01 });
    expect(judge(answers("119.97", "0"), prometheus, 10)).toEqual({ ok: true, errorRate: 0 });
    expect(judge(answers("100", "2"))).toEqual({
      ok: false,
      failure: {
        check: "Prometheus error rate",
        target: "http://prom:9090",
        observed: "error rate 0.02 (2 %): 2 of 100 requests answered 5xx",
        limit: "error rate <= 0.01 (1 %, gate.prometheus.maxErrorRate)",
        because: "the probes passed, but the app's error rate is above the limit.",
      },
    });
  });

  it("GIVEN more 5xx than requests WHEN judged THEN the queries disagree: it fails closed", () => {
    expect(judge(answers("10", "12"))).toMatchObject({
      ok: false,
      failure: { observed: "12 5xx answers of 10 requests: the two queries do not count the same requests" },
    });
  });

  it("GIVEN the ratio query WHEN it answers a rate over counted requests THEN the rate is judged, with the count", () => {
    expect(judge(answers("200", "0.005"), withRatio, 10)).toEqual({ ok: true, errorRate: 0.005 });
    expect(judge(answers("200", "0.2"), withRatio, 10)).toMatchObject({
      ok: false,
      failure: { observed: "error rate 0.2 (20 %) over 200 requests" },
    });
  });

  it.each(["NaN", "", "1.5", "-0.05"])(
    "GIVEN the ratio query answering %j over counted requests WHEN judged THEN it fails closed naming the query as configured and sent",
    (value) => {
      expect(judge(answers("200", value), withRatio, 10)).toMatchObject({
        ok: false,
        failure: {
          check: "Prometheus error rate",
          because:
            'the error rate could not be read, so the gate fails closed. Check gate.prometheus.url and gate.prometheus.query ("errors_ratio{color=\\"{color}\\"}", sent as "errors_ratio{color=\\"green\\"}").',
        },
      });
    },
  );
});

describe("formatFailure", () => {
  const failure = {
    check: "HTTP status",
    target: A,
    observed: "HTTP 503",
    limit: "one of [200] (gate.expectedStatus)",
    because: "3 consecutive failed rounds reached gate.failureThreshold (3).",
    excerpt: '{"status":"unhealthy"}',
  };

  it("GIVEN an update WHEN formatted THEN it names the change, the check, observed vs limit, the excerpt, that traffic did not move, and how to retry or roll back", () => {
    expect(
      formatFailure(failure, {
        app: "shop",
        color: "green",
        version: "1.4.0",
        fromWeight: 10,
        toWeight: 50,
        totalWeight: 100,
      }),
    ).toBe(
      [
        'Promotion gate blocked traffic to green of app "shop" (version 1.4.0, weight 10 -> 50 of 100).',
        "Failed check: HTTP status at http://a/health: observed HTTP 503; limit one of [200] (gate.expectedStatus). Stopped because 3 consecutive failed rounds reached gate.failureThreshold (3).",
        'Last response (first 200 chars): {"status":"unhealthy"}',
        "Traffic was NOT moved: the listener weights are unchanged (green stays at 10 of 100).",
        "To retry, fix green and run `pulumi up` again. To roll back, lower bluegreen:traffic.green: lowering a weight is never probed or blocked.",
      ].join("\n"),
    );
  });

  it("GIVEN a create without a response excerpt WHEN formatted THEN it says the color gets no traffic", () => {
    const message = formatFailure(
      { ...failure, excerpt: "" },
      { app: "shop", color: "blue", version: "1.0.0", toWeight: 100, totalWeight: 100 },
    );
    expect(message).toContain("(version 1.0.0, weight 100 of 100)");
    expect(message).toContain(
      "Traffic was NOT moved: the listener weights are unchanged (blue receives no traffic from this update).",
    );
    expect(message).not.toContain("Last response");
  });
});

describe("the start of a long answer", () => {
  it("keeps short text and cuts long text at 200 chars, saying how much was cut", async () => {
    expect(readInstantAnswer(502, "x".repeat(250))).toMatchObject({
      excerpt: `${"x".repeat(200)}… (50 more chars)`,
    });
    const read = await readResponse(
      200,
      [Buffer.from("x".repeat(250))],
      { expectedStatus: [200], body: { contains: "OK" } },
      {},
    );
    expect(read.excerpt).toBe(`${"x".repeat(200)}… (50 more chars)`);
  });
});

describe("classifyRequestError", () => {
  it("maps Node/axios error codes to failure kinds", () => {
    expect(
      [
        "ECONNREFUSED",
        "ECONNRESET",
        "EPIPE",
        "ERR_FR_TOO_MANY_REDIRECTS",
        "ERR_CANCELED",
        "ECONNABORTED",
        "ETIMEDOUT",
        "ENOTFOUND",
        undefined,
      ].map(classifyRequestError),
    ).toEqual(["refused", "reset", "reset", "redirect", "timeout", "timeout", "timeout", "network", "network"]);
  });
});
