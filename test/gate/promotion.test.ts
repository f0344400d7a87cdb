import { describe, expect, it } from "vitest";
import { decidePromotion, NextPromotion, sharePoints } from "../../components/gate/promotion";

const next = (overrides: Partial<NextPromotion> = {}): NextPromotion => ({
  color: "green",
  weight: 50,
  totalWeight: 100,
  version: "1.4.0",
  otherVersion: "1.3.0",
  rollback: false,
  maxStep: 100,
  allowLargeStep: false,
  ...overrides,
});
const previous = { weight: 10, version: "1.4.0", totalWeight: 100 };

describe("decidePromotion: when to probe", () => {
  it("GIVEN no previous state and weight > 0 WHEN decided THEN it probes (create)", () => {
    expect(decidePromotion(undefined, next())).toEqual({
      change: "create",
      probeRequired: true,
      reason: "created with weight 50",
      violations: [],
    });
  });

  it("GIVEN weight 0 (on create or after) WHEN decided THEN nothing is probed", () => {
    expect(decidePromotion(undefined, next({ weight: 0 }))).toMatchObject({
      change: "create",
      probeRequired: false,
      reason: "weight 0: green receives no traffic, nothing to verify",
    });
    expect(decidePromotion(previous, next({ weight: 0, version: "1.5.0" }))).toMatchObject({
      change: "decrease",
      probeRequired: false,
    });
  });

  it("GIVEN a weight increase WHEN decided THEN it probes", () => {
    expect(decidePromotion(previous, next())).toEqual({
      change: "increase",
      probeRequired: true,
      reason: "weight increase 10 -> 50",
      violations: [],
    });
  });

  it("GIVEN a weight decrease WHEN decided THEN it never probes", () => {
    expect(decidePromotion({ ...previous, weight: 50 }, next({ weight: 10 }))).toEqual({
      change: "decrease",
      probeRequired: false,
      reason: "weight decrease 50 -> 10: lowering traffic is never probed",
      violations: [],
    });
  });

  it("GIVEN unchanged weight and version WHEN decided THEN nothing is probed", () => {
    expect(decidePromotion({ ...previous, weight: 50 }, next())).toEqual({
      change: "unchanged",
      probeRequired: false,
      reason: "weight 50 and version 1.4.0 unchanged",
      violations: [],
    });
  });

  it("GIVEN a new version at unchanged (or lower) weight > 0 WHEN decided THEN it probes the new version", () => {
    expect(decidePromotion({ ...previous, weight: 50, version: "1.3.9" }, next())).toMatchObject({
      change: "unchanged",
      probeRequired: true,
      reason: "version change 1.3.9 -> 1.4.0 with weight 50",
    });
    expect(decidePromotion({ ...previous, weight: 60, version: "1.3.9" }, next())).toMatchObject({
      change: "decrease",
      probeRequired: true,
    });
  });
});

describe("decidePromotion: step limit", () => {
  it("GIVEN 10/100 -> 50/100 with maxStep 25 WHEN decided THEN the 40-point jump is refused with the keys to change", () => {
    expect(decidePromotion(previous, next({ maxStep: 25 })).violations).toEqual([
      {
        kind: "step-too-large",
        property: "weight",
        message:
          "green would gain 40 percentage points of traffic (10/100 -> 50/100), more than the allowed step of 25 (bluegreen:gate.maxStep). " +
          "Raise it in steps: set bluegreen:traffic.green to at most 35 for this update, or set bluegreen:gate.allowLargeStep to true to allow this one jump.",
      },
    ]);
  });

  it("GIVEN exactly maxStep points WHEN decided THEN it is allowed", () => {
    expect(decidePromotion(previous, next({ weight: 35, maxStep: 25 })).violations).toEqual([]);
  });

  it("GIVEN allowLargeStep WHEN the jump is large THEN it is allowed (and still probed)", () => {
    expect(decidePromotion(previous, next({ maxStep: 25, allowLargeStep: true }))).toMatchObject({
      probeRequired: true,
      violations: [],
    });
  });

  it("GIVEN totals that change with the weights WHEN decided THEN points compare each state's own share", () => {
    // green 10 of 100 (10 %) -> 50 of 140 (35.71 %): 25.71 points.
    const [violation] = decidePromotion(previous, next({ totalWeight: 140, maxStep: 25 })).violations;
    expect(violation.message).toContain("would gain 25.71 percentage points of traffic (10/100 -> 50/140)");
    expect(violation.message).toContain("set bluegreen:traffic.green to at most 49 for this update");
  });

  it("GIVEN no previous state WHEN created with all traffic THEN no step limit applies, but it is probed (first deploy)", () => {
    expect(decidePromotion(undefined, next({ weight: 100, maxStep: 25 }))).toMatchObject({
      probeRequired: true,
      violations: [],
    });
  });

  it("GIVEN a decrease of any size WHEN decided THEN no step violation (rollbacks are never blocked)", () => {
    expect(decidePromotion({ ...previous, weight: 100 }, next({ weight: 0, maxStep: 25 })).violations).toEqual([]);
  });
});

describe("decidePromotion: older version", () => {
  it("GIVEN more traffic to a color older than the other WHEN rollback is not set THEN it is refused", () => {
    expect(decidePromotion(previous, next({ version: "1.2.0", otherVersion: "1.3.0" })).violations).toEqual([
      {
        kind: "unmarked-rollback",
        property: "rollback",
        message:
          "traffic to green would rise 10 -> 50, but green runs 1.2.0, older than 1.3.0 on the other color. " +
          "If this is a rollback, set bluegreen:traffic.rollback to true; otherwise deploy the newer version to green first, " +
          "or lower bluegreen:traffic.green back to 10.",
      },
    ]);
  });

  it("GIVEN rollback: true WHEN traffic moves to the older color THEN it is allowed and probed", () => {
    expect(decidePromotion(previous, next({ version: "1.2.0", rollback: true }))).toMatchObject({
      probeRequired: true,
      violations: [],
    });
  });

  it("GIVEN semver ordering (1.10.0 > 1.9.0, prerelease < release) WHEN compared THEN semver decides, not string order", () => {
    expect(decidePromotion(previous, next({ version: "1.10.0", otherVersion: "1.9.0" })).violations).toEqual([]);
    expect(decidePromotion(previous, next({ version: "2.0.0-rc.1", otherVersion: "2.0.0" })).violations[0].kind).toBe(
      "unmarked-rollback",
    );
  });

  it("GIVEN no other version, or an unparseable one WHEN decided THEN no version rule applies", () => {
    expect(decidePromotion(previous, next({ otherVersion: "" })).violations).toEqual([]);
    expect(decidePromotion(previous, next({ version: "latest" })).violations).toEqual([]);
  });

  it("GIVEN a decrease toward an older color WHEN decided THEN no violation", () => {
    expect(
      decidePromotion({ ...previous, weight: 60, version: "1.2.0" }, next({ version: "1.2.0" })).violations,
    ).toEqual([]);
  });

  it("GIVEN both a large step and an older version WHEN decided THEN both are reported", () => {
    expect(decidePromotion(previous, next({ version: "1.2.0", maxStep: 25 })).violations.map((v) => v.kind)).toEqual([
      "step-too-large",
      "unmarked-rollback",
    ]);
  });
});

describe("sharePoints", () => {
  it("is the weight's share of the total in percentage points", () => {
    expect([sharePoints(10, 100), sharePoints(0, 7), sharePoints(25, 50)]).toEqual([10, 0, 50]);
    expect(sharePoints(1, 3)).toBeCloseTo(33.333, 3);
  });
});
