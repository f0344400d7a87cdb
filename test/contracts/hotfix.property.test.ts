/**
 * Rule (g) of the promotion rule (contracts/promotionRule.ts): the hotfix
 * exception to the step rule. For every pair of versions and weights, a jump
 * past gate.maxStep with `hotfix` is allowed exactly when the candidate is a
 * patch release, without prerelease, of the version that served traffic
 * before the update (as the gate's previous state records it), and every
 * other rule decides as without the flag. The oracle below works on the
 * versions' parts, not on the module's own version helpers.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decidePromotion,
  PromotionDecision,
  PromotionInput,
  servedVersions,
} from "../../components/contracts/promotionRule";
import { gainExceeds } from "../../components/contracts/shares";

interface Parts {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly pre?: string;
}

const text = (v: Parts) => `${v.major}.${v.minor}.${v.patch}${v.pre === undefined ? "" : `-${v.pre}`}`;

const stableParts: fc.Arbitrary<Parts> = fc.record({
  major: fc.integer({ min: 1, max: 3 }),
  minor: fc.integer({ min: 1, max: 3 }),
  patch: fc.integer({ min: 1, max: 3 }),
});
/** A version near `v`: often a patch release of it (sometimes a prerelease), else a minor or major bump, the same, or older. */
const near = (v: Parts): fc.Arbitrary<Parts> =>
  fc
    .tuple(
      fc.constantFrom([0, 0, 1], [0, 0, 2], [0, 0, 0], [0, 0, -1], [0, 1, 0], [1, 0, 0], [0, -1, 1], [-1, 0, 1]),
      fc.option(fc.constantFrom("rc.1", "beta", "0"), { nil: undefined, freq: 3 }),
    )
    .map(([[a, b, c], pre]) => ({ major: v.major + a, minor: v.minor + b, patch: v.patch + c, pre }));
/** Mostly `v` itself or a patch release of it (what a hotfix ships), else anything near. */
const likely = (v: Parts): fc.Arbitrary<Parts> =>
  fc.oneof(fc.constant(v), fc.constant({ ...v, patch: v.patch + 1 }), near(v));
const image = fc.constantFrom("img:a", "img:b", "img:c");
const share = fc
  .record({ weight: fc.integer({ min: 0, max: 999 }), total: fc.integer({ min: 1, max: 1998 }) })
  .filter((s) => s.weight <= s.total);
/** Often none of the traffic (an idle color), else any share. */
const previousShare = fc.oneof(
  fc.integer({ min: 1, max: 1998 }).map((total) => ({ weight: 0, total })),
  share,
);

/** An input with the parts of every version it names, so the oracle need not parse. */
interface Case {
  readonly input: PromotionInput;
  readonly self: Parts;
  /** What the gate's previous state says served, as parts; undefined when it cannot say. */
  readonly served: readonly Parts[] | undefined;
}

const cases: fc.Arbitrary<Case> = stableParts.chain((stable) =>
  fc
    .record({
      color: fc.constantFrom("blue" as const, "green" as const),
      self: likely(stable),
      selfImage: image,
      other: near(stable),
      otherImage: image,
      share,
      previous: fc.option(
        fc.record({
          version: likely(stable),
          image,
          share: previousShare,
          verified: fc.option(fc.record({ version: near(stable).map(text), image }), { nil: undefined }),
          // Mostly the version that served, sometimes not recorded (a state from an older program).
          otherVersion: fc.option(likely(stable), { nil: undefined, freq: 6 }),
        }),
        { nil: undefined, freq: 6 },
      ),
      rollback: fc.boolean(),
      maxStep: fc.integer({ min: 1, max: 100 }),
      allowLargeStep: fc.boolean(),
      maintenance: fc.boolean(),
    })
    .map((g) => {
      const previous =
        g.previous === undefined
          ? undefined
          : {
              version: text(g.previous.version),
              image: g.previous.image,
              share: g.previous.share,
              ...(g.previous.verified === undefined ? {} : { verified: g.previous.verified }),
              ...(g.previous.otherVersion === undefined ? {} : { otherVersion: text(g.previous.otherVersion) }),
            };
      const input: PromotionInput = {
        color: g.color,
        self: { version: text(g.self), image: g.selfImage },
        other: { version: text(g.other), image: g.otherImage },
        share: g.share,
        previous,
        rollback: g.rollback,
        maxStep: g.maxStep,
        allowLargeStep: g.allowLargeStep,
        maintenance: g.maintenance,
      };
      return { input, self: g.self, served: servedParts(g.previous) };
    }),
);

/** Each color with a share before the update; unknown when one had a share and its version was not recorded. */
function servedParts(
  previous: { version: Parts; share: { weight: number; total: number }; otherVersion?: Parts } | undefined,
): Parts[] | undefined {
  if (previous === undefined) return undefined;
  const own = previous.share.weight > 0 ? [previous.version] : [];
  if (previous.share.weight === previous.share.total) return own.length > 0 ? own : undefined;
  return previous.otherVersion === undefined ? undefined : [...own, previous.otherVersion];
}

/** Same major and minor, a higher patch, and the candidate no prerelease. */
const isPatchOf = (served: Parts, candidate: Parts) =>
  candidate.pre === undefined &&
  served.major === candidate.major &&
  served.minor === candidate.minor &&
  candidate.patch > served.patch;

/** The exception, from its definition: a patch release of every version that served, its own earlier share aside. */
function hotfixApplies(c: Case): boolean {
  if (c.served === undefined) return false;
  const older = c.served.filter((v) => text(v) !== text(c.self));
  return older.length > 0 && older.every((v) => isPatchOf(v, c.self));
}

/** The decision less what rule (g) may change. */
const steady = ({ gains, probe, violations }: PromotionDecision) => ({
  gains,
  probe,
  violations: violations.filter((v) => v.kind !== "step-too-large"),
});
const kinds = (d: PromotionDecision) => d.violations.map((v) => v.kind);

describe("rule (g): the hotfix exception to the step rule", () => {
  it("a jump past maxStep is allowed with the flag exactly when the candidate is a patch release, without prerelease, of what served traffic", () => {
    fc.assert(
      fc.property(cases, (c) => {
        const plain = decidePromotion(c.input);
        fc.pre(kinds(plain).includes("step-too-large"));
        const hotfix = decidePromotion({ ...c.input, hotfix: true });
        expect(kinds(hotfix).includes("step-too-large"), JSON.stringify(c.input)).toBe(!hotfixApplies(c));
        expect(hotfix.hotfix).toBe(hotfixApplies(c));
      }),
      { numRuns: 2000 },
    );
  });

  it("the rest of the rules hold with the flag: the same gain, probe and other refusals", () => {
    fc.assert(
      fc.property(cases, (c) => {
        expect(steady(decidePromotion({ ...c.input, hotfix: true }))).toEqual(steady(decidePromotion(c.input)));
      }),
      { numRuns: 1000 },
    );
  });

  it("where the exception does not apply, the flag changes nothing but the step refusal's last sentence, which says why", () => {
    fc.assert(
      fc.property(cases, (c) => {
        fc.pre(!hotfixApplies(c));
        const plain = decidePromotion(c.input);
        const hotfix = decidePromotion({ ...c.input, hotfix: true });
        expect({ ...hotfix, violations: kinds(hotfix) }).toEqual({ ...plain, violations: kinds(plain) });
        const step = hotfix.violations.find((v) => v.kind === "step-too-large");
        if (step !== undefined)
          expect(step.message).toMatch(/bluegreen:release\.hotfix does not lift the limit: .+\.$/);
      }),
      { numRuns: 1000 },
    );
  });

  it("where it applies, only the step limit goes: the reason says so on a gain", () => {
    fc.assert(
      fc.property(cases, (c) => {
        fc.pre(hotfixApplies(c));
        const plain = decidePromotion(c.input);
        const hotfix = decidePromotion({ ...c.input, hotfix: true });
        expect(hotfix.stepLimited).toBe(false);
        expect(hotfix.reason).toBe(plain.gains ? `${plain.reason} (hotfix: no step limit)` : plain.reason);
      }),
      { numRuns: 1000 },
    );
  });

  it("is judged against what served, never the other color's new version, and never for a prerelease", () => {
    fc.assert(
      fc.property(cases, near({ major: 2, minor: 2, patch: 2 }), (c, elsewhere) => {
        const hotfix = decidePromotion({ ...c.input, hotfix: true });
        const otherMoved = { ...c.input, other: { ...c.input.other, version: text(elsewhere) }, hotfix: true };
        expect(decidePromotion(otherMoved).hotfix).toBe(hotfix.hotfix);
        if (c.self.pre !== undefined) expect(hotfix.hotfix).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it("one healthy round passes only a hotfix outside a maintenance window; without the flag nothing changes", () => {
    fc.assert(
      fc.property(cases, (c) => {
        const hotfix = decidePromotion({ ...c.input, hotfix: true });
        expect(hotfix.oneHealthyRound).toBe(hotfix.hotfix && c.input.maintenance !== true);
        const absent = decidePromotion(c.input);
        expect(decidePromotion({ ...c.input, hotfix: false })).toEqual(absent);
        expect(absent).toMatchObject({ hotfix: false, oneHealthyRound: false });
      }),
      { numRuns: 1000 },
    );
  });

  it("a patch release that jumps past maxStep with the flag, where the step rule would refuse it, is still probed", () => {
    fc.assert(
      fc.property(cases, (c) => {
        const { previous, share, maxStep } = c.input;
        fc.pre(hotfixApplies(c) && previous !== undefined && gainExceeds(previous.share, share, maxStep));
        fc.pre(kinds(decidePromotion(c.input)).includes("step-too-large"));
        expect(decidePromotion({ ...c.input, hotfix: true }).probe).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("rule (g), examples", () => {
  /** blue 1.4.2 served everything; green is idle. */
  const input: PromotionInput = {
    color: "green",
    self: { version: "1.4.3", image: "api:1.4.3" },
    other: { version: "1.4.2", image: "api:1.4.2" },
    share: { weight: 100, total: 100 },
    previous: { version: "1.4.2", image: "api:1.4.2", share: { weight: 0, total: 100 }, otherVersion: "1.4.2" },
    rollback: false,
    maxStep: 25,
    allowLargeStep: false,
  };
  const stepRefusal = (p: PromotionInput) =>
    decidePromotion({ ...p, hotfix: true }).violations.find((v) => v.kind === "step-too-large")?.message;

  it("0 -> 100 % for 1.4.2 -> 1.4.3 is refused without hotfix and allowed, probed, with it", () => {
    expect(kinds(decidePromotion(input))).toEqual(["step-too-large"]);
    expect(decidePromotion({ ...input, hotfix: true })).toMatchObject({
      probe: true,
      stepLimited: false,
      oneHealthyRound: true,
      violations: [],
    });
  });

  it("a minor release next to a new patch of it on the other color keeps its step limit: 1.4.2 served, not 1.5.0", () => {
    const beside = {
      ...input,
      self: { version: "1.5.1", image: "api:1.5.1" },
      other: { version: "1.5.0", image: "x" },
    };
    expect(stepRefusal(beside)).toContain(
      "bluegreen:release.hotfix does not lift the limit: 1.5.1 is not a patch release (same major and minor, higher patch, no prerelease) of 1.4.2, which served traffic before this update.",
    );
  });

  it("a prerelease of the next patch keeps its step limit", () => {
    expect(stepRefusal({ ...input, self: { version: "1.4.3-rc.1", image: "api:1.4.3-rc.1" } })).toContain(
      "1.4.3-rc.1 is not a patch release",
    );
  });

  it("a state that did not record the other color's version keeps the step limit, and says so", () => {
    const { otherVersion: _unknown, ...unrecorded } = input.previous!;
    expect(stepRefusal({ ...input, previous: unrecorded })).toContain(
      "the version that served traffic before this update is not known to the gate",
    );
  });

  it("during a maintenance window the patch release still jumps, but one healthy round no longer passes it", () => {
    expect(decidePromotion({ ...input, hotfix: true, maintenance: true })).toMatchObject({
      hotfix: true,
      oneHealthyRound: false,
      violations: [],
    });
  });

  it("servedVersions: each color with a share, and nothing when a served version was not recorded", () => {
    const previous = input.previous!;
    expect(servedVersions(previous)).toEqual(["1.4.2"]);
    expect(servedVersions({ ...previous, version: "1.4.3", share: { weight: 10, total: 100 } })).toEqual([
      "1.4.3",
      "1.4.2",
    ]);
    expect(servedVersions({ ...previous, version: "1.4.3", share: { weight: 100, total: 100 } })).toEqual(["1.4.3"]);
    expect(servedVersions({ ...previous, otherVersion: "" })).toBeUndefined();
    expect(servedVersions(undefined)).toBeUndefined();
  });
});
