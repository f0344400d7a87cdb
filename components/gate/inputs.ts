/**
 * The promotion gate's inputs: their shape, their validation (Check), and
 * how the gate's recorded state becomes the previous state the promotion
 * rule judges against. Captured by value with the provider: imports only
 * dependency-free modules.
 */
import type { Color } from "../contracts/colors";
import type { ColorRelease, PreviousGate, PromotionInput } from "../contracts/promotionRule";
import { CheckFailure, isUnknown } from "../contracts/providerKit";
import { parseVersion } from "../contracts/versions";
import { isHttpUrl } from "./schema";
import type { GateSettings } from "./settings";

export interface PromotionGateInputs {
  /** App name, used in the gate's id and failure messages. */
  readonly app: string;
  readonly color: Color;
  /** Version this color runs (semver). */
  readonly version: string;
  /** Image this color runs (pinned); a new image is new code even under the same version. */
  readonly image: string;
  /** Version the other color runs (semver), or "" when it runs nothing. */
  readonly otherVersion: string;
  /** Image the other color runs ("" when unknown). */
  readonly otherImage: string;
  /** This color's traffic weight after the update. */
  readonly weight: number;
  /** Sum of both colors' weights after the update. */
  readonly totalWeight: number;
  /** `bluegreen:traffic.rollback`: a color redeployed with an older version may gain share. The config's default: false. */
  readonly rollback: boolean;
  /** URLs that reach this color alone: the platform's, plus `gate.targets.<color>`. */
  readonly targets: string[];
  /** Parsed `bluegreen:gate` settings (see gateSettingsSchema). */
  readonly settings: GateSettings;
  /** The configured migration when it is irreversible, and whether a restore snapshot is set. @default none */
  readonly irreversibleMigration?: { readonly version: string; readonly restoreConfigured: boolean };
  /**
   * `bluegreen:release.hotfix` is set: a patch release of the version that served traffic may jump past maxStep,
   * and outside a maintenance window one healthy round passes. @default false
   */
  readonly hotfix?: boolean;
  /**
   * `bluegreen:maintenance.enabled`: users get the page, so the Prometheus check is skipped, a hotfix needs every
   * healthy round, and a color passed now is recorded as not judged by user traffic (USER_TRAFFIC_PENDING).
   * Not diffed: opening or closing the window alone re-probes nothing. @default false
   */
  readonly maintenance?: boolean;
  /** Request headers for the probes (e.g. auth); secret, so never part of the outputs. @default {} */
  readonly headers?: Record<string, string>;
  /**
   * What this color last passed its gate with. Set by the gate's Check, never
   * by the program: it is the state the next update is judged against.
   * @default none
   */
  readonly verified?: ColorRelease;
}

/** The gate's state as the last successful update left it; undefined on create. */
export function previousGate(olds: Record<string, unknown>): PreviousGate | undefined {
  if (typeof olds.weight !== "number" || typeof olds.version !== "string") return undefined;
  const image = typeof olds.image === "string" ? olds.image : "";
  const total = typeof olds.totalWeight === "number" ? olds.totalWeight : olds.weight;
  const recorded = olds.verified as ColorRelease | undefined;
  // State from before verification was recorded: a color that carried traffic had passed its gate.
  const verified = "verified" in olds ? recorded : olds.weight > 0 ? { version: olds.version, image } : undefined;
  return {
    version: olds.version,
    image,
    share: { weight: olds.weight, total },
    ...(verified ? { verified } : {}),
    ...(typeof olds.otherVersion === "string" ? { otherVersion: olds.otherVersion } : {}),
  };
}

export function promotionInput(inputs: PromotionGateInputs, previous: PreviousGate | undefined): PromotionInput {
  return {
    color: inputs.color,
    self: { version: inputs.version, image: inputs.image ?? "" },
    other: { version: inputs.otherVersion, image: inputs.otherImage ?? "" },
    share: { weight: inputs.weight, total: inputs.totalWeight },
    previous,
    rollback: inputs.rollback,
    maxStep: inputs.settings.maxStep,
    allowLargeStep: inputs.settings.allowLargeStep,
    irreversibleMigration: inputs.irreversibleMigration,
    hotfix: inputs.hotfix,
    maintenance: inputs.maintenance,
  };
}

export function inputFailures(news: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const isVersion = (value: unknown) => typeof value === "string" && parseVersion(value) !== undefined;
  if (typeof news.app !== "string" || news.app === "") fail("app", "the app name must be a non-empty string");
  if (news.color !== "blue" && news.color !== "green") {
    fail("color", `must be "blue" or "green", got ${JSON.stringify(news.color)}`);
  }
  if (!isVersion(news.version))
    fail("version", `must be a semver version such as 1.4.2, got ${JSON.stringify(news.version)}`);
  if (news.otherVersion !== "" && !isVersion(news.otherVersion)) {
    fail(
      "otherVersion",
      `must be a semver version, or "" when the other color runs nothing; got ${JSON.stringify(news.otherVersion)}`,
    );
  }
  for (const key of ["image", "otherImage"]) {
    if (news[key] !== undefined && typeof news[key] !== "string")
      fail(key, `must be an image reference, got ${JSON.stringify(news[key])}`);
  }
  const { weight, totalWeight } = news;
  if (!Number.isInteger(totalWeight) || (totalWeight as number) <= 0) {
    fail(
      "totalWeight",
      `must be a whole number above 0 (the sum of both colors' weights), got ${JSON.stringify(totalWeight)}`,
    );
  }
  if (!Number.isInteger(weight) || (weight as number) < 0 || (weight as number) > (totalWeight as number)) {
    fail(
      "weight",
      `must be a whole number from 0 to totalWeight (${JSON.stringify(totalWeight)}), got ${JSON.stringify(weight)}`,
    );
  }
  if (typeof news.rollback !== "boolean")
    fail("rollback", `must be true or false, got ${JSON.stringify(news.rollback)}`);
  if (news.hotfix !== undefined && typeof news.hotfix !== "boolean") fail("hotfix", "must be true or false");
  if (news.maintenance !== undefined && typeof news.maintenance !== "boolean")
    fail("maintenance", "must be true or false");
  const { targets } = news;
  // Unknown at preview (the platform's URL is computed): checked again at update.
  if (isUnknown(targets)) return failures;
  if (!Array.isArray(targets)) return [...failures, { property: "targets", reason: "must be a list of URLs" }];
  targets.forEach((url, i) => {
    if (!isUnknown(url) && (typeof url !== "string" || !isHttpUrl(url))) {
      fail(
        `targets[${i}]`,
        `must be an absolute http(s) URL such as "https://app.example.com/health", got ${JSON.stringify(url)}`,
      );
    }
  });
  if (targets.length === 0 && typeof weight === "number" && weight > 0) {
    fail(
      "targets",
      `no URL to probe while ${String(news.color)} would receive traffic (weight ${weight}): the gate cannot prove it healthy. ` +
        `Give the platform a per-color URL or set bluegreen:gate.targets.${String(news.color)}.`,
    );
  }
  return failures;
}
