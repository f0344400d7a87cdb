/**
 * Parses a stack's config as the engine hands it over (full keys such as
 * `bluegreen:traffic` or `aws:region`, objects as JSON text) against a
 * schema and rules, and throws one ConfigError listing every problem. Pure:
 * tests, the offline plan and the program all feed it the raw values.
 */
import type { z } from "zod";
import { CONFIG_NAMESPACE, ConfigError, ConfigIssue, fullKey, stackFileName } from "./issues";
import { CoreConfig, withEnvironmentDefaults } from "./schema";

export interface ConfigSpec<T extends CoreConfig> {
  /** Every `bluegreen:*` key. */
  readonly schema: z.ZodType<T>;
  /** Checks of the parsed config as a whole; `raw` gives keys of other namespaces (`aws:region`). */
  readonly rules: (config: T, raw: Readonly<Record<string, unknown>>) => ConfigIssue[];
}

export function parseConfigWith<T extends CoreConfig>(
  raw: Record<string, unknown>,
  stack: string,
  spec: ConfigSpec<T>,
): T {
  const stackFile = stackFileName(stack);
  const prefix = `${CONFIG_NAMESPACE}:`;
  const decoded = Object.fromEntries(
    Object.entries(raw)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), decodeValue(value)]),
  );
  const parsed = spec.schema.safeParse(decoded, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(stackFile, parsed.error.issues.flatMap(zodIssueToConfigIssues));
  }
  const config = withEnvironmentDefaults(parsed.data, decoded);
  const issues = spec.rules(config, raw);
  if (issues.length > 0) throw new ConfigError(stackFile, issues);
  return config;
}

/** The Pulumi engine passes objects and numbers as JSON text. */
export function decodeValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function zodIssueToConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      key: fullKey([...issue.path, key]),
      message: "is not a known setting; check the spelling against the README's configuration table, or remove it",
    }));
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return [{ key: fullKey(issue.path), message: `is required (${issue.expected}); add it to the stack file` }];
  }
  const got = issue.input === undefined ? "" : ` (got ${JSON.stringify(issue.input)})`;
  return [{ key: fullKey(issue.path), message: `${issue.message}${got}` }];
}
