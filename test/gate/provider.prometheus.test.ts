/**
 * The gate's user-traffic check through Pulumi's real dynamic-provider host,
 * against a stand-in of Prometheus's query API (testkit/prometheusServer.ts)
 * with the default named queries: a color before its first share passes on
 * its probes and records "no traffic: probes only"; once it has a share, no
 * counted request, several series or an unreadable value block it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROMETHEUS_NO_TRAFFIC } from "../../components/gate/prometheus";
import { ProviderCallError } from "../../testkit/providerHost";
import { PrometheusServer } from "../../testkit/prometheusServer";
import { fastSettings, GATE_TYPE, gateInputs, useGateRig } from "./fixtures";

const rig = useGateRig();
let prometheus: PrometheusServer;
beforeAll(async () => {
  prometheus = await PrometheusServer.start();
});
afterAll(() => prometheus?.close());
beforeEach(() => prometheus.reset());

const REQUESTS = 'sum(increase(http_requests_total{app="shop",color="green"}[2m]))';
const ERRORS_5XX = 'sum(increase(http_requests_total{app="shop",color="green",code=~"5.."}[2m])) or vector(0)';

const settings = (extra: object = {}) =>
  fastSettings({ prometheus: { url: prometheus.url, maxErrorRate: 0.01, ...extra } });

/** green created at 10 of 100 (its first share), probed healthy. */
const create = (extra: object = {}) =>
  rig.host.create(
    GATE_TYPE,
    rig.text,
    gateInputs({ targets: [rig.server.url("/healthy")], settings: settings(extra) }),
  );

/** green raised from 10 to 20 of 100: it has users, so its traffic must be judged. */
const raise = async (extra: object = {}) => {
  const olds = {
    ...gateInputs({ targets: [rig.server.url("/healthy")], settings: settings(extra) }),
    verdict: "passed",
  };
  const news = { ...olds, weight: 20 };
  delete (news as Record<string, unknown>).verdict;
  return rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", olds, news);
};

const blockedBy = async (run: () => Promise<unknown>): Promise<string> => {
  const error = await run().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderCallError);
  return (error as ProviderCallError).details;
};

describe("the gate's user-traffic check", () => {
  it("GIVEN a color before its first share WHEN Prometheus counted no request THEN it passes on its probes and records no traffic", async () => {
    // Nothing served: the request counter has no series, and the 5xx query's `or vector(0)` answers 0.
    prometheus.value(ERRORS_5XX, "0");
    const { outs } = await create();
    expect(outs).toMatchObject({ verdict: "passed", samples: 3, prometheus: PROMETHEUS_NO_TRAFFIC });
    expect(outs).not.toHaveProperty("errorRate");
    // Both queries at one instant, so that the count and its errors cover the same window.
    expect(prometheus.queries.map((q) => q.query).sort()).toEqual([REQUESTS, ERRORS_5XX].sort());
    expect(new Set(prometheus.queries.map((q) => q.time)).size).toBe(1);
  });

  it("GIVEN a ratio query ending in `or vector(0)` WHEN no request was counted THEN the 0 is not a healthy rate: no traffic is recorded", async () => {
    const ratio = 'sum(rate(errors{color="{color}"}[2m])) / sum(rate(requests{color="{color}"}[2m])) or vector(0)';
    prometheus.value(ratio.replaceAll("{color}", "green"), "0").value(REQUESTS, "0");
    const { outs } = await create({ query: ratio });
    expect(outs).toMatchObject({ verdict: "passed", prometheus: PROMETHEUS_NO_TRAFFIC });
    expect(outs).not.toHaveProperty("errorRate");
  });

  it("GIVEN a color with a share WHEN no request was counted THEN it is blocked: no request is no evidence", async () => {
    prometheus.value(ERRORS_5XX, "0").value(REQUESTS, "0");
    expect(await blockedBy(() => raise())).toContain(
      `Failed check: Prometheus request count at ${prometheus.url}: observed 0 requests to green in the last 2m; limit at least 1 request while green has users (weight 10 of 100).`,
    );
  });

  it("GIVEN a color with a share WHEN its 5xx are within maxErrorRate THEN it passes and records the rate", async () => {
    prometheus.value(REQUESTS, "400").value(ERRORS_5XX, "4");
    expect(await raise()).toMatchObject({ verdict: "passed", errorRate: 0.01 });
    prometheus.value(ERRORS_5XX, "5");
    expect(await blockedBy(() => raise())).toContain(
      "observed error rate 0.0125 (1.25 %): 5 of 400 requests answered 5xx; limit error rate <= 0.01 (1 %, gate.prometheus.maxErrorRate)",
    );
  });

  it("GIVEN a request count answered with several series WHEN judged THEN it fails closed naming the query", async () => {
    prometheus.answer(REQUESTS, {
      series: [
        { metric: { pod: "web-1" }, value: "300" },
        { metric: { pod: "web-2" }, value: "100" },
      ],
    });
    const message = await blockedBy(() => create());
    expect(message).toContain(
      'observed the query returned 2 series where one is needed ({pod="web-1"}, {pod="web-2"}): aggregate it to one series per color',
    );
    expect(message).toContain(`sent as ${JSON.stringify(REQUESTS)}`);
  });

  it.each(["NaN", "", " ", "0x0", "+Inf", "1e400", "-4"])(
    "GIVEN a 5xx count of %j over counted requests WHEN judged THEN it fails closed, never reads 0",
    async (value) => {
      prometheus.value(REQUESTS, "400").value(ERRORS_5XX, value);
      const message = await blockedBy(() => raise());
      expect(message).toContain("Failed check: Prometheus error rate");
      expect(message).toContain("the error rate could not be read, so the gate fails closed.");
    },
  );
});
