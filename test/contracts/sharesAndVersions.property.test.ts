/** The dependency-free share arithmetic and semver precedence, checked against exact fractions and the semver package. */
import fc from "fast-check";
import * as semver from "semver";
import { describe, expect, it } from "vitest";
import { compareShares, gainExceeds, largestWeightWithin } from "../../components/contracts/shares";
import { compareVersions, isPatchRelease, parseVersion } from "../../components/contracts/versions";

const share = fc
  .record({ weight: fc.integer({ min: 0, max: 999 }), total: fc.integer({ min: 1, max: 1998 }) })
  .filter((s) => s.weight <= s.total);
/** a/b − c/d as an exact fraction's sign, with BigInt. */
const sign = (a: number, b: number, c: number, d: number) =>
  Math.sign(Number(BigInt(a) * BigInt(d) - BigInt(c) * BigInt(b)));

describe("shares", () => {
  it("compare exactly", () => {
    fc.assert(
      fc.property(share, share, (x, y) => {
        expect(compareShares(x, y)).toBe(sign(x.weight, x.total, y.weight, y.total));
      }),
    );
  });

  it("judge a gain against maxStep exactly", () => {
    fc.assert(
      fc.property(share, share, fc.integer({ min: 1, max: 100 }), (from, to, maxStep) => {
        // to/T' − from/T > maxStep/100  ⇔  100·to·T − 100·from·T' − maxStep·T·T' > 0
        const exact = 100 * to.weight * from.total - 100 * from.weight * to.total - maxStep * to.total * from.total > 0;
        expect(gainExceeds(from, to, maxStep)).toBe(exact);
      }),
    );
  });

  it("name the largest weight that stays within the step", () => {
    fc.assert(
      fc.property(
        share,
        fc.integer({ min: 1, max: 1998 }),
        fc.integer({ min: 1, max: 100 }),
        (from, total, maxStep) => {
          const largest = largestWeightWithin(from, total, maxStep);
          expect(gainExceeds(from, { weight: largest, total }, maxStep)).toBe(false);
          if (largest < total) expect(gainExceeds(from, { weight: largest + 1, total }, maxStep)).toBe(true);
        },
      ),
    );
  });
});

const identifier = fc.oneof(
  fc.integer({ min: 0, max: 20 }).map(String),
  fc.constantFrom("alpha", "beta", "rc", "x-1", "a1"),
);
const version = fc
  .tuple(
    fc.integer({ min: 0, max: 12 }),
    fc.integer({ min: 0, max: 12 }),
    fc.integer({ min: 0, max: 12 }),
    fc.array(identifier, { maxLength: 3 }),
    fc.option(fc.constantFrom("build.7", "sha.abc"), { nil: undefined }),
  )
  .map(([a, b, c, pre, build]) => `${a}.${b}.${c}${pre.length ? `-${pre.join(".")}` : ""}${build ? `+${build}` : ""}`);

/** Two versions, half the time sharing major and minor (where a patch release can be), else any two. */
const versionPair = fc.oneof(
  fc.tuple(version, version),
  fc.tuple(version, version).map(([stable, other]) => {
    const [major, minor] = stable.split(".");
    return [stable, `${major}.${minor}.${other.split(".").slice(2).join(".")}`] as const;
  }),
);

describe("versions", () => {
  it("order as the semver package orders them, build metadata ignored", () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(compareVersions(a, b)).toBe(semver.compare(a, b));
      }),
    );
  });

  it("parse exactly what semver accepts as a valid version", () => {
    fc.assert(
      fc.property(version, (v) => {
        expect(parseVersion(v) !== undefined).toBe(semver.valid(v) !== null);
      }),
    );
    for (const bad of ["1.4", "v1.4.2", "01.2.3", "1.2.3-", "1.2.3-01"]) expect(parseVersion(bad)).toBeUndefined();
  });

  it("a patch release (what a hotfix may ship) is, by the semver package: same major and minor, higher patch, no prerelease", () => {
    fc.assert(
      fc.property(versionPair, ([stable, candidate]) => {
        const expected =
          semver.prerelease(candidate) === null &&
          semver.major(stable) === semver.major(candidate) &&
          semver.minor(stable) === semver.minor(candidate) &&
          semver.patch(candidate) > semver.patch(stable);
        expect(isPatchRelease(stable, candidate)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
    expect(isPatchRelease("1.4.0", "1.4.1-rc.1")).toBe(false);
    expect(isPatchRelease("1.4.0", "1.4.1+build.7")).toBe(true);
  });
});
