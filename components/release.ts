/**
 * Release rules: what a stack config may ask for, judged on the config alone.
 * Rules that need the previous state (how far a weight moved, whether an older
 * version is gaining traffic) live in the gate's promotion rules, which see
 * the old and new inputs at `pulumi preview`.
 */
import * as semver from "semver";
import type { ConfigIssue } from "./config/issues";
import type { CoreConfig } from "./config/schema";
import { otherColor, Color, COLOR_PLACEHOLDER, COLORS } from "./contracts/colors";

export interface ReleaseView {
  /** The color running the newer version, or undefined when both run the same. */
  readonly candidate: Color | undefined;
  /** The other color: the one to fall back to. */
  readonly stable: Color;
  readonly majorBump: boolean;
}

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

export function releaseRuleIssues(config: CoreConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const view = releaseView(config);
  const older = view.candidate === undefined ? undefined : otherColor(view.candidate);

  for (const color of COLORS) {
    if (config.traffic[color] > 0 && config[color].desiredCount === 0) {
      issues.push({
        key: `bluegreen:${color}.desiredCount`,
        message:
          `is 0 while bluegreen:traffic.${color} is ${config.traffic[color]}: a color with no tasks cannot take traffic, ` +
          `so a rollback to it is refused here, before anything moves. Raise desiredCount first (keep the stable color running for an instant rollback), or set its weight to 0`,
      });
    }
  }

  // A color scaled to 0 can take no traffic (see above), so its gate never queries: a fixed color is then right.
  const query = config.gate.prometheus?.query;
  if (query !== undefined && !query.includes(COLOR_PLACEHOLDER) && COLORS.every((c) => config[c].desiredCount > 0)) {
    issues.push({
      key: "bluegreen:gate.prometheus.query",
      message:
        `has no ${COLOR_PLACEHOLDER} placeholder while both colors run tasks (blue ${config.blue.desiredCount}, green ${config.green.desiredCount}) and can gain traffic: ` +
        `both gates would send this same query, so one color's gate would judge the other color's error rate. ` +
        `Write ${COLOR_PLACEHOLDER} where the color goes; each gate replaces it with its own color, e.g. ` +
        `sum(rate(http_requests_total{color="${COLOR_PLACEHOLDER}",code=~"5.."}[2m])) / sum(rate(http_requests_total{color="${COLOR_PLACEHOLDER}"}[2m]))`,
    });
  }

  if (view.majorBump && config.migration === undefined) {
    issues.push({
      key: "bluegreen:migration",
      message: `blue runs ${config.blue.version} and green ${config.green.version}: a major version change needs a declared migration plan (version, image, command, reversible), even an expand-only one`,
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
