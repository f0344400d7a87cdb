/**
 * Rule (g) in the gate, through Pulumi's real dynamic-provider host: with
 * `hotfix`, a patch release of the other color may jump past maxStep straight
 * to its weight; it is still probed, one healthy round passes, and the
 * Prometheus check still runs.
 */
import { describe, expect, it } from "vitest";
import { fastSettings, GATE_TYPE, gateInputs, useGateRig } from "./fixtures";

const rig = useGateRig();

/** green 1.3.1 (a patch release of blue's 1.3.0) going from 0 to all of the traffic, maxStep 25. */
function hotfixJump(hotfix: boolean, settings = fastSettings({ maxStep: 25 })) {
  const release = { version: "1.3.1", image: "shop:1.3.1", otherVersion: "1.3.0", otherImage: "shop:1.3.0" };
  const targets = [rig.server.url("/healthy")];
  const olds = { ...gateInputs({ ...release, weight: 0, targets, settings }), verdict: "skipped" };
  const news = gateInputs({
    ...release,
    weight: 100,
    totalWeight: 100,
    targets,
    settings,
    ...(hotfix ? { hotfix } : {}),
  });
  return { olds, news };
}

describe("the hotfix exception (rule g) in the gate", () => {
  it("GIVEN a patch release jumping 0 -> 100 % past maxStep 25 WHEN checked without hotfix THEN refused; with it THEN allowed", async () => {
    const plain = hotfixJump(false);
    const refused = await rig.host.check(GATE_TYPE, rig.text, plain.olds, plain.news);
    expect(refused.failures.map((f) => f.reason)).toEqual([expect.stringContaining("bluegreen:gate.maxStep")]);
    const hotfix = hotfixJump(true);
    expect((await rig.host.check(GATE_TYPE, rig.text, hotfix.olds, hotfix.news)).failures).toEqual([]);
    expect(rig.server.totalHits()).toBe(0);
  });

  it("GIVEN the hotfix jump WHEN updated THEN it is probed and one healthy round passes (consecutiveSuccesses 3)", async () => {
    const { olds, news } = hotfixJump(true);
    const outs = await rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", olds, news);
    expect(outs).toMatchObject({ verdict: "passed", samples: 1, hotfix: true });
    expect(outs.reason).toMatch(/\(hotfix: no step limit\)$/);
    expect(rig.server.hits("/healthy")).toBe(1);
  });

  it("GIVEN the hotfix jump with a Prometheus check WHEN updated THEN the query still runs and a high error rate still blocks", async () => {
    const low = fastSettings({
      maxStep: 25,
      prometheus: { url: rig.server.url("/"), query: "errors_low", maxErrorRate: 0.01 },
    });
    const passing = hotfixJump(true, low);
    const outs = await rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", passing.olds, passing.news);
    expect(outs).toMatchObject({ verdict: "passed", samples: 1, errorRate: 0.001 });
    expect(rig.server.queries).toEqual(["errors_low"]);

    const high = fastSettings({
      maxStep: 25,
      prometheus: { url: rig.server.url("/"), query: "errors_high", maxErrorRate: 0.01 },
    });
    const failing = hotfixJump(true, high);
    await expect(rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", failing.olds, failing.news)).rejects.toThrow(
      /error rate/i,
    );
  });

  it("GIVEN hotfix WHEN the color is a minor release of the other THEN the step limit still applies", async () => {
    const { olds, news } = hotfixJump(true);
    const minor = { ...news, version: "1.4.0", image: "shop:1.4.0" };
    const result = await rig.host.check(GATE_TYPE, rig.text, { ...olds, version: "1.4.0", image: "shop:1.4.0" }, minor);
    expect(result.failures.map((f) => f.property)).toEqual(["weight"]);
  });
});
