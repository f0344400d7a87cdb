/**
 * Semantic Versioning 2.0.0 precedence for the exact versions the config
 * accepts (`1.4.2`, `1.5.0-rc.1`, `1.10.3+build.7`), without dependencies so
 * that the gate's provider and the policy pack can carry it by value.
 * Build metadata never orders versions.
 */

export interface ParsedVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Dot-separated pre-release identifiers; empty for a release. */
  readonly prerelease: readonly string[];
}

const VERSION =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/** The version's parts, or undefined when `text` is not an exact semantic version. */
export function parseVersion(text: string): ParsedVersion | undefined {
  const match = VERSION.exec(text);
  if (match === null) return undefined;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    prerelease: match[4] === undefined ? [] : match[4].split("."),
  };
}

function compareIdentifiers(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) return Math.sign(Number(a) - Number(b));
  if (numeric.test(a)) return -1;
  if (numeric.test(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** -1, 0 or 1 as `a` has lower, equal or higher precedence than `b`; throws on a version that does not parse. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (x === undefined || y === undefined)
    throw new Error(`not an exact semantic version: ${JSON.stringify(x === undefined ? a : b)}`);
  for (const key of ["major", "minor", "patch"] as const) {
    if (x[key] !== y[key]) return Math.sign(x[key] - y[key]);
  }
  // A pre-release has lower precedence than its release.
  if (x.prerelease.length === 0 || y.prerelease.length === 0)
    return Math.sign(y.prerelease.length - x.prerelease.length);
  for (let i = 0; i < Math.min(x.prerelease.length, y.prerelease.length); i++) {
    const order = compareIdentifiers(x.prerelease[i], y.prerelease[i]);
    if (order !== 0) return order;
  }
  return Math.sign(x.prerelease.length - y.prerelease.length);
}

/**
 * Same major and minor, a higher patch, and no prerelease: what a hotfix may ship
 * (`bluegreen:release.hotfix`). `1.4.1-rc.1` is not a patch release of `1.4.0`: a
 * release candidate is untested by definition, and a hotfix skips the step limit.
 */
export function isPatchRelease(stable: string, candidate: string): boolean {
  const [a, b] = [parseVersion(stable), parseVersion(candidate)];
  return (
    a !== undefined &&
    b !== undefined &&
    b.prerelease.length === 0 &&
    a.major === b.major &&
    a.minor === b.minor &&
    b.patch > a.patch
  );
}
