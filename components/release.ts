/**
 * Release rules: what a stack config may ask for, judged on the config alone.
 * Rules that need the previous state (how far a weight moved, whether an older
 * version is gaining traffic) live in the gate's promotion rules, which see
 * the old and new inputs at `pulumi preview`.
 */
import * as semver from "semver";
import { ConfigIssue, showText } from "./config/issues";
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

type ReleaseRule = (config: CoreConfig) => ConfigIssue[];

/**
 * The release rules, one verdict each, so that a key the schema refused
 * silences only the rules that read it (config/parse.ts).
 */
export const RELEASE_RULES: readonly ReleaseRule[] = [
  ...COLORS.map(
    (color): ReleaseRule =>
      (config) =>
        config.traffic[color] > 0 && config[color].desiredCount === 0
          ? [
              {
                key: `bluegreen:${color}.desiredCount`,
                message:
                  `is 0 while bluegreen:traffic.${color} is ${config.traffic[color]}: a color with no tasks cannot take traffic, ` +
                  `so a rollback to it is refused here, before anything moves. Raise desiredCount first (keep the stable color running for an instant rollback), or set its weight to 0`,
              },
            ]
          : [],
  ),
  // A color scaled to 0 can take no traffic (see above), so its gate never queries: a fixed color is then right.
  (config) => {
    const query = config.gate.prometheus?.query;
    if (query === undefined || query.includes(COLOR_PLACEHOLDER) || COLORS.some((c) => config[c].desiredCount === 0)) {
      return [];
    }
    return [
      {
        key: "bluegreen:gate.prometheus.query",
        message:
          `has no ${COLOR_PLACEHOLDER} placeholder while both colors run tasks (blue ${config.blue.desiredCount}, green ${config.green.desiredCount}) and can gain traffic: ` +
          `both gates would send this same query, so one color's gate would judge the other color's error rate. ` +
          `Write ${COLOR_PLACEHOLDER} where the color goes; each gate replaces it with its own color, e.g. ` +
          `sum(rate(http_requests_total{color="${COLOR_PLACEHOLDER}",code=~"5.."}[2m])) / sum(rate(http_requests_total{color="${COLOR_PLACEHOLDER}"}[2m]))`,
      },
    ];
  },
  (config) =>
    releaseView(config).majorBump && config.migration === undefined
      ? [
          {
            key: "bluegreen:migration",
            message: `blue runs ${showText(config.blue.version)} and green ${showText(config.green.version)}: a major version change needs a declared migration plan (version, image, command, reversible), even an expand-only one`,
          },
        ]
      : [],
  (config) => {
    if (!config.traffic.rollback) return [];
    const candidate = releaseView(config).candidate;
    const older = candidate === undefined ? undefined : otherColor(candidate);
    if (older === undefined || config.traffic[older] !== 0) return [];
    return [
      {
        key: "bluegreen:traffic.rollback",
        message: `is true but the older color ${older} (${showText(config[older].version)}) gets no traffic; give it weight or set rollback to false`,
      },
    ];
  },
];

/** Every release rule's issues. */
export function releaseRuleIssues(config: CoreConfig): ConfigIssue[] {
  return RELEASE_RULES.flatMap((rule) => rule(config));
}
