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
    // It is kept in the state of every gate: 94 KiB since the strict Prometheus reading (issue 26); a module captured
    // whole by mistake (axios, zod, @pulumi/pulumi) adds megabytes, which this bound catches.
    expect(Buffer.byteLength(rig.text)).toBeLessThan(128 * 1024);
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
          "traffic to green would rise from 10 % to 50 % of all traffic (weight 10 of 100 -> 50 of 100), more than the allowed step of 25 points (bluegreen:gate.maxStep). " +
          "Raise it in steps: set bluegreen:traffic.green to at most 35 for this update, or set bluegreen:gate.allowLargeStep to true to allow this one jump.",
      },
    ]);
    expect(rig.server.totalHits()).toBe(0);
  });

  it("GIVEN the newer blue at 50/100 WHEN blue goes to 40 and green to 1 THEN its 97.6 % is a promotion, refused past maxStep", async () => {
    const blue = gateInputs({
      color: "blue",
      weight: 50,
      totalWeight: 100,
      targets: [rig.server.url("/healthy")],
      settings: fastSettings({ maxStep: 25 }),
    });
    const news = { ...blue, weight: 40, totalWeight: 41 };
    const result = await rig.host.check(GATE_TYPE, rig.text, blue, news);
    expect(result.failures).toEqual([
      expect.objectContaining({ property: "weight", reason: expect.stringContaining("from 50 % to 97.56 %") }),
    ]);
    // The older color going to 0 gives the newer one 100 %: the same promotion.
    const onlyBlue = await rig.host.check(GATE_TYPE, rig.text, blue, { ...blue, weight: 50, totalWeight: 50 });
    expect(onlyBlue.failures.map((f) => f.property)).toEqual(["weight"]);
  });

  it("GIVEN allowLargeStep WHEN the same jump is checked THEN it passes", async () => {
    const news = gateInputs({
      weight: 50,
      targets: [rig.server.url("/healthy")],
      settings: fastSettings({ maxStep: 25, allowLargeStep: true }),
    });
    expect((await rig.host.check(GATE_TYPE, rig.text, previous, news)).failures).toEqual([]);
  });

  it("GIVEN a color redeployed with an older version WHEN it gains share without rollback THEN it is refused; with rollback it passes", async () => {
    const news = gateInputs({
      weight: 30,
      version: "1.2.0",
      image: "shop:1.2.0",
      targets: [rig.server.url("/healthy")],
    });
    expect((await rig.host.check(GATE_TYPE, rig.text, previous, news)).failures).toEqual([
      expect.objectContaining({
        property: "rollback",
        reason: expect.stringContaining("green was redeployed with 1.2.0, older than 1.3.0 on the other color"),
      }),
    ]);
    expect((await rig.host.check(GATE_TYPE, rig.text, previous, { ...news, rollback: true })).failures).toEqual([]);
  });

  it("GIVEN the older blue that last passed its gate WHEN all traffic moves back to it THEN no flag, no step limit, and what it passed with is kept", async () => {
    const verified = { version: "1.3.0", image: "shop:1.3.0" };
    const blue = gateInputs({
      color: "blue",
      ...verified,
      otherVersion: "1.4.0",
      otherImage: "shop:1.4.0",
      weight: 10,
      targets: [rig.server.url("/healthy")],
      settings: fastSettings({ maxStep: 25 }),
      verified,
    });
    const result = await rig.host.check(GATE_TYPE, rig.text, blue, { ...blue, weight: 100, verified: undefined });
    expect(result.failures).toEqual([]);
    expect(result.inputs.verified).toEqual(verified);
  });

  it("GIVEN an irreversible migration WHEN share moves back to the older major THEN only a restore snapshot lets it through", async () => {
    const blue = gateInputs({
      color: "blue",
      version: "1.9.0",
      image: "shop:1.9.0",
      otherVersion: "2.0.0",
      otherImage: "shop:2.0.0",
      weight: 0,
      targets: [rig.server.url("/healthy")],
    });
    const guard = { version: "42", restoreConfigured: false };
    const refused = await rig.host.check(GATE_TYPE, rig.text, blue, {
      ...blue,
      weight: 100,
      irreversibleMigration: guard,
    });
    expect(refused.failures).toEqual([
      expect.objectContaining({ property: "version", reason: expect.stringContaining("migration 42 is irreversible") }),
    ]);
    const restoring = await rig.host.check(GATE_TYPE, rig.text, blue, {
      ...blue,
      weight: 100,
      irreversibleMigration: { ...guard, restoreConfigured: true },
    });
    expect(restoring.failures).toEqual([]);
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
