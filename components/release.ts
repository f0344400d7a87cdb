/**
 * Release rules: what a stack config may ask for, judged on the config alone.
 * Rules that need the previous state (how far a weight moved, whether an older
 * version is gaining traffic) live in the gate's promotion rules, which see
 * the old and new inputs at `pulumi preview`.
 */
import * as semver from "semver";
import type { ConfigIssue } from "./config/issues";
import type { CoreConfig } from "./config/schema";
import { otherColor } from "./contracts/colors";
import { Color } from "./contracts/colors";
import { COLORS } from "./contracts/colors";

export interface ReleaseView {
  /** The color running the newer version, or undefined when both run the same. */
  readonly candidate: Color | undefined;
  /** The other color: the one to fall back to. */
  readonly stable: Color;
  readonly majorBump: boolean;
}

/** What the release rules read: the neutral config and, where a platform has one, the restore path of its database. */
export type ReleaseConfig = CoreConfig & { readonly database?: { readonly restoreFromSnapshot?: string } };

export function releaseView(config: Pick<CoreConfig, "blue" | "green">): ReleaseView {
  const { blue, green } = config;
  const order = semver.compare(green.version, blue.version);
  const candidate: Color | undefined = order > 0 ? "green" : order < 0 ? "blue" : undefined;
  return {
    candidate,
    stable: candidate === undefined ? "blue" : otherColor(candidate),
    majorBump: semver.major(blue.version) !== semver.major(green.version),
  };
}

/**
 * The color whose version a migration prepares the schema for: its env and
 * secrets (the database URL, typically) are the migration task's. Green when
 * both colors run the same version.
 */
export function migrationTarget(config: Pick<CoreConfig, "blue" | "green">): Color {
  return releaseView(config).candidate ?? "green";
}

export function releaseRuleIssues(config: ReleaseConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const view = releaseView(config);
  const older = view.candidate === undefined ? undefined : otherColor(view.candidate);

  for (const color of COLORS) {
    if (config.traffic[color] > 0 && config[color].desiredCount === 0) {
      issues.push({
        key: `bluegreen:${color}.desiredCount`,
        message: `is 0 while bluegreen:traffic.${color} is ${config.traffic[color]}: a color with no tasks cannot take traffic. Set its weight to 0 first, or raise desiredCount`,
      });
    }
  }

  if (view.majorBump && config.migration === undefined) {
    issues.push({
      key: "bluegreen:migration",
      message: `blue runs ${config.blue.version} and green ${config.green.version}: a major version change needs a declared migration plan (version, image, command, reversible), even an expand-only one`,
    });
  }

  const rollingBackToOlderMajor =
    config.traffic.rollback && view.majorBump && older !== undefined && config.traffic[older] > 0;
  if (
    rollingBackToOlderMajor &&
    config.migration?.reversible === false &&
    config.database?.restoreFromSnapshot === undefined
  ) {
    issues.push({
      key: "bluegreen:database.restoreFromSnapshot",
      message: `is required to roll back to ${older} (${config[older!].version}): migration ${config.migration.version} is irreversible, so the older major version cannot run on the migrated schema. Name the snapshot to restore (the plan lists it), or mark the migration reversible if it is expand-only`,
    });
  }

  if (config.traffic.rollback && older !== undefined && config.traffic[older] === 0) {
    issues.push({
      key: "bluegreen:traffic.rollback",
      message: `is true but the older color ${older} (${config[older].version}) gets no traffic; give it weight or set rollback to false`,
    });
  }
  return issues;
}
