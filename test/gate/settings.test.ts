import { describe, expect, it } from "vitest";
import { isHttpUrl } from "../../components/gate/schema";
import { DEFAULT_PROMETHEUS_QUERIES } from "../../components/gate/prometheusQueries";
import { DEFAULT_GATE_SETTINGS, gateSettingsSchema } from "../../components/gate/settings";

function issuesOf(input: unknown): { path: string; message: string }[] {
  const result = gateSettingsSchema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

describe("gateSettingsSchema", () => {
  it("GIVEN no bluegreen:gate key WHEN parsed THEN every default applies", () => {
    expect(DEFAULT_GATE_SETTINGS).toEqual({
      targets: {},
      expectedStatus: [200],
      requestTimeoutMs: 2000,
      intervalMs: 1000,
      consecutiveSuccesses: 3,
      failureThreshold: 3,
      p95LatencyMs: 750,
      deadlineSeconds: 120,
      maxStep: 100,
      allowLargeStep: false,
    });
    expect(gateSettingsSchema.parse({})).toEqual(DEFAULT_GATE_SETTINGS);
  });

  it("GIVEN a full production block WHEN parsed THEN it is kept as written", () => {
    const settings = {
      targets: { green: ["https://green.internal/health"] },
      expectedStatus: [200, 204],
      body: { json: { path: "checks.db", equals: "up" } },
      requestTimeoutMs: 1500,
      intervalMs: 500,
      consecutiveSuccesses: 5,
      failureThreshold: 2,
      p95LatencyMs: 400,
      deadlineSeconds: 60,
      maxStep: 25,
      allowLargeStep: false,
      prometheus: {
        url: "http://prometheus:9090",
        query: 'sum(rate(errors{color="{color}"}[1m]))/sum(rate(requests{color="{color}"}[1m]))',
        maxErrorRate: 0.01,
        window: "90s",
        queries: {
          requests: 'sum(increase(requests{color="{color}"}[{window}]))',
          errors5xx: 'sum(increase(errors{color="{color}"}[{window}])) or vector(0)',
          errors4xx: 'sum(increase(rejected{color="{color}"}[{window}])) or vector(0)',
          p95Seconds: 'histogram_quantile(0.95, sum by (le) (rate(latency_bucket{color="{color}"}[{window}])))',
        },
      },
    };
    expect(gateSettingsSchema.parse(settings)).toEqual(settings);
    expect(gateSettingsSchema.parse({ body: { contains: "OK" } }).body).toEqual({ contains: "OK" });
  });

  it("GIVEN non-http target URLs WHEN parsed THEN each is reported at its path, never quoting the URL (it may carry a password)", () => {
    expect(issuesOf({ targets: { blue: ["ftp://u:pw@x/health"], green: ["https://ok/health", "/health"] } })).toEqual([
      { path: "targets.blue.0", message: 'must be an absolute http(s) URL such as "https://app.example.com/health"' },
      { path: "targets.green.1", message: 'must be an absolute http(s) URL such as "https://app.example.com/health"' },
    ]);
  });

  it("GIVEN out-of-range numbers WHEN parsed THEN the messages name the field and the rule", () => {
    expect(issuesOf({ intervalMs: 5, maxStep: 150, consecutiveSuccesses: 0, expectedStatus: [] })).toEqual([
      { path: "expectedStatus", message: "list at least one healthy status, e.g. [200]" },
      { path: "intervalMs", message: "intervalMs must be at least 10 ms" },
      { path: "consecutiveSuccesses", message: "consecutiveSuccesses must be greater than 0" },
      { path: "maxStep", message: "maxStep is in percentage points, at most 100" },
    ]);
    expect(issuesOf({ requestTimeoutMs: 2.5 })).toEqual([
      { path: "requestTimeoutMs", message: "requestTimeoutMs must be a whole number" },
    ]);
    expect(issuesOf({ prometheus: { url: "http://p:9090", query: "q", maxErrorRate: 5 } })).toEqual([
      { path: "prometheus.maxErrorRate", message: "maxErrorRate is a ratio between 0 and 1" },
    ]);
  });

  it("GIVEN a Prometheus block with only url and maxErrorRate WHEN parsed THEN the named queries and the window default, each per color", () => {
    const { prometheus } = gateSettingsSchema.parse({ prometheus: { url: "http://p:9090", maxErrorRate: 0.01 } });
    expect(prometheus).toEqual({
      url: "http://p:9090",
      maxErrorRate: 0.01,
      window: "2m",
      queries: DEFAULT_PROMETHEUS_QUERIES,
    });
    for (const query of Object.values(DEFAULT_PROMETHEUS_QUERIES)) expect(query).toContain("{color}");
  });

  it("GIVEN a named query without {color} or a window that is not a duration WHEN parsed THEN each is named", () => {
    expect(
      issuesOf({
        prometheus: { url: "http://p:9090", maxErrorRate: 0.01, window: "2 minutes", queries: { requests: "sum(x)" } },
      }),
    ).toEqual([
      { path: "prometheus.window", message: 'window must be a Prometheus duration such as "2m" or "90s"' },
      { path: "prometheus.queries.requests", message: "requests must contain {color}, filled in per color" },
    ]);
  });

  it("GIVEN a misspelt or unsupported key (headers belong to gateHeaders) WHEN parsed THEN it is rejected", () => {
    expect(issuesOf({ headerNames: ["x"] })).toEqual([{ path: "", message: 'Unrecognized key: "headerNames"' }]);
  });

  it("GIVEN a JSON body path with an empty segment WHEN parsed THEN the path rule is explained", () => {
    expect(issuesOf({ body: { json: { path: "checks..db", equals: "up" } } })).toEqual([
      { path: "body.json.path", message: 'a dot path such as "status" or "checks.db" (no empty segments, no spaces)' },
    ]);
  });

  it("GIVEN a request timeout that reaches the deadline WHEN parsed THEN both fields and values are named", () => {
    expect(issuesOf({ requestTimeoutMs: 5000, deadlineSeconds: 5 })).toEqual([
      {
        path: "requestTimeoutMs",
        message:
          "requestTimeoutMs (5000) must be less than deadlineSeconds × 1000 (5000 ms): one request could use up the whole gate. Lower requestTimeoutMs or raise deadlineSeconds.",
      },
    ]);
  });

  it("GIVEN more successes than fit before the deadline WHEN parsed THEN the product is shown", () => {
    expect(
      issuesOf({
        consecutiveSuccesses: 10,
        intervalMs: 1000,
        deadlineSeconds: 10,
        requestTimeoutMs: 900,
        p95LatencyMs: 500,
      }),
    ).toEqual([
      {
        path: "consecutiveSuccesses",
        message:
          "consecutiveSuccesses × intervalMs (10 × 1000 = 10000 ms) must be less than deadlineSeconds × 1000 (10000 ms): the gate could never pass before its deadline. Lower consecutiveSuccesses or intervalMs, or raise deadlineSeconds.",
      },
    ]);
  });

  it("GIVEN a latency limit above the request timeout WHEN parsed THEN it is rejected as unreachable", () => {
    expect(issuesOf({ p95LatencyMs: 3000 })).toEqual([
      {
        path: "p95LatencyMs",
        message:
          "p95LatencyMs (3000) must not exceed requestTimeoutMs (2000): slower requests are cut at the timeout, so this latency limit could never trigger. Lower p95LatencyMs or raise requestTimeoutMs.",
      },
    ]);
  });
});

describe("isHttpUrl", () => {
  it("accepts only absolute http and https URLs", () => {
    expect(["http://127.0.0.1:8080/health", "https://app.example.com"].map(isHttpUrl)).toEqual([true, true]);
    expect(["ftp://host", "127.0.0.1:8080", "/health", "", "http//x"].map(isHttpUrl)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
