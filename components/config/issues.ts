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

/** The longest text a message quotes; a longer value is described by its size (a 2 MB message is never echoed). */
export const SHOWN_VALUE_MAX = 120;

/** `scheme://user:password@`: the password of a URL, which a message never shows. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#@]*@/gi;

/** Text with the password of every URL in it replaced by `***`. */
export function withoutPasswords(text: string): string {
  return text.replace(URL_PASSWORD, "$1:***@");
}

/**
 * A value as an error message may quote it: short text as JSON, the password
 * of a URL in it hidden, anything longer than SHOWN_VALUE_MAX described by
 * its size instead. Every message that quotes a config value goes through
 * here. A value that may be a secret (`--secret` keys, a webhook URL, a
 * secret reference) is not quoted at all: say "(not shown)" instead.
 */
export function showValue(value: unknown): string {
  if (typeof value === "string") {
    return value.length > SHOWN_VALUE_MAX
      ? `a text of ${value.length.toLocaleString("en")} characters (not shown)`
      : JSON.stringify(withoutPasswords(value));
  }
  if (typeof value !== "object" || value === null) return String(value);
  const text = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "string" ? withoutPasswords(item) : typeof item === "bigint" ? Number(item) : item,
  );
  if (text.length <= SHOWN_VALUE_MAX) return text;
  return Array.isArray(value)
    ? `a list of ${value.length.toLocaleString("en")} items (not shown)`
    : `a mapping of ${Object.keys(value).length.toLocaleString("en")} keys (not shown)`;
}

/** Text a message names unquoted (a version, an id): itself when short, else only its size, as showValue. */
export function showText(text: string): string {
  return text.length > SHOWN_VALUE_MAX
    ? `(a text of ${text.length.toLocaleString("en")} characters, not shown)`
    : withoutPasswords(text);
}

export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

/**
 * Where settings come from and how their problems read there: a stack file
 * (`bluegreen:traffic.green`, fixed with `pulumi config set`), or a library
 * component's Args (`traffic.green` of `AwsBlueGreen "shop"`).
 */
export interface IssueSource {
  /** `Pulumi.staging.yaml`, or `AwsBlueGreen "shop"`. */
  readonly label: string;
  /** Where a missing setting is added: "the stack file", or "the component's Args". */
  readonly place: string;
  /** A config key (`bluegreen:traffic.green`) as the user wrote it there. */
  readonly key: (configKey: string) => string;
  /** A message, its mentions of config keys written as the user wrote them there. */
  readonly text: (message: string) => string;
  /** The last line: how to fix the problems and try again. */
  readonly fix: string;
}

export function stackFileSource(stackFile: string): IssueSource {
  return {
    label: stackFile,
    place: "the stack file",
    key: (configKey) => configKey,
    text: (message) => message,
    fix: `Fix each key in ${stackFile} (or with \`pulumi config set --path <key> <value>\`) and run again.`,
  };
}

/** `traffic.green` for `bluegreen:traffic.green`; keys of other namespaces (`aws:region`) stay whole. */
export function argsSource(component: string, name: string): IssueSource {
  const namespaced = new RegExp(`\\b${CONFIG_NAMESPACE}:(?=[A-Za-z])`, "g");
  return {
    label: `${component} "${name}"`,
    place: "the component's Args",
    key: (configKey) => configKey.replace(namespaced, ""),
    text: (message) => message.replace(namespaced, ""),
    fix: `Fix each argument of ${component} "${name}" and run again.`,
  };
}

/** Thrown when settings are invalid; the message lists every issue at once, as the source names them. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(
    /** The stack file, or the component (`AwsBlueGreen "shop"`), whose settings these are. */
    readonly label: string,
    issues: readonly ConfigIssue[],
    source: IssueSource = stackFileSource(label),
  ) {
    const shown = issues.map((i) => ({ key: source.key(i.key), message: source.text(i.message) }));
    super(formatIssues(source, shown));
    this.name = "ConfigError";
    this.issues = shown;
  }
}

function formatIssues(source: IssueSource, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => `  - ${i.key}: ${i.message}`);
  return [
    `${source.label} has ${issues.length} configuration problem${issues.length === 1 ? "" : "s"}; nothing was deployed:`,
    ...lines,
    source.fix,
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
