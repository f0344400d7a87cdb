/**
 * PromotionGate through Pulumi's real dynamic-provider host: serialization,
 * Check (the promotion rules at preview, before anything is probed) and Diff.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_GATE_SETTINGS } from "../../components/gate/settings";
import { fastSettings, GATE_TYPE, gateInputs, useGateRig } from "./fixtures";

/** What the engine sends for a value not known at preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const rig = useGateRig();

describe("serialized provider", () => {
  it("is small, loads npm packages lazily inside its methods, and carries no secrets", () => {
    console.log(`PromotionGate provider text: ${Buffer.byteLength(rig.text)} bytes`);
    expect(Buffer.byteLength(rig.text)).toBeLessThan(64 * 1024);
    // A captured module object would appear as a top-level `var x = require(...)`.
    expect(rig.text).not.toMatch(/^var [\w$]+ = require\(/m);
    expect(rig.text).toContain('require("axios")');
    expect(rig.text).not.toMatch(/(password|secret|token|bearer|authorization)["']?\s*[:=]/i);
  });
});

describe("check (runs at preview)", () => {
  const previous = { ...gateInputs(), weight: 10, targets: ["http://127.0.0.1:1/health"] };

  it("GIVEN valid inputs with partial settings WHEN checked THEN no failures and settings get their defaults", async () => {
    const result = await rig.host.check(
      GATE_TYPE,
      rig.text,
      {},
      { ...gateInputs({ targets: [rig.server.url("/healthy")] }), settings: { maxStep: 25 } },
    );
    expect(result.failures).toEqual([]);
    expect(result.inputs.settings).toEqual({ ...DEFAULT_GATE_SETTINGS, maxStep: 25 });
  });

  it("GIVEN 10 -> 50 of 100 with maxStep 25 WHEN checked THEN the step is refused before any probe", async () => {
    const news = gateInputs({
      weight: 50,
      targets: [rig.server.url("/healthy")],
      settings: fastSettings({ maxStep: 25 }),
    });
    expect((await rig.host.check(GATE_TYPE, rig.text, previous, news)).failures).toEqual([
      {
        property: "weight",
        reason:
          "green would gain 40 percentage points of traffic (10/100 -> 50/100), more than the allowed step of 25 (bluegreen:gate.maxStep). " +
          "Raise it in steps: set bluegreen:traffic.green to at most 35 for this update, or set bluegreen:gate.allowLargeStep to true to allow this one jump.",
      },
    ]);
    expect(rig.server.totalHits()).toBe(0);
  });

  it("GIVEN allowLargeStep WHEN the same jump is checked THEN it passes", async () => {
    const news = gateInputs({
      weight: 50,
      targets: [rig.server.url("/healthy")],
      settings: fastSettings({ maxStep: 25, allowLargeStep: true }),
    });
    expect((await rig.host.check(GATE_TYPE, rig.text, previous, news)).failures).toEqual([]);
  });

  it("GIVEN more traffic to the older version without rollback WHEN checked THEN it is refused; with rollback it passes", async () => {
    const news = gateInputs({ weight: 30, version: "1.2.0", targets: [rig.server.url("/healthy")] });
    expect((await rig.host.check(GATE_TYPE, rig.text, previous, news)).failures).toEqual([
      {
        property: "rollback",
        reason:
          "traffic to green would rise 10 -> 30, but green runs 1.2.0, older than 1.3.0 on the other color. If this is a rollback, " +
          "set bluegreen:traffic.rollback to true; otherwise deploy the newer version to green first, or lower bluegreen:traffic.green back to 10.",
      },
    ]);
    expect((await rig.host.check(GATE_TYPE, rig.text, previous, { ...news, rollback: true })).failures).toEqual([]);
  });

  it("GIVEN bad target URLs WHEN checked THEN each is reported at its index", async () => {
    const news = gateInputs({ targets: ["ftp://x/health", "not a url", rig.server.url("/healthy")] });
    expect((await rig.host.check(GATE_TYPE, rig.text, {}, news)).failures).toEqual([
      {
        property: "targets[0]",
        reason: 'must be an absolute http(s) URL such as "https://app.example.com/health", got "ftp://x/health"',
      },
      {
        property: "targets[1]",
        reason: 'must be an absolute http(s) URL such as "https://app.example.com/health", got "not a url"',
      },
    ]);
  });

  it("GIVEN no target while the color gets traffic WHEN checked THEN it fails; at weight 0 it is fine", async () => {
    expect((await rig.host.check(GATE_TYPE, rig.text, {}, gateInputs({ targets: [] }))).failures).toEqual([
      {
        property: "targets",
        reason:
          "no URL to probe while green would receive traffic (weight 10): the gate cannot prove it healthy. " +
          "Give the platform a per-color URL or set bluegreen:gate.targets.green.",
      },
    ]);
    expect((await rig.host.check(GATE_TYPE, rig.text, {}, gateInputs({ targets: [], weight: 0 }))).failures).toEqual(
      [],
    );
  });

  it("GIVEN targets unknown at preview WHEN checked THEN they are not judged yet", async () => {
    expect((await rig.host.check(GATE_TYPE, rig.text, {}, { ...gateInputs(), targets: UNKNOWN })).failures).toEqual([]);
    expect((await rig.host.check(GATE_TYPE, rig.text, {}, gateInputs({ targets: [UNKNOWN] }))).failures).toEqual([]);
  });

  it("GIVEN invalid versions, weights and settings WHEN checked THEN each names its property", async () => {
    const news = {
      ...gateInputs({ targets: [rig.server.url("/healthy")], version: "latest", otherVersion: "v-next", weight: 120 }),
      settings: { requestTimeoutMs: 9000, deadlineSeconds: 5, intervalMs: 50 },
    };
    expect((await rig.host.check(GATE_TYPE, rig.text, {}, news)).failures).toEqual([
      { property: "version", reason: 'must be a semver version such as 1.4.2, got "latest"' },
      {
        property: "otherVersion",
        reason: 'must be a semver version, or "" when the other color runs nothing; got "v-next"',
      },
      { property: "weight", reason: "must be a whole number from 0 to totalWeight (100), got 120" },
      {
        property: "settings.requestTimeoutMs",
        reason:
          "requestTimeoutMs (9000) must be less than deadlineSeconds × 1000 (5000 ms): one request could use up the whole gate. Lower requestTimeoutMs or raise deadlineSeconds.",
      },
    ]);
  });
});

describe("diff", () => {
  const olds = {
    ...gateInputs({ targets: ["http://a/health"] }),
    verdict: "passed",
    verifiedAt: "2025-01-01T00:00:00.000Z",
  };

  it("GIVEN the same inputs (settings keys reordered by state) WHEN diffed THEN no change", async () => {
    const reordered = Object.fromEntries(Object.entries(olds.settings).reverse());
    expect(
      await rig.host.diff(GATE_TYPE, rig.text, "shop-green-gate", olds, {
        ...gateInputs({ targets: ["http://a/health"] }),
        settings: reordered,
      }),
    ).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("GIVEN a change of weight, total, version, other version, targets or settings WHEN diffed THEN an update, never a replace", async () => {
    const changes = [
      { weight: 30 },
      { totalWeight: 140 },
      { version: "1.4.1" },
      { otherVersion: "1.3.1" },
      { targets: ["http://b/health"] },
      { settings: fastSettings({ intervalMs: 60 }) },
    ];
    for (const change of changes) {
      expect(
        await rig.host.diff(
          GATE_TYPE,
          rig.text,
          "shop-green-gate",
          olds,
          gateInputs({ targets: ["http://a/health"], ...change }),
        ),
      ).toEqual({
        changes: "some",
        replaces: [],
        deleteBeforeReplace: false,
      });
    }
  });

  it("GIVEN only new headers or a flipped rollback flag WHEN diffed THEN no change (rotating a token does not re-probe)", async () => {
    const news = gateInputs({
      targets: ["http://a/health"],
      headers: { authorization: "Bearer rotated" },
      rollback: true,
    });
    expect((await rig.host.diff(GATE_TYPE, rig.text, "shop-green-gate", olds, news)).changes).toBe("none");
  });
});
