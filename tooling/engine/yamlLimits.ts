/** Bounds of a stack file the offline reader takes (stackYaml.ts): far above any real stack file, far below what hurts. */
export const STACK_FILE_LIMITS = {
  /** A stack file holds settings, not data: 4 MiB is a thousand times the shipped ones. */
  bytes: 4 * 1024 * 1024,
  /** No setting is nested more than about 8 levels; 64 leaves room for other namespaces. */
  depth: 64,
  /** Values once aliases and merges are expanded: a real stack file has a few hundred. */
  values: 100_000,
} as const;
