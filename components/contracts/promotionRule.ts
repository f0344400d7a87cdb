/**
 * The promotion rule: for one color, does a traffic change need a health
 * probe, is it step-limited, and is it allowed at all? Judged on exact
 * shares and their direction, not on the color's own weight:
 *
 *   (a) a color whose version or image changed in this update is probed
 *       before it carries traffic;
 *   (b) when the newer version's share grows, the color gaining it is probed
 *       and step-limited (gate.maxStep, unless allowLargeStep);
 *   (c) share moving to a color whose version and image are unchanged since
 *       it last passed its gate is a rollback: never probed, never limited,
 *       no flag needed;
 *   (d) both colors on one version: a share gain is probed and limited when
 *       the images differ, free when they are the same;
 *   (e) `traffic.rollback` is needed only when a color redeployed with an
 *       older version gains share (an accidental downgrade);
 *   (f) share moving back to an older major version after an irreversible
 *       migration is refused without a restore snapshot: the only rule that
 *       can refuse a rollback;
 *   (g) while `bluegreen:release.hotfix` is set, a color running a patch
 *       release of the other color's version (same major and minor, higher
 *       patch) may jump past gate.maxStep straight to its configured weight:
 *       the only exception to the step rule. It is still probed.
 *
 * A first deploy (no previous state) moves no existing traffic: probed when
 * it carries traffic, never step-limited. Dependency-free: the gate's
 * provider, `shift`, the plan and the policy pack all judge with this.
 */
import { compareShares, gainExceeds, largestWeightWithin, Share, sharePercent } from "./shares";
import { compareVersions, isPatchRelease, parseVersion } from "./versions";

/** What runs in a color and the traffic it gets. */
export interface ColorRelease {
  readonly version: string;
  /** Pinned image reference; an unknown image ("") counts as unchanged. */
  readonly image: string;
}

/** What the color's gate recorded at the last successful update. */
export interface PreviousGate extends ColorRelease {
  readonly share: Share;
  /** The version and image the color last passed its gate with (probed healthy); absent when never. */
  readonly verified?: ColorRelease;
}

export interface PromotionInput {
  readonly color: string;
  readonly self: ColorRelease;
  readonly other: ColorRelease;
  /** This color's share after the update. */
  readonly share: Share;
  /** Absent on the first deploy. */
  readonly previous?: PreviousGate;
  /** `bluegreen:traffic.rollback`. */
  readonly rollback: boolean;
  readonly maxStep: number;
  readonly allowLargeStep: boolean;
  /** An irreversible migration and whether a restore snapshot is configured; absent without one. */
  readonly irreversibleMigration?: { readonly version: string; readonly restoreConfigured: boolean };
  /** `bluegreen:release.hotfix` is set. @default false */
  readonly hotfix?: boolean;
}

export type PromotionViolationKind = "step-too-large" | "unmarked-downgrade" | "irreversible-migration";

export interface PromotionViolation {
  readonly kind: PromotionViolationKind;
  /** The gate input the engine shows the failure against. */
  readonly property: "weight" | "rollback" | "version";
  readonly message: string;
}

export interface PromotionDecision {
  /** The share grows (exactly). */
  readonly gains: boolean;
  readonly probe: boolean;
  readonly stepLimited: boolean;
  /** Why the probe is (not) needed, recorded in the gate's outputs. */
  readonly reason: string;
  /** The hotfix exception (g) applies to this color: no step limit, and one healthy round passes its gate. */
  readonly hotfix: boolean;
  readonly violations: readonly PromotionViolation[];
}

type Relation = "newer" | "older" | "same";

function relation(self: string, other: string): Relation {
  // An unparseable version is the provider's input check's business; no rule applies to it.
  if (parseVersion(self) === undefined || parseVersion(other) === undefined) return "same";
  const order = compareVersions(self, other);
  return order > 0 ? "newer" : order < 0 ? "older" : "same";
}

const sameRelease = (a: ColorRelease | undefined, b: ColorRelease) =>
  a !== undefined && a.version === b.version && (a.image === b.image || a.image === "" || b.image === "");

export function decidePromotion(input: PromotionInput): PromotionDecision {
  const { color, self, other, share, previous } = input;
  const from = previous?.share ?? { weight: 0, total: 0 };
  const gains = compareShares(share, from) > 0;
  const versions = relation(self.version, other.version);
  const changed = previous === undefined || !sameRelease(previous, self);
  const verified = !changed && sameRelease(previous?.verified, self);
  const sameImages = versions === "same" && (self.image === other.image || self.image === "" || other.image === "");

  const probed = probeDecision(input, { gains, versions, changed, verified, sameImages });
  const { probe } = probed;
  const hotfix = input.hotfix === true && isPatchRelease(other.version, self.version);
  const reason = hotfix && gains ? `${probed.reason} (hotfix: no step limit)` : probed.reason;
  // A first deploy moves no existing traffic; a rollback (c), a declared downgrade (e) and a hotfix (g) are never slowed.
  const stepLimited =
    previous !== undefined &&
    gains &&
    !input.allowLargeStep &&
    !hotfix &&
    (versions === "newer" || (versions === "same" && !sameImages) || (versions === "older" && !verified && !changed));

  const violations: PromotionViolation[] = [];
  if (stepLimited && gainExceeds(from, share, input.maxStep)) {
    const largest = largestWeightWithin(from, share.total, input.maxStep);
    violations.push({
      kind: "step-too-large",
      property: "weight",
      message:
        `traffic to ${color} would rise from ${sharePercent(from)} % to ${sharePercent(share)} % of all traffic ` +
        `(weight ${from.weight} of ${from.total} -> ${share.weight} of ${share.total}), more than the allowed step of ${input.maxStep} points (bluegreen:gate.maxStep). ` +
        `Raise it in steps: set bluegreen:traffic.${color} to at most ${largest} for this update, or set bluegreen:gate.allowLargeStep to true to allow this one jump.`,
    });
  }
  if (previous !== undefined && gains && versions === "older" && changed && !input.rollback) {
    violations.push({
      kind: "unmarked-downgrade",
      property: "rollback",
      message:
        `traffic to ${color} would rise from ${sharePercent(from)} % to ${sharePercent(share)} %, but ${color} was redeployed with ${self.version}, ` +
        `older than ${other.version} on the other color: an accidental downgrade? If this is a rollback to a redeployed older version, set bluegreen:traffic.rollback to true; ` +
        `otherwise deploy the newer version to ${color}, or keep its share at ${sharePercent(from)} %. (Moving traffic back to a color that still runs what last passed its gate needs no flag.)`,
    });
  }
  const guard = input.irreversibleMigration;
  if (
    previous !== undefined &&
    gains &&
    guard !== undefined &&
    !guard.restoreConfigured &&
    olderMajor(self.version, other.version)
  ) {
    violations.push({
      kind: "irreversible-migration",
      property: "version",
      message:
        `traffic to ${color} (${self.version}) would rise, but migration ${guard.version} is irreversible and ${color} runs an older major version than ${other.version}: ` +
        `it cannot run on the migrated schema. Restore the pre-migration snapshot first (bluegreen:database.restoreFromSnapshot, see README "Restoring"), ` +
        `or mark the migration reversible if it only expands the schema.`,
    });
  }
  return { gains, probe, stepLimited, reason, hotfix, violations };
}

/** What the color will have last passed its gate with once this update succeeds: what it runs when probed now, else what it had. */
export function verifiedAfter(
  self: ColorRelease,
  previous: PreviousGate | undefined,
  probed: boolean,
): ColorRelease | undefined {
  if (probed) return self;
  return previous !== undefined && sameRelease(previous.verified, self) ? previous.verified : undefined;
}

function olderMajor(self: string, other: string): boolean {
  const a = parseVersion(self);
  const b = parseVersion(other);
  return a !== undefined && b !== undefined && a.major < b.major;
}

function probeDecision(
  input: PromotionInput,
  facts: { gains: boolean; versions: Relation; changed: boolean; verified: boolean; sameImages: boolean },
): { probe: boolean; reason: string } {
  const { color, self, share, previous } = input;
  if (share.weight === 0) return { probe: false, reason: `weight 0: ${color} receives no traffic, nothing to verify` };
  if (previous === undefined)
    return { probe: true, reason: `first deploy of ${color} ${self.version} with ${sharePercent(share)} % of traffic` };
  if (facts.changed) {
    return {
      probe: true,
      reason: `${color} changed (${previous.version} -> ${self.version}) and carries ${sharePercent(share)} % of traffic`,
    };
  }
  const moved = `${sharePercent(previous.share)} % -> ${sharePercent(share)} %`;
  if (!facts.gains) return { probe: false, reason: `${color}'s share does not grow (${moved}): not probed` };
  switch (facts.versions) {
    case "newer":
      return { probe: true, reason: `the newer version ${self.version} gains share (${moved})` };
    case "older":
      return facts.verified
        ? {
            probe: false,
            reason: `rollback to ${self.version}, unchanged since it last passed its gate (${moved}): never probed`,
          }
        : { probe: true, reason: `${self.version} gains share (${moved}) and never passed its gate in ${color}` };
    case "same":
      return facts.sameImages
        ? {
            probe: false,
            reason: `both colors run ${self.version} with the same image (${moved}): nothing new to verify`,
          }
        : {
            probe: true,
            reason: `both colors run ${self.version} but with different images; ${color}'s gains share (${moved})`,
          };
  }
}
