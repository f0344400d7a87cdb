/**
 * Secure defaults every platform applies to the colors' containers, and the
 * rule for relaxing one: a color may run with a writable root filesystem or
 * as root only when its config says why (`<color>.securityException`), so
 * the exception is reviewed with the stack file. Pure.
 */
import { COLORS } from "../contracts/colors";
import { ConfigIssue, fullKey } from "./issues";
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

export function hardeningIssues(config: Pick<CoreConfig, "blue" | "green">): ConfigIssue[] {
  return COLORS.flatMap((color) => {
    const relaxed = relaxedDefaults(config[color]);
    if (relaxed.length === 0 || config[color].securityException !== undefined) return [];
    return [
      {
        key: fullKey([color, "securityException"]),
        message:
          `is required: ${color} relaxes a secure default (${relaxed.join(", ")}). ` +
          `Say why the image needs it (e.g. "the image writes its cache to /var/cache/app"), or restore the default ` +
          `(a read-only root filesystem with a writable /tmp; a non-root numeric user such as "10001")`,
      },
    ];
  });
}
