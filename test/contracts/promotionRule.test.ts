/**
 * The promotion rule (contracts/promotionRule.ts): examples for each of its
 * clauses, then its invariants over random before/after weights, versions
 * and images.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decidePromotion, PromotionInput } from "../../components/contracts/promotionRule";
import { gainExceeds } from "../../components/contracts/shares";
import { compareVersions } from "../../components/contracts/versions";

const OLD = { version: "1.4.2", image: "api:1.4.2" };
const NEW = { version: "1.5.0", image: "api:1.5.0" };

function input(overrides: Partial<PromotionInput> = {}): PromotionInput {
  return {
    color: "green",
    self: NEW,
    other: OLD,
    share: { weight: 50, total: 100 },
    previous: { ...NEW, share: { weight: 25, total: 100 }, verified: NEW },
    rollback: false,
    maxStep: 25,
    allowLargeStep: false,
    ...overrides,
  };
}

describe("decidePromotion, clause by clause", () => {
  it("(a) probes a color whose version or image changed, even when its share shrinks", () => {
    const rebuilt = { ...NEW, image: "api:1.5.0-rebuild" };
    const shrinking = input({ self: rebuilt, share: { weight: 10, total: 100 } });
    expect(decidePromotion(shrinking)).toMatchObject({ probe: true, gains: false, violations: [] });
    expect(decidePromotion(input({ self: { version: "1.5.1", image: "api:1.5.1" } })).probe).toBe(true);
  });

  it("(b) probes and step-limits the newer version gaining share", () => {
    expect(decidePromotion(input())).toMatchObject({ probe: true, stepLimited: true, violations: [] });
    const jump = decidePromotion(input({ share: { weight: 60, total: 100 } }));
    expect(jump.violations.map((v) => v.kind)).toEqual(["step-too-large"]);
    expect(jump.violations[0].message).toContain("set bluegreen:traffic.green to at most 50 for this update");
    expect(decidePromotion(input({ share: { weight: 60, total: 100 }, allowLargeStep: true })).violations).toEqual([]);
  });

  it("(b) sees a promotion disguised as a decrease: blue 50/100 -> 40/41 is 97.6 %, probed and refused", () => {
    const blueNewer = input({
      color: "blue",
      share: { weight: 40, total: 41 },
      previous: { ...NEW, share: { weight: 50, total: 100 }, verified: NEW },
    });
    const decision = decidePromotion(blueNewer);
    expect(decision).toMatchObject({ gains: true, probe: true, stepLimited: true });
    expect(decision.violations.map((v) => v.kind)).toEqual(["step-too-large"]);
    // The older color going to 0 moves the newer one from 50 % to 100 %: the same.
    expect(decidePromotion(input({ share: { weight: 50, total: 50 } })).violations.map((v) => v.kind)).toEqual([
      "step-too-large",
    ]);
  });

  it("(c) moves traffic back to an unchanged, verified color without probe, limit or flag", () => {
    const rollback = input({
      self: OLD,
      other: NEW,
      share: { weight: 100, total: 100 },
      previous: { ...OLD, share: { weight: 10, total: 100 }, verified: OLD },
    });
    expect(decidePromotion(rollback)).toMatchObject({ probe: false, stepLimited: false, violations: [] });
    expect(decidePromotion(rollback).reason).toContain("rollback to 1.4.2");
  });

  it("(d) both colors on one version: free with the same image, probed and limited with different ones", () => {
    const same = { self: OLD, other: OLD, previous: { ...OLD, share: { weight: 10, total: 100 } } };
    expect(decidePromotion(input({ ...same, share: { weight: 90, total: 100 } }))).toMatchObject({
      probe: false,
      stepLimited: false,
      violations: [],
    });
    const differ = {
      self: OLD,
      other: { ...OLD, image: "api@sha256:abc" },
      previous: { ...OLD, share: { weight: 10, total: 100 } },
    };
    const decision = decidePromotion(input({ ...differ, share: { weight: 90, total: 100 } }));
    expect(decision).toMatchObject({ probe: true, stepLimited: true });
    expect(decision.violations.map((v) => v.kind)).toEqual(["step-too-large"]);
  });

  it("(e) asks for traffic.rollback only when a color redeployed with an older version gains share", () => {
    const redeployed = input({
      self: OLD,
      other: NEW,
      share: { weight: 60, total: 100 },
      previous: { ...NEW, share: { weight: 50, total: 100 }, verified: NEW },
    });
    expect(decidePromotion(redeployed).violations.map((v) => v.kind)).toEqual(["unmarked-downgrade"]);
    expect(decidePromotion({ ...redeployed, rollback: true })).toMatchObject({
      probe: true,
      stepLimited: false,
      violations: [],
    });
  });

  it("(f) refuses share moving back to an older major after an irreversible migration, unless a restore is configured", () => {
    const major = { version: "2.0.0", image: "api:2.0.0" };
    const back = input({
      self: OLD,
      other: major,
      share: { weight: 100, total: 100 },
      previous: { ...OLD, share: { weight: 0, total: 100 }, verified: OLD },
    });
    const guard = { version: "42", restoreConfigured: false };
    expect(decidePromotion({ ...back, irreversibleMigration: guard }).violations.map((v) => v.kind)).toEqual([
      "irreversible-migration",
    ]);
    expect(
      decidePromotion({ ...back, irreversibleMigration: { ...guard, restoreConfigured: true } }).violations,
    ).toEqual([]);
    expect(decidePromotion(back).violations).toEqual([]);
  });

  it("probes a first deploy that carries traffic and never step-limits it, whatever the versions", () => {
    const first = decidePromotion(
      input({ self: OLD, other: NEW, share: { weight: 90, total: 100 }, previous: undefined }),
    );
    expect(first).toMatchObject({ probe: true, stepLimited: false, violations: [] });
    expect(decidePromotion(input({ previous: undefined, share: { weight: 0, total: 100 } })).probe).toBe(false);
  });
});

const version = fc
  .tuple(
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 3 }),
    fc.constantFrom("", "-rc.1", "-rc.2", "-beta"),
  )
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre}`);
const release = fc.record({ version, image: fc.constantFrom("img:a", "img:b", "img:c") });
const share = fc
  .record({ weight: fc.integer({ min: 0, max: 999 }), total: fc.integer({ min: 1, max: 1998 }) })
  .filter((s) => s.weight <= s.total);
const promotion = fc.record({
  self: release,
  other: release,
  share,
  previous: fc.option(
    fc.record({
      version,
      image: fc.constantFrom("img:a", "img:b", "img:c"),
      share,
      verified: fc.option(release, { nil: undefined }),
    }),
    { nil: undefined },
  ),
  rollback: fc.boolean(),
  maxStep: fc.integer({ min: 1, max: 100 }),
  allowLargeStep: fc.boolean(),
});

describe("decidePromotion, invariants", () => {
  it("the newer version never gains share without a probe", () => {
    fc.assert(
      fc.property(promotion, (p) => {
        const decision = decidePromotion({ color: "green", ...p });
        if (decision.gains && compareVersions(p.self.version, p.other.version) > 0 && p.share.weight > 0) {
          expect(decision.probe).toBe(true);
        }
      }),
    );
  });

  it("no share gain exceeds maxStep unless allowed: allowLargeStep, a first deploy, a rollback, one image on one version, or a declared downgrade", () => {
    fc.assert(
      fc.property(promotion, (p) => {
        const decision = decidePromotion({ color: "green", ...p });
        if (!decision.gains || decision.violations.length > 0 || p.previous === undefined || p.allowLargeStep) return;
        if (!gainExceeds(p.previous.share, p.share, p.maxStep)) return;
        const order = compareVersions(p.self.version, p.other.version);
        const unchanged = p.previous.version === p.self.version && p.previous.image === p.self.image;
        const verified =
          unchanged && p.previous.verified?.version === p.self.version && p.previous.verified.image === p.self.image;
        const allowed =
          (order < 0 && (verified || (!unchanged && p.rollback))) || (order === 0 && p.self.image === p.other.image);
        expect(allowed, JSON.stringify(p)).toBe(true);
      }),
    );
  });

  it("a move toward an unchanged, previously verified color is never probed or refused (older version, or the same image)", () => {
    fc.assert(
      fc.property(promotion, (p) => {
        fc.pre(p.previous !== undefined);
        const self = p.self;
        const previous = { ...p.previous!, version: self.version, image: self.image, verified: self };
        const order = compareVersions(self.version, p.other.version);
        fc.pre(order < 0 || (order === 0 && self.image === p.other.image));
        const decision = decidePromotion({ color: "green", ...p, previous });
        expect(decision.probe).toBe(false);
        expect(decision.violations).toEqual([]);
      }),
    );
  });
});
