/**
 * Rule (g) of the promotion rule (contracts/promotionRule.ts): the hotfix
 * exception to the step rule. Without `hotfix` nothing changes; with it, only
 * a patch release of the other color's version loses its step limit, and it
 * is still probed exactly when it would be without the flag.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decidePromotion, PromotionDecision, PromotionInput } from "../../components/contracts/promotionRule";
import { gainExceeds } from "../../components/contracts/shares";
import { isPatchRelease } from "../../components/contracts/versions";

const base = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }))
  .map(([major, minor, patch]) => ({ major, minor, patch }));
/** A version near `v`: often a patch release of it, sometimes a minor/major bump, the same, or older. */
const near = (v: { major: number; minor: number; patch: number }) =>
  fc
    .constantFrom([0, 0, 1], [0, 0, 2], [0, 0, 0], [0, 0, -1], [0, 1, 0], [1, 0, 0], [0, -1, 1])
    .map(([a, b, c]) => `${v.major + a + 1}.${v.minor + b + 1}.${Math.max(0, v.patch + c)}`);
const image = fc.constantFrom("img:a", "img:b", "img:c");
const share = fc
  .record({ weight: fc.integer({ min: 0, max: 999 }), total: fc.integer({ min: 1, max: 1998 }) })
  .filter((s) => s.weight <= s.total);

const promotion: fc.Arbitrary<PromotionInput> = base.chain((stable) =>
  fc.record({
    color: fc.constantFrom("blue" as const, "green" as const),
    self: fc.record({ version: near(stable), image }),
    other: fc.record({ version: near({ major: stable.major, minor: stable.minor, patch: stable.patch }), image }),
    share,
    previous: fc.option(
      fc.record({
        version: near(stable),
        image,
        share,
        verified: fc.option(fc.record({ version: near(stable), image }), { nil: undefined }),
      }),
      { nil: undefined },
    ),
    rollback: fc.boolean(),
    maxStep: fc.integer({ min: 1, max: 100 }),
    allowLargeStep: fc.boolean(),
  }),
);

/** The decision less what rule (g) may change. */
const steady = ({ gains, probe, violations }: PromotionDecision) => ({
  gains,
  probe,
  violations: violations.filter((v) => v.kind !== "step-too-large"),
});

describe("rule (g): the hotfix exception to the step rule", () => {
  it("without hotfix nothing changes: `hotfix: false` decides exactly as an absent flag, and never marks a hotfix", () => {
    fc.assert(
      fc.property(promotion, (p) => {
        const absent = decidePromotion(p);
        expect(decidePromotion({ ...p, hotfix: false })).toEqual(absent);
        expect(absent.hotfix).toBe(false);
      }),
    );
  });

  it("with hotfix, a color that is not a patch release of the other decides exactly as without it", () => {
    fc.assert(
      fc.property(promotion, (p) => {
        fc.pre(!isPatchRelease(p.other.version, p.self.version));
        expect(decidePromotion({ ...p, hotfix: true })).toEqual(decidePromotion(p));
      }),
    );
  });

  it("with hotfix, a patch release loses only its step limit: same probe, same other refusals, no step refusal", () => {
    fc.assert(
      fc.property(promotion, (p) => {
        fc.pre(isPatchRelease(p.other.version, p.self.version));
        const plain = decidePromotion(p);
        const hotfix = decidePromotion({ ...p, hotfix: true });
        expect(hotfix.hotfix).toBe(true);
        expect(hotfix.stepLimited).toBe(false);
        expect(hotfix.violations.map((v) => v.kind)).not.toContain("step-too-large");
        expect(steady(hotfix)).toEqual(steady(plain));
        // The reason names the exception where it matters: on a gain.
        expect(hotfix.reason).toBe(plain.gains ? `${plain.reason} (hotfix: no step limit)` : plain.reason);
      }),
    );
  });

  it("with hotfix, a patch release jumping past maxStep to its configured weight is still probed", () => {
    fc.assert(
      fc.property(promotion, (p) => {
        fc.pre(isPatchRelease(p.other.version, p.self.version) && p.previous !== undefined && p.share.weight > 0);
        fc.pre(gainExceeds(p.previous!.share, p.share, p.maxStep));
        const decision = decidePromotion({ ...p, hotfix: true });
        expect(decision.probe, JSON.stringify(p)).toBe(true);
        expect(decision.violations.map((v) => v.kind)).not.toContain("step-too-large");
      }),
    );
  });
});

describe("rule (g), examples", () => {
  const input: PromotionInput = {
    color: "green",
    self: { version: "1.4.3", image: "api:1.4.3" },
    other: { version: "1.4.2", image: "api:1.4.2" },
    share: { weight: 100, total: 100 },
    previous: { version: "1.4.3", image: "api:1.4.3", share: { weight: 0, total: 100 } },
    rollback: false,
    maxStep: 25,
    allowLargeStep: false,
  };

  it("0 -> 100 % for 1.4.2 -> 1.4.3 is refused without hotfix and allowed, probed, with it", () => {
    expect(decidePromotion(input).violations.map((v) => v.kind)).toEqual(["step-too-large"]);
    expect(decidePromotion({ ...input, hotfix: true })).toMatchObject({
      probe: true,
      stepLimited: false,
      violations: [],
    });
  });

  it("1.4.2 -> 1.5.0 keeps its step limit with hotfix: only a patch release gains past maxStep", () => {
    const minor = { ...input, self: { version: "1.5.0", image: "api:1.5.0" }, hotfix: true };
    expect(decidePromotion(minor).violations.map((v) => v.kind)).toEqual(["step-too-large"]);
  });
});
