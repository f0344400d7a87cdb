/**
 * Container image references and what pins one: the stack config refuses an
 * unpinned image before anything runs, and the policy pack (which carries a
 * copy) refuses one in the resources. Dependency-free.
 */

/** Tags that move with every push, so they pin nothing. */
export const MOVING_TAGS = ["latest"] as const;

export interface ImageReference {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** `registry:port/repo:tag@sha256:...` into its parts; a colon before the last `/` belongs to the registry. */
export function parseImage(reference: string): ImageReference {
  const at = reference.indexOf("@");
  const withoutDigest = at < 0 ? reference : reference.slice(0, at);
  const digest = at < 0 ? undefined : reference.slice(at + 1);
  const colon = withoutDigest.lastIndexOf(":");
  const hasTag = colon > withoutDigest.lastIndexOf("/");
  return {
    name: hasTag ? withoutDigest.slice(0, colon) : withoutDigest,
    ...(hasTag ? { tag: withoutDigest.slice(colon + 1) } : {}),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** Why an image is not pinned ("no-tag", "moving-tag"), or undefined when a digest or a fixed tag pins it. */
export function unpinnedReason(
  reference: string,
  movingTags: readonly string[] = MOVING_TAGS,
): "no-tag" | "moving-tag" | undefined {
  const image = parseImage(reference);
  if (image.digest !== undefined) return undefined;
  if (image.tag === undefined) return "no-tag";
  return movingTags.some((tag) => tag.toLowerCase() === image.tag!.toLowerCase()) ? "moving-tag" : undefined;
}

/**
 * The tags that name `version`: the version itself, and for one with build
 * metadata (`1.10.3+build.7`) the spellings registries accept, since a tag
 * cannot hold `+` (`1.10.3_build.7`, `1.10.3-build.7`).
 */
export function versionTags(version: string): string[] {
  return version.includes("+") ? [version.replace("+", "_"), version.replace("+", "-")] : [version];
}
