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
 *       release (same major and minor, higher patch, no prerelease) of the
 *       version that served traffic before the update may jump past
 *       gate.maxStep straight to its configured weight: the only exception
 *       to the step rule. What served is what the gate recorded at its last
 *       update (each color with a share, its own earlier share of the same
 *       version aside); when that is not known the exception does not apply.
 *       Judging against the other color's new version instead would let a
 *       minor release ride in beside it (1.3.0 serving, 1.4.0 and 1.4.1
 *       deployed together). It is still probed: outside a maintenance window
 *       one healthy round passes; during one the probes are all that judge
 *       it, so it needs gate.consecutiveSuccesses like any promotion.
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
  /**
   * The other color's version at that update ("" when it ran nothing); with `share`, what served
   * traffic before this update (rule g). Absent when not recorded: the hotfix exception then does not apply.
   */
  readonly otherVersion?: string;
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
  /** `bluegreen:maintenance.enabled`: users get the page, so only the probes judge this update. @default false */
  readonly maintenance?: boolean;
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
  /** The hotfix exception (g) applies to this color: no step limit. */
  readonly hotfix: boolean;
  /** One healthy probe round passes the gate: a hotfix outside a maintenance window. Otherwise gate.consecutiveSuccesses. */
  readonly oneHealthyRound: boolean;
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
  const hotfix = input.hotfix === true && isHotfixOf(servedVersions(previous), self.version);
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
        `Raise it in steps: set bluegreen:traffic.${color} to at most ${largest} for this update, or set bluegreen:gate.allowLargeStep to true to allow this one jump.` +
        (input.hotfix === true ? ` ${hotfixRefusal(self.version, servedVersions(previous))}` : ""),
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
  return {
    gains,
    probe,
    stepLimited,
    reason,
    hotfix,
    oneHealthyRound: hotfix && input.maintenance !== true,
    violations,
  };
}

/**
 * The versions that carried traffic before this update, as the gate recorded them at its last update: its own
 * when it had a share, the other color's when that one had. Undefined when not known (a first deploy, or a state
 * that did not record the other color's version while it carried traffic).
 */
export function servedVersions(previous: PreviousGate | undefined): readonly string[] | undefined {
  if (previous === undefined) return undefined;
  const { share, otherVersion } = previous;
  const own = share.weight > 0 ? [previous.version] : [];
  if (share.weight === share.total) return own.length > 0 ? own : undefined;
  return otherVersion === undefined || otherVersion === "" ? undefined : [...own, otherVersion];
}

/**
 * Rule (g): `candidate` is a patch release, without prerelease, of every version that served traffic; a served
 * version equal to it (its own earlier share) is no objection, but at least one must be older.
 */
function isHotfixOf(served: readonly string[] | undefined, candidate: string): boolean {
  const older = served?.filter((version) => version !== candidate) ?? [];
  return older.length > 0 && older.every((version) => isPatchRelease(version, candidate));
}

/** Why `bluegreen:release.hotfix` did not lift the step limit (the step-too-large message ends with it). */
function hotfixRefusal(candidate: string, served: readonly string[] | undefined): string {
  const rule = "(same major and minor, higher patch, no prerelease)";
  if (served === undefined) {
    return `bluegreen:release.hotfix does not lift the limit: the version that served traffic before this update is not known to the gate (a first deploy, or a gate state from an older program), and a hotfix must be a patch release ${rule} of it.`;
  }
  const older = served.filter((version) => version !== candidate);
  return older.length === 0
    ? `bluegreen:release.hotfix does not lift the limit: ${candidate} already served traffic before this update, so it is no patch release of what served.`
    : `bluegreen:release.hotfix does not lift the limit: ${candidate} is not a patch release ${rule} of ${older.join(" and ")}, which served traffic before this update.`;
}

/**
 * Rule (f) on the way back: the message refusing to move all traffic to `to` (running `target`, verified, with no
 * share yet: the worst case) from `from`, or undefined when the rule lets it through. The only refusal a rollback
 * can meet from the gate, so a release that must fall back asks it before it starts.
 */
export function migrationRefusesRollback(
  to: string,
  target: ColorRelease,
  from: ColorRelease,
  irreversibleMigration: PromotionInput["irreversibleMigration"],
): string | undefined {
  const decision = decidePromotion({
    color: to,
    self: target,
    other: from,
    share: { weight: 1, total: 1 },
    previous: { ...target, share: { weight: 0, total: 1 }, verified: target },
    rollback: false,
    maxStep: 100,
    allowLargeStep: true,
    irreversibleMigration,
  });
  return decision.violations.find((v) => v.kind === "irreversible-migration")?.message;
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
