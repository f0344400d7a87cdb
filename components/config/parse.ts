/**
 * Parses a stack's config as the engine hands it over (full keys such as
 * `bluegreen:traffic` or `aws:region`, objects as JSON text) against a
 * schema and rules, and throws one ConfigError listing every problem. Pure:
 * tests, the offline plan and the program all feed it the raw values.
 */
import type { z } from "zod";
import { coerceToSchema } from "./coerce";
import { isCrossFieldIssue } from "./crossField";
import { CONFIG_NAMESPACE, ConfigError, ConfigIssue, fullKey, IssueSource, showValue } from "./issues";
import { CoreConfig, withEnvironmentDefaults } from "./schema";
import { guard, judged, readableView, startsWith } from "./readable";
import { SECRET_CONFIG_KEYS, SECRET_PLACEHOLDER } from "./secrets";

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
   * still runs unless it reads one of them (down to the leaf: an invalid
   * `gate.intervalMs` silences no rule that reads `gate.targets`; see
   * readable.ts), so that one run lists every problem it can find: keep
   * rules small, one verdict each, reading only what they judge.
   */
  readonly rules: readonly ConfigRule<T>[];
}

/**
 * `source`: the stack file, or the library component whose Args these are; its problems are named as there.
 * `secretKeys`: the keys set with `--secret`; no message quotes their values. `unreadableSecrets`: where an
 * encrypted value sits that the reader could not decrypt (the offline plan: full key, then the path inside
 * it): taken as present with a value unknown, never validated as its placeholder, and no rule judges it.
 */
export function parseConfigWith<T extends CoreConfig>(
  raw: Record<string, unknown>,
  source: IssueSource,
  spec: ConfigSpec<T>,
  secretKeys: readonly string[] = [],
  unreadableSecrets: readonly (readonly string[])[] = [],
): T {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const decoded = Object.fromEntries(
    Object.entries(raw)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), decodeValue(value)]),
  );
  // A key set whole with `--secret` that the reader could not decrypt is absent from `raw`: present, value unknown.
  const withheld = secretKeys.filter((key) => !Object.hasOwn(raw, key)).map((key) => [key]);
  const unknown = [...unreadableSecrets, ...withheld]
    .filter(([key]) => key.startsWith(prefix))
    .map(([key, ...inner]) => [key.slice(prefix.length), ...inner]);
  const isUnknown = (path: readonly PropertyKey[]) => unknown.some((at) => startsWith(path.map(String), at));
  // The keys that hold credentials (the probe headers, the webhook URLs), and any key set with `--secret`.
  const mayBeCredential = (key: PropertyKey | undefined) =>
    key !== undefined &&
    ((SECRET_CONFIG_KEYS as readonly PropertyKey[]).includes(key) || secretKeys.includes(fullKey([key])));
  const coerced = coerceToSchema(decoded, spec.schema, fullKey);
  const parsed = spec.schema.safeParse(coerced.value, { reportInput: true });
  const zodIssues = parsed.success ? [] : parsed.error.issues.filter((issue) => !isUnknown(issue.path));
  const schemaIssues = [
    ...coerced.issues.filter((issue) => !unknown.some((at) => issue.key === fullKey(at))),
    ...zodIssues.flatMap((issue) => zodIssueToConfigIssues(issue, source, mayBeCredential(issue.path[0]))),
  ];
  const view =
    parsed.success && unknown.length === 0
      ? { config: parsed.data, blocked: [] }
      : readableView(spec.schema, coerced.value as Record<string, unknown>, parsed.error?.issues ?? [], unknown);
  const config = withEnvironmentDefaults(view.config as T, decoded);
  const blocked = [...view.blocked, ...unknown];
  // The production default of gate.maxStep rests on `environment`: unknown while that is invalid.
  if (
    blocked.some((path) => path.length === 1 && path[0] === "environment") &&
    !hasPath(decoded, ["gate", "maxStep"])
  ) {
    blocked.push(["gate", "maxStep"]);
  }
  const guarded = guard(config, blocked);
  const ruleIssues = spec.rules.flatMap((rule) => judged(() => rule(guarded, raw, secretKeys)));
  const issues = oneIssuePerKey([...schemaIssues, ...ruleIssues]);
  if (issues.length > 0) throw new ConfigError(source.label, withoutSecrets(issues, decoded, secretKeys), source);
  return config;
}

function hasPath(value: unknown, path: readonly string[]): boolean {
  let node = value;
  for (const part of path) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, part)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return node !== undefined;
}

/**
 * Last line of defence: no message shows a secret's value, whatever rule
 * wrote it. Every text of 6 characters or more inside a key set with
 * `--secret` is masked wherever it appears (shorter ones, such as a format
 * name, are not credentials and would only garble the message).
 */
function withoutSecrets(
  issues: readonly ConfigIssue[],
  decoded: Readonly<Record<string, unknown>>,
  secretKeys: readonly string[],
): ConfigIssue[] {
  const texts = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value === "string" && value.length >= 6 && value !== SECRET_PLACEHOLDER) texts.add(value);
    else if (typeof value === "object" && value !== null) Object.values(value).forEach(collect);
  };
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const key of secretKeys) if (key.startsWith(prefix)) collect(decoded[key.slice(prefix.length)]);
  if (texts.size === 0) return [...issues];
  const longestFirst = [...texts].sort((a, b) => b.length - a.length);
  const mask = (text: string) => longestFirst.reduce((out, secret) => out.split(secret).join(SECRET_PLACEHOLDER), text);
  return issues.map((issue) => ({ key: mask(issue.key), message: mask(issue.message) }));
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

/** `secret`: the issue is in a key that holds credentials or is set with `--secret`, whose value no message quotes. */
function zodIssueToConfigIssues(issue: z.core.$ZodIssue, source: IssueSource, secret: boolean): ConfigIssue[] {
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
  // A check across fields names the values it compared in its message; its input is the whole object.
  const crossFieldVerdict = isCrossFieldIssue(issue);
  const got =
    issue.input === undefined || crossFieldVerdict
      ? ""
      : secret
        ? " (the value is not shown: it may be a credential)"
        : ` (got ${showValue(issue.input)})`;
  return [{ key: fullKey(issue.path), message: `${issue.message}${got}` }];
}
