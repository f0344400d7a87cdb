/**
 * What a hotfix and a migration's safety settings require of the rest of the
 * config: an irreversible migration is rehearsed in production, a breaking
 * one is not reversible, a hotfix ships a patch release of the stable
 * version. (That a hotfix carries no new migration, and that a breaking one
 * runs inside a maintenance window, need the previous state: the release
 * guard's Check judges those at preview.) Pure.
 */
import { isPatchRelease } from "../contracts/versions";
import { releaseView } from "../release";
import { ConfigIssue, fullKey, showText } from "./issues";
import { ifReadable } from "./readable";
import type { CoreConfig } from "./schema";

type ModeRule = (config: Pick<CoreConfig, "environment" | "blue" | "green" | "migration" | "release">) => ConfigIssue[];

/** What these modes and the migration's safety settings require of the rest of the config. */
export const RELEASE_MODE_RULES: readonly ModeRule[] = [
  (config) => {
    const migration = config.migration;
    if (config.environment !== "production" || migration === undefined || migration.reversible || migration.rehearse) {
      return [];
    }
    // Named when valid; the verdict does not rest on it.
    const version = ifReadable(() => migration.version);
    return [
      {
        key: fullKey(["migration", "rehearse"]),
        message:
          `must be true in production for an irreversible migration${version === undefined ? "" : ` (${version})`}: it runs first on a scratch copy restored from the pre-migration snapshot, ` +
          "and the real run happens only if it and bluegreen:migration.validate pass",
      },
    ];
  },
  (config) =>
    config.migration?.breaking && config.migration.reversible
      ? [
          {
            key: fullKey(["migration", "breaking"]),
            message:
              "is true while bluegreen:migration.reversible is true: old code cannot run on a breaking schema change, so it cannot be reversible. Set reversible: false",
          },
        ]
      : [],
  (config) => {
    if (config.release.hotfix === undefined) return [];
    const view = releaseView(config);
    const candidate = view.candidate;
    const patch = candidate !== undefined && isPatchRelease(config[view.stable].version, config[candidate].version);
    if (patch) return [];
    const versions = `blue ${showText(config.blue.version)}, green ${showText(config.green.version)}`;
    return [
      {
        key: fullKey(["release", "hotfix"]),
        message:
          candidate === undefined
            ? `is set but both colors run one version (${versions}): a hotfix ships a patch release of the stable version. Deploy it to one color, or remove bluegreen:release.hotfix`
            : `is set but ${candidate} ${showText(config[candidate].version)} is not a patch release of ${view.stable} ${showText(config[view.stable].version)} (same major and minor, higher patch, no prerelease): a hotfix may not ride along with a regular release. Remove bluegreen:release.hotfix`,
      },
    ];
  },
];
