/**
 * The release watch during a maintenance window (`bluegreen:maintenance.enabled`):
 * users get the page, so the traffic source (Prometheus, the router's
 * counters) is reported "skipped: maintenance" and the probes of each color's
 * own endpoint give the error rate; the shipped stacks' real outputs.
 */
import { describe, expect, it } from "vitest";
import { readStackOutputs, StackOutputs } from "../../../components/contracts/outputs";
import { PROMETHEUS_SKIPPED_MAINTENANCE } from "../../../components/gate/prometheus";
import { BlueGreenConfig, parseConfig } from "../../../components/platforms";
import { runProgram } from "../../../tooling/engine/offlineProgram";
import { readStackConfig } from "../../../tooling/engine/stackFiles";
import { planWatch, WatchPlanError } from "../../../tooling/watch/plan";

async function inMaintenance(name: string): Promise<{ config: BlueGreenConfig; outputs: StackOutputs }> {
  const raw = readStackConfig(name);
  const outputs = readStackOutputs(name, (await runProgram(name, { preview: false })).outputs);
  const config = parseConfig(raw.values, name, raw.secretKeys);
  return { config: { ...config, maintenance: { ...config.maintenance, enabled: true } }, outputs };
}

describe("planWatch while maintenance is on", () => {
  it("production (Prometheus): the query is skipped, not sent, and the probes give the error rate", async () => {
    const { config, outputs } = await inMaintenance("production");
    const plan = planWatch(config, outputs, "green");
    expect(plan.traffic).toBeUndefined();
    expect(plan.skipped).toEqual({ source: "prometheus", reason: PROMETHEUS_SKIPPED_MAINTENANCE });
    expect(plan.probes.green?.targets).toEqual([outputs.probeUrls?.green]);
    expect(plan.summary).toContain("error rate from the probes (Prometheus: skipped: maintenance)");
  });

  it("local (router log): the log is skipped too, the colors' own ports are probed, the servers' health still read", async () => {
    const { config, outputs } = await inMaintenance("local");
    const plan = planWatch(config, outputs, "green");
    expect(plan.traffic).toBeUndefined();
    expect(plan.skipped).toEqual({ source: "router", reason: PROMETHEUS_SKIPPED_MAINTENANCE });
    expect(plan.routerHealth).toEqual({ admin: { address: "127.0.0.1", port: 9999 }, backend: "api" });
    expect(plan.probes.green?.targets).toEqual(["http://127.0.0.1:8082/health"]);
  });

  it("a candidate with no probe URL: refused, saying the traffic source is skipped for the window", async () => {
    const { config, outputs } = await inMaintenance("production");
    let error: unknown;
    try {
      planWatch(config, { ...outputs, probeUrls: {} }, "green");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WatchPlanError);
    expect((error as Error).message).toMatch(/^nothing can watch green: /);
    expect((error as Error).message).toContain(
      "(Prometheus: skipped: maintenance, since users get the page while bluegreen:maintenance.enabled is true)",
    );
  });

  it("without maintenance the same stack keeps its Prometheus source", async () => {
    const { config, outputs } = await inMaintenance("production");
    const plan = planWatch({ ...config, maintenance: { ...config.maintenance, enabled: false } }, outputs, "green");
    expect(plan.traffic).toMatchObject({ kind: "prometheus" });
    expect(plan.skipped).toBeUndefined();
  });
});
