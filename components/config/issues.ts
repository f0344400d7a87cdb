/**
 * Config problems as users see them: the full key (`bluegreen:traffic.green`),
 * what is wrong and the fix, all listed in one error so that a stack file is
 * fixed in one pass instead of one `pulumi up` per typo.
 */

export const CONFIG_NAMESPACE = "bluegreen";

/** A config problem: the full key and what to do. */
export interface ConfigIssue {
  readonly key: string;
  readonly message: string;
}

/** `["traffic", "green"]` → `bluegreen:traffic.green`. */
export function fullKey(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return rest.length === 0 ? `${CONFIG_NAMESPACE}:${head}` : `${CONFIG_NAMESPACE}:${head}.${rest.join(".")}`;
}

export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

/** Thrown when a stack file is invalid; the message lists every issue at once. */
export class ConfigError extends Error {
  constructor(
    readonly stackFile: string,
    readonly issues: ConfigIssue[],
  ) {
    super(formatIssues(stackFile, issues));
    this.name = "ConfigError";
  }
}

function formatIssues(stackFile: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => `  - ${i.key}: ${i.message}`);
  return [
    `${stackFile} has ${issues.length} configuration problem${issues.length === 1 ? "" : "s"}; nothing was deployed:`,
    ...lines,
    `Fix each key in ${stackFile} (or with \`pulumi config set --path <key> <value>\`) and run again.`,
  ].join("\n");
}

/** "is required when `bluegreen:platform` is aws" for each section the platform needs and the config lacks. */
export function requiredSectionIssues(config: object, platform: string, sections: readonly string[]): ConfigIssue[] {
  return sections
    .filter((key) => (config as Record<string, unknown>)[key] === undefined)
    .map((key) => ({
      key: fullKey([key]),
      message: `is required when \`${CONFIG_NAMESPACE}:platform\` is ${platform}; add it (see README, "Configuration")`,
    }));
}
