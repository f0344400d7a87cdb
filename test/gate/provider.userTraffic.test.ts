/**
 * A share raised during a maintenance window is passed on probes alone: the
 * gate's state records it (USER_TRAFFIC_PENDING), through Pulumi's real
 * dynamic-provider host against a 127.0.0.1 server, until a gate run outside
 * the window or a share of 0; and what the update closing the window says.
 */
import { describe, expect, it } from "vitest";
import { afterWindowNotice, USER_TRAFFIC_PENDING } from "../../components/gate/userTraffic";
import { fastSettings, GATE_TYPE, gateInputs, useGateRig } from "./fixtures";

const rig = useGateRig();

/** green 2.0.0 after an irreversible migration: 0 -> 100 % inside the window (the breaking-migration runbook). */
function windowJump() {
  const settings = fastSettings({ allowLargeStep: true });
  const release = { version: "2.0.0", image: "shop:2.0.0", otherVersion: "1.4.2", otherImage: "shop:1.4.2" };
  const targets = [rig.server.url("/healthy")];
  const olds = { ...gateInputs({ ...release, weight: 0, targets, settings }), verdict: "skipped" };
  const news = gateInputs({ ...release, weight: 100, totalWeight: 100, targets, settings, maintenance: true });
  return { olds, news };
}

describe("the gate records a color passed during the window on probes alone", () => {
  it("GIVEN 0 -> 100 % during the window WHEN the gate passes THEN its state says user traffic is still to be judged", async () => {
    const { olds, news } = windowJump();
    const outs = await rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", olds, news);
    expect(outs).toMatchObject({ verdict: "passed", samples: 3, userTraffic: USER_TRAFFIC_PENDING });
  });

  it("GIVEN the mark WHEN only the window closes THEN the gate does not run (the state keeps the mark for the notice)", async () => {
    const { news } = windowJump();
    const olds = { ...news, verdict: "passed", userTraffic: USER_TRAFFIC_PENDING };
    const diff = await rig.host.diff(GATE_TYPE, rig.text, "shop-green-gate", olds, { ...news, maintenance: false });
    expect(diff.changes).toBe("none");
  });

  it("GIVEN the mark WHEN the gate runs again during the window without probing THEN the mark stays; at a share of 0 it goes", async () => {
    const { news } = windowJump();
    const olds = {
      ...news,
      verdict: "passed",
      verified: { version: "2.0.0", image: "shop:2.0.0" },
      userTraffic: USER_TRAFFIC_PENDING,
    };
    const lowered = await rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", olds, { ...news, weight: 50 });
    expect(lowered).toMatchObject({ verdict: "skipped", userTraffic: USER_TRAFFIC_PENDING });
    const idle = await rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", olds, { ...news, weight: 0 });
    expect(idle).not.toHaveProperty("userTraffic");
    expect(rig.server.hits("/healthy")).toBe(0);
  });

  it("GIVEN the mark WHEN the gate runs outside the window THEN the mark goes", async () => {
    const { news } = windowJump();
    const olds = { ...news, verdict: "passed", userTraffic: USER_TRAFFIC_PENDING };
    const outs = await rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", olds, {
      ...news,
      maintenance: false,
      version: "2.0.1",
      image: "shop:2.0.1",
    });
    expect(outs).toMatchObject({ verdict: "passed" });
    expect(outs).not.toHaveProperty("userTraffic");
  });

  it("GIVEN a gate passed outside any window THEN no mark", async () => {
    const { olds, news } = windowJump();
    const outs = await rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", olds, { ...news, maintenance: false });
    expect(outs).not.toHaveProperty("userTraffic");
  });
});

describe("afterWindowNotice: what the update closing the window says", () => {
  const facts = {
    stack: "production",
    color: "green" as const,
    version: "2.0.0",
    weight: 100,
    totalWeight: 100,
    other: { color: "blue" as const, version: "1.4.2" },
  };

  it("names the color, the watch to run, and a rollback to the other color when rule (f) allows it", () => {
    expect(afterWindowNotice(facts)).toBe(
      "green (2.0.0, weight 100 of 100) passed its gate during the maintenance window on its probes alone: no user reached it. " +
        "With bluegreen:maintenance.enabled false, users get green, and no gate judges their traffic. " +
        "Judge it as soon as the page is down: npm run watch -- production --for 30m. On a breach the watch moves the traffic back to blue (1.4.2).",
    );
  });

  it("says there is no way back when the other color runs nothing", () => {
    expect(afterWindowNotice({ ...facts, other: { color: "blue", version: "" } })).toMatch(
      /blue runs nothing, so a breach has nowhere to go back to: watch with --no-rollback, and put the page back up by hand on a breach\.$/,
    );
  });

  it("says the page goes back up when rule (f) refuses the way back", () => {
    expect(afterWindowNotice({ ...facts, rollbackRefused: "migration m is irreversible." })).toContain(
      "Traffic cannot go back to blue (1.4.2): migration m is irreversible. So on a breach the watch puts the maintenance page back up and stops; " +
        "then restore from the pre-migration snapshot (docs/runbook-breaking-migration.md, step 7).",
    );
  });
});
