/**
 * Which sources watch each shipped stack, from its parsed config and the
 * outputs the real program exports for it (run offline under the mocks),
 * and the stacks the watch refuses, naming the key to change.
 */
import { describe, expect, it } from "vitest";
import { readStackOutputs, StackOutputs } from "../../../components/contracts/outputs";
import { BlueGreenConfig, parseConfig } from "../../../components/platforms";
import { runProgram } from "../../../tooling/engine/offlineProgram";
import { readStackConfig } from "../../../tooling/engine/stackFiles";
import { planWatch, WatchPlanError } from "../../../tooling/watch/plan";

async function stack(name: string): Promise<{ config: BlueGreenConfig; outputs: StackOutputs }> {
  const raw = readStackConfig(name);
  const outputs = readStackOutputs(name, (await runProgram(name, { preview: false })).outputs);
  return { config: parseConfig(raw.values, name, raw.secretKeys), outputs };
}

describe("planWatch on the shipped stacks", () => {
  it("local (docker): the router's log for user traffic, its checks for server health, 20 probes a round of each color's own port", async () => {
    const { config, outputs } = await stack("local");
    const plan = planWatch(config, outputs, "green");
    expect(plan.traffic).toEqual({ kind: "router", admin: { address: "127.0.0.1", port: 9999 }, backend: "api" });
    expect(plan.routerHealth).toEqual({ admin: { address: "127.0.0.1", port: 9999 }, backend: "api" });
    expect(plan.probes).toEqual({
      blue: { targets: ["http://127.0.0.1:8081/health"], perTarget: 20, spreadMs: 30_000 },
      green: { targets: ["http://127.0.0.1:8082/health"], perTarget: 20, spreadMs: 30_000 },
    });
    expect(plan.summary).toBe(
      "watching green every 60 s: user traffic from the router's log and server health from its checks (backend api, runtime API 127.0.0.1:9999); " +
        "20 probes a round of http://127.0.0.1:8082/health over 30 s; blue is the reference",
    );
  });

  it("production (aws with bluegreen:gate.prometheus): Prometheus for the error rate, probes of the test listener", async () => {
    const { config, outputs } = await stack("production");
    const plan = planWatch(config, outputs, "green");
    // The named queries over the watch's interval, and the stack's ratio query beside its request count.
    expect(plan.traffic).toEqual({
      kind: "prometheus",
      url: "https://prometheus.internal.example.com",
      app: "api",
      window: `${config.watch.intervalSeconds}s`,
      queries: config.gate.prometheus?.queries,
      ratio: config.gate.prometheus?.query,
    });
    expect(plan.readyEndpoints).toBeUndefined();
    expect(plan.probes.green?.targets).toEqual([outputs.probeUrls?.green]);
    expect(plan.gate.body).toEqual({ json: { path: "status", equals: "healthy" } });
  });

  it("staging (aws, no Prometheus): CloudWatch's metrics of each color's target group, from the ARNs the program exports", async () => {
    const { config, outputs } = await stack("staging");
    const plan = planWatch(config, outputs, "blue");
    expect(plan.traffic).toEqual({
      kind: "cloudwatch",
      region: expect.stringMatching(/^[a-z]+-[a-z]+-\d$/),
      loadBalancer: expect.stringMatching(/^app\/[^/]+\/[^/]+$/),
      targetGroups: {
        blue: expect.stringMatching(/^targetgroup\/[^/]+\/[^/]+$/),
        green: expect.stringMatching(/^targetgroup\/[^/]+\/[^/]+$/),
      },
    });
    expect(plan.probes.blue).toEqual({ targets: [outputs.probeUrls?.blue], perTarget: 20, spreadMs: 30_000 });
    expect(plan.summary).toContain("user traffic and healthy hosts from CloudWatch");
    // A stack deployed before the load balancer's ARN was exported is watched by its probes, saying why.
    const older = planWatch(config, { ...outputs, resourceIds: {} }, "blue");
    expect(older.traffic).toBeUndefined();
    expect(older.summary).toMatch(
      /error rate from the probes \(CloudWatch: the stack has no `resourceIds.loadBalancerArn` output/,
    );
  });

  it("kube-staging (no Prometheus): the probes give the error rate, at least minSamples a round", async () => {
    const { config, outputs } = await stack("kube-staging");
    const plan = planWatch(config, outputs, "blue");
    expect(plan.traffic).toBeUndefined();
    expect(plan.probes.blue).toEqual({ targets: [outputs.probeUrls?.blue], perTarget: 20, spreadMs: 30_000 });
    expect(plan.summary).toContain("error rate from the probes");
    // Each color's ready endpoints: the EndpointSlices of its Service, against its Deployment's replicas.
    expect(plan.readyEndpoints).toEqual({
      namespace: "api-staging",
      services: { blue: "api-blue", green: "api-green" },
      replicas: { blue: 2, green: 2 },
    });
    expect(plan.summary).toContain("ready endpoints of Service api-blue");
  });

  it("adds bluegreen:gate.targets.<color> to the platform's probe URL, and splits minSamples over them", async () => {
    const { config, outputs } = await stack("staging");
    const gate = {
      ...config.gate,
      targets: { green: ["https://green.example.com/health", "https://g2.example.com/h"] },
    };
    const plan = planWatch({ ...config, gate }, outputs, "green");
    expect(plan.probes.green).toMatchObject({
      targets: [outputs.probeUrls?.green, ...gate.targets.green],
      perTarget: 7,
    });
  });
});

describe("planWatch refuses what cannot be watched", () => {
  it("more probes than the bound allows: names both keys and the interval that would do", async () => {
    const { config, outputs } = await stack("staging");
    const watch = { ...config.watch, intervalSeconds: 1 };
    expect(() => planWatch({ ...config, watch }, outputs, "green")).toThrow(
      new WatchPlanError(
        "bluegreen:watch.minSamples (20) needs 20 probe requests per color and round, more than the 10 the watch sends " +
          "in half of bluegreen:watch.intervalSeconds (1 s) at 20 a second. Raise bluegreen:watch.intervalSeconds to 2 " +
          "or lower bluegreen:watch.minSamples",
      ),
    );
  });

  it("a candidate with no probe URL and no Prometheus", async () => {
    const { config, outputs } = await stack("kube-staging");
    expect(() => planWatch(config, { ...outputs, probeUrls: { blue: outputs.probeUrls?.blue } }, "green")).toThrow(
      /^nothing can watch green: .*output probeUrls\.green, bluegreen:gate\.targets\.green.*bluegreen:gate\.prometheus/,
    );
  });

  it("a docker stack without its url output (the router's address)", async () => {
    const { config, outputs } = await stack("local");
    expect(() => planWatch(config, { ...outputs, url: undefined }, "green")).toThrow(/no `url` output/);
  });
});
