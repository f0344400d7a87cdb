/**
 * Rule (g) in the gate, through Pulumi's real dynamic-provider host: with
 * `hotfix`, a patch release (no prerelease) of the version that served
 * traffic before the update may jump past maxStep straight to its weight; it
 * is still probed, one healthy round passes outside a maintenance window and
 * `consecutiveSuccesses` during one, and the Prometheus check still runs.
 */
import { describe, expect, it } from "vitest";
import { ProviderCallError } from "../../testkit/providerHost";
import { fastSettings, GATE_TYPE, gateInputs, useGateRig } from "./fixtures";

const rig = useGateRig();

/** green 1.3.1 (a patch release of blue's 1.3.0, which served everything) going from 0 to all of the traffic, maxStep 25. */
function hotfixJump(hotfix: boolean, settings = fastSettings({ maxStep: 25 }), targetPath = "/healthy") {
  const release = { version: "1.3.1", image: "shop:1.3.1", otherVersion: "1.3.0", otherImage: "shop:1.3.0" };
  const targets = [rig.server.url(targetPath)];
  const served = { version: "1.3.0", image: "shop:1.3.0", otherVersion: "1.3.0", otherImage: "shop:1.3.0" };
  const olds = { ...gateInputs({ ...served, weight: 0, targets, settings }), verdict: "skipped" };
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

const stepRefusals = async (olds: Record<string, unknown>, news: Record<string, unknown>) =>
  (await rig.host.check(GATE_TYPE, rig.text, olds, news)).failures.filter((f) => f.property === "weight");

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
    expect(rig.server.queries).toContain("errors_low");

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

  it("GIVEN 1.3.0 served WHEN the other color moves to 1.4.0 in the same update and this one jumps with 1.4.1 THEN the step limit applies: judged against what served", async () => {
    const { olds, news } = hotfixJump(true);
    const beside = { ...news, version: "1.4.1", image: "shop:1.4.1", otherVersion: "1.4.0", otherImage: "shop:1.4.0" };
    expect((await stepRefusals(olds, beside)).map((f) => f.reason)).toEqual([
      expect.stringContaining(
        "bluegreen:release.hotfix does not lift the limit: 1.4.1 is not a patch release (same major and minor, higher patch, no prerelease) of 1.3.0, which served traffic before this update.",
      ),
    ]);
  });

  it("GIVEN hotfix WHEN the patch is a prerelease (1.3.1-rc.1 of 1.3.0) THEN the step limit applies", async () => {
    const { olds, news } = hotfixJump(true);
    const candidate = { ...news, version: "1.3.1-rc.1", image: "shop:1.3.1-rc.1" };
    expect((await stepRefusals(olds, candidate)).map((f) => f.reason)).toEqual([
      expect.stringContaining("1.3.1-rc.1 is not a patch release"),
    ]);
  });

  it("GIVEN a state from before the other color's version was recorded WHEN the hotfix jumps THEN the step limit applies, saying why", async () => {
    const { olds, news } = hotfixJump(true);
    const { otherVersion: _unrecorded, ...older } = olds;
    expect((await stepRefusals({ ...older, weight: 10 }, news)).map((f) => f.reason)).toEqual([
      expect.stringContaining("the version that served traffic before this update is not known to the gate"),
    ]);
  });
});

describe("the hotfix exception during a maintenance window", () => {
  const windowSettings = fastSettings({ maxStep: 25, deadlineSeconds: 2 });

  it("GIVEN a color that answers its 1st probe round and fails its 2nd WHEN the hotfix updates outside the window THEN one healthy round passes it", async () => {
    const { olds, news } = hotfixJump(true, windowSettings, "/degrading?ok=1&case=outside");
    const outs = await rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", olds, news);
    expect(outs).toMatchObject({ verdict: "passed", samples: 1 });
    expect(rig.server.hits("/degrading")).toBe(1);
  });

  it("GIVEN the same color WHEN the hotfix updates during the window THEN its 2nd round fails the gate: gate.consecutiveSuccesses (3) rounds are needed", async () => {
    const { olds, news } = hotfixJump(true, windowSettings, "/degrading?ok=1&case=inside");
    const error = await rig.host
      .update(GATE_TYPE, rig.text, "shop-green-gate", olds, { ...news, maintenance: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect((error as Error).message).toContain("HTTP 503");
    expect(rig.server.hits("/degrading")).toBeGreaterThanOrEqual(2);
  });

  it("GIVEN a healthy color WHEN the hotfix updates during the window THEN it still jumps past maxStep, after 3 healthy rounds", async () => {
    const { olds, news } = hotfixJump(true, windowSettings);
    const checked = await rig.host.check(GATE_TYPE, rig.text, olds, { ...news, maintenance: true });
    expect(checked.failures).toEqual([]);
    const outs = await rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", olds, checked.inputs);
    expect(outs).toMatchObject({ verdict: "passed", samples: 3, hotfix: true });
    expect(rig.server.hits("/healthy")).toBe(3);
  });
});
