/**
 * Parses a stack's config as the engine hands it over (full keys such as
 * `bluegreen:traffic` or `aws:region`, objects as JSON text) against a
 * schema and rules, and throws one ConfigError listing every problem. Pure:
 * tests, the offline plan and the program all feed it the raw values.
 */
import type { z } from "zod";
import { coerceToSchema } from "./coerce";
import { CONFIG_NAMESPACE, ConfigError, ConfigIssue, fullKey, IssueSource } from "./issues";
import { CoreConfig, withEnvironmentDefaults } from "./schema";

/** One check of the parsed config; `raw` gives keys of other namespaces (`aws:region`), `secretKeys` the keys set with `--secret`. */
export type ConfigRule<T> = (
  config: T,
  raw: Readonly<Record<string, unknown>>,
  secretKeys: readonly string[],
) => ConfigIssue[];

export interface ConfigSpec<T extends CoreConfig> {
  /** Every `bluegreen:*` key. */
  readonly schema: z.ZodObject<z.ZodRawShape, z.core.$strict> & z.ZodType<T>;
  /**
   * Checks of the config as a whole. When some keys are invalid, each rule
   * still runs unless it reads one of them, so that one run lists every
   * problem it can find: keep rules small, one concern each.
   */
  readonly rules: readonly ConfigRule<T>[];
}

/** `source`: the stack file, or the library component whose Args these are; its problems are named as there. */
export function parseConfigWith<T extends CoreConfig>(
  raw: Record<string, unknown>,
  source: IssueSource,
  spec: ConfigSpec<T>,
  secretKeys: readonly string[] = [],
): T {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const decoded = Object.fromEntries(
    Object.entries(raw)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), decodeValue(value)]),
  );
  const coerced = coerceToSchema(decoded, spec.schema, fullKey);
  const parsed = spec.schema.safeParse(coerced.value, { reportInput: true });
  const run = (config: T) => spec.rules.flatMap((rule) => ruleIssues(rule, config, raw, secretKeys));
  if (parsed.success) {
    const config = withEnvironmentDefaults(parsed.data, decoded);
    const issues = run(config);
    if (issues.length > 0) throw new ConfigError(source.label, oneIssuePerKey(issues), source);
    return config;
  }
  const schemaIssues = [
    ...coerced.issues,
    ...parsed.error.issues.flatMap((issue) => zodIssueToConfigIssues(issue, source)),
  ];
  const valid = validKeys(spec.schema, coerced.value as Record<string, unknown>, parsed.error.issues);
  throw new ConfigError(source.label, oneIssuePerKey([...schemaIssues, ...run(valid)]), source);
}

/** A rule read a key whose value the schema refused: its verdict would rest on a value that is not there. */
class InvalidKeyRead extends Error {}

function ruleIssues<T>(
  rule: ConfigRule<T>,
  config: T,
  raw: Readonly<Record<string, unknown>>,
  secretKeys: readonly string[],
): ConfigIssue[] {
  try {
    return rule(config, raw, secretKeys);
  } catch (error) {
    if (error instanceof InvalidKeyRead) return [];
    throw error;
  }
}

/**
 * The config with each top-level key the schema accepts on its own parsed
 * (defaults applied), and any read of a refused key throwing InvalidKeyRead,
 * so that rules that do not depend on a refused key still run.
 */
function validKeys<T extends CoreConfig>(
  schema: ConfigSpec<T>["schema"],
  values: Record<string, unknown>,
  issues: readonly z.core.$ZodIssue[],
): T {
  const refused = new Set(issues.filter((issue) => issue.path.length > 0).map((issue) => String(issue.path[0])));
  const parsed: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    if (refused.has(key)) continue;
    const result = (field as z.ZodType).safeParse(values[key]);
    if (result.success) parsed[key] = result.data;
    else refused.add(key);
  }
  // Refused keys are absent here, and the proxy below keeps rules from mistaking them for unset ones.
  const config = withEnvironmentDefaults(parsed as T, values);
  return new Proxy(config, {
    get(target, key) {
      if (typeof key === "string" && refused.has(key)) throw new InvalidKeyRead(key);
      return Reflect.get(target, key);
    },
  });
}

/**
 * The Pulumi engine passes objects as JSON text, and top-level scalars as
 * text: those stay text, read as the schema means them (coerce.ts).
 */
export function decodeValue(value: unknown): unknown {
  if (typeof value !== "string" || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** One problem per key: the first, most specific one (`intervalMs: 0` is not also "at least 10"). */
function oneIssuePerKey(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => !seen.has(issue.key) && seen.add(issue.key));
}

function zodIssueToConfigIssues(issue: z.core.$ZodIssue, source: IssueSource): ConfigIssue[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      key: fullKey([...issue.path, key]),
      message:
        issue.path.length === 0 && key.includes(".")
          ? `is not a known setting: it looks like the path ${fullKey(key.split("."))} set without \`--path\`, which makes a top-level key named "${key}". ` +
            `Remove it and run \`pulumi config set --path '${fullKey(key.split("."))}' <value>\` (or write it nested under ${fullKey([key.split(".")[0]])} in the stack file)`
          : "is not a known setting; check the spelling against the README's configuration table, or remove it",
    }));
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return [{ key: fullKey(issue.path), message: `is required (${issue.expected}); add it to ${source.place}` }];
  }
  const got = issue.input === undefined ? "" : ` (got ${JSON.stringify(issue.input)})`;
  return [{ key: fullKey(issue.path), message: `${issue.message}${got}` }];
}
