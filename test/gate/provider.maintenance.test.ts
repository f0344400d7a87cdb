/**
 * The gate during a maintenance window (`bluegreen:maintenance.enabled`),
 * through Pulumi's real dynamic-provider host against a 127.0.0.1 server:
 * users get the page, so the Prometheus check reports "skipped: maintenance"
 * instead of failing, while the probes of the color's own endpoint still
 * judge it; switching maintenance alone is no change for the gate.
 */
import { describe, expect, it } from "vitest";
import { PROMETHEUS_SKIPPED_MAINTENANCE } from "../../components/gate/prometheus";
import { ProviderCallError } from "../../testkit/providerHost";
import { fastSettings, GATE_TYPE, gateInputs, useGateRig } from "./fixtures";

const rig = useGateRig();

describe("the gate while maintenance is on", () => {
  it("GIVEN maintenance on and a Prometheus that would fail the gate WHEN created THEN it passes on the probes and records the check as skipped", async () => {
    const settings = fastSettings({
      prometheus: { url: rig.server.url("/"), query: "errors_high", maxErrorRate: 0.01 },
    });
    const inputs = gateInputs({ targets: [rig.server.url("/healthy")], settings, maintenance: true });
    const { outs } = await rig.host.create(GATE_TYPE, rig.text, inputs);
    expect(outs).toMatchObject({ verdict: "passed", samples: 3, prometheus: PROMETHEUS_SKIPPED_MAINTENANCE });
    expect(outs).not.toHaveProperty("errorRate");
    expect(rig.server.queries).toEqual([]);
  });

  it("GIVEN the same gate without maintenance WHEN created THEN the Prometheus check runs and fails it", async () => {
    const settings = fastSettings({
      prometheus: { url: rig.server.url("/"), query: "errors_high", maxErrorRate: 0.01 },
    });
    const inputs = gateInputs({ targets: [rig.server.url("/healthy")], settings });
    const error = await rig.host.create(GATE_TYPE, rig.text, inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect((error as Error).message).toContain("Prometheus error rate");
    expect(rig.server.queries).toContain("errors_high");
  });

  it("GIVEN maintenance on WHEN the color's own endpoint fails THEN the gate still blocks", async () => {
    const settings = fastSettings({
      prometheus: { url: rig.server.url("/"), query: "errors_low", maxErrorRate: 0.01 },
    });
    const inputs = gateInputs({ targets: [rig.server.url("/status/503")], settings, maintenance: true });
    const error = await rig.host.create(GATE_TYPE, rig.text, inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect((error as Error).message).toContain("HTTP 503");
  });

  it("GIVEN a passed gate WHEN only maintenance is switched on THEN no change: it is neither a promotion nor a step", async () => {
    const olds = { ...gateInputs({ targets: ["http://a/health"] }), verdict: "passed" };
    const news = gateInputs({ targets: ["http://a/health"], maintenance: true });
    expect((await rig.host.diff(GATE_TYPE, rig.text, "shop-green-gate", olds, news)).changes).toBe("none");
  });

  it("GIVEN maintenance that is not a boolean WHEN checked THEN Check names the input", async () => {
    const news = { ...gateInputs({ targets: ["http://a/health"] }), maintenance: "yes" };
    const { failures } = await rig.host.check(GATE_TYPE, rig.text, {}, news);
    expect(failures).toContainEqual({ property: "maintenance", reason: "must be true or false" });
  });
});
