/**
 * Secure defaults every platform applies to the colors' containers, and the
 * rule for relaxing one: a color may run with a writable root filesystem or
 * as root only when its config says why (`<color>.securityException`), so
 * the exception is reviewed with the stack file. Images are pinned before
 * anything runs, not only by the policy pack after the program ran. Pure;
 * one rule per key, so an invalid key elsewhere never hides these.
 */
import { Color, COLORS } from "../contracts/colors";
import { unpinnedReason } from "../contracts/images";
import { ConfigIssue, fullKey, showValue } from "./issues";
import type { ColorConfig, CoreConfig } from "./schema";

/** uid 0, with or without a group: the container's root. */
export function runsAsRoot(user: string): boolean {
  return Number(user.split(":")[0]) === 0;
}

/** The secure defaults a color relaxes, by key. */
export function relaxedDefaults(color: Pick<ColorConfig, "readOnlyRootFilesystem" | "user">): string[] {
  return [
    ...(color.readOnlyRootFilesystem ? [] : ["readOnlyRootFilesystem: false"]),
    ...(runsAsRoot(color.user) ? [`user: "${color.user}" (root)`] : []),
  ];
}

type HardeningRule = (config: Pick<CoreConfig, Color | "migration">) => ConfigIssue[];

/** The hardening rules: each color's image and exception, the migration's image. */
export const HARDENING_RULES: readonly HardeningRule[] = [
  ...COLORS.map(
    (color): HardeningRule =>
      (config) =>
        imageIssues([color, "image"], config[color].image),
  ),
  (config) => imageIssues(["migration", "image"], config.migration?.image),
  ...COLORS.map(
    (color): HardeningRule =>
      (config) =>
        exceptionIssues(color, config[color]),
  ),
];

function imageIssues(path: string[], image: string | undefined): ConfigIssue[] {
  const reason = image === undefined ? undefined : unpinnedReason(image);
  if (reason === undefined) return [];
  const why =
    reason === "no-tag"
      ? `${showValue(image)} has no tag`
      : `${showValue(image)} uses a tag that moves with every push`;
  return [
    {
      key: fullKey(path),
      message: `is not pinned: ${why}, so every start may pull a different build. Pin it to the release's tag (e.g. api:1.5.0) or a digest (api@sha256:...)`,
    },
  ];
}

function exceptionIssues(color: Color, settings: ColorConfig): ConfigIssue[] {
  const relaxed = relaxedDefaults(settings);
  if (relaxed.length === 0 || settings.securityException !== undefined) return [];
  return [
    {
      key: fullKey([color, "securityException"]),
      message:
        `is required: ${color} relaxes a secure default (${relaxed.join(", ")}). ` +
        `Say why the image needs it (e.g. "the image writes its cache to /var/cache/app"), or restore the default ` +
        `(a read-only root filesystem with a writable /tmp; a non-root numeric user such as "10001")`,
    },
  ];
}
