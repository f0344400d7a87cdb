/**
 * Reads a stack's configuration from the project's YAML files the way the
 * Pulumi CLI merges it: project defaults from `Pulumi.yaml`, then the stack
 * file `Pulumi.<stack>.yaml`. Values come out as the engine hands them to the
 * program (objects as JSON text). Encrypted (`secure:`) values cannot be read
 * without the stack's secrets provider: a top-level one is left out, a nested
 * one (`pulumi config set --secret --path`) reads as SECRET_PLACEHOLDER, and
 * either key is listed in `secretKeys`, so the offline plan says a secret is
 * set, never its value. A file that is not YAML, or whose `config` is not a
 * mapping, is a UsageError naming the file, line and column.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, LineCounter, parseDocument } from "yaml";
import { UsageError } from "../cli/command";
import { PROJECT_DIR } from "../paths";

/** What an encrypted value nested in a config object reads as offline: valid wherever text is. */
export const SECRET_PLACEHOLDER = "[secret]";

export interface StackConfig {
  readonly stack: string;
  readonly file: string;
  readonly project: string;
  /** Full key (`bluegreen:traffic`) → value as the engine passes it. */
  readonly values: Record<string, string>;
  /** Keys whose values are encrypted in the stack file (not in `values`). */
  readonly secretKeys: string[];
}

export function listStacks(dir = PROJECT_DIR): string[] {
  return fs
    .readdirSync(dir)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

export function readStackConfig(stack: string, dir = PROJECT_DIR): StackConfig {
  const project = readYamlFile(path.join(dir, "Pulumi.yaml")) as { name: string; config?: Record<string, unknown> };
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const known = listStacks(dir).join(", ");
    throw new UsageError(`no stack file Pulumi.${stack}.yaml in ${dir}; known stacks: ${known}`);
  }
  const stackDoc = readYamlFile(file) as { config?: Record<string, unknown> };
  if (Object.keys(stackDoc.config ?? {}).length === 0) {
    throw new UsageError(
      `Pulumi.${stack}.yaml sets no configuration (the file is empty, or has no \`config:\` mapping): a stack needs at least ` +
        "bluegreen:app, bluegreen:blue, bluegreen:green and bluegreen:traffic. Start from a shipped stack file, e.g. Pulumi.local.yaml.",
    );
  }
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];

  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    const value = isDeclaration(declaration) ? declaration.default : declaration;
    if (value !== undefined) values[fullKey] = encodeConfigValue(value);
  }
  for (const [key, value] of Object.entries(stackDoc.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    if (isSecure(value)) {
      secretKeys.push(fullKey);
      continue;
    }
    const { redacted, secret } = redactSecure(value);
    if (secret) secretKeys.push(fullKey);
    values[fullKey] = encodeConfigValue(redacted);
  }
  return { stack, file: path.basename(file), project: project.name, values, secretKeys };
}

/**
 * A YAML file as a mapping: a syntax error names the file, line and column;
 * an empty file is an empty mapping; a file or `config` that is not a mapping is refused.
 */
function readYamlFile(file: string): Record<string, unknown> {
  const name = path.basename(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(fs.readFileSync(file, "utf8"), { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [error] = doc.errors;
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const reason = error.message.split("\n")[0].replace(/ at line \d+, column \d+.*$/, "");
    throw new UsageError(
      `${name}:${line}:${col}: not valid YAML: ${reason}. Fix the file and run again; nothing was deployed.`,
    );
  }
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) {
    throw new UsageError(
      `${name}: must be a YAML mapping (e.g. \`config:\` with one key per setting); it is a ${describeNode(doc.toJS())}.`,
    );
  }
  const content = doc.toJS() as Record<string, unknown>;
  if (content.config !== undefined && content.config !== null && !isPlainObject(content.config)) {
    const { line, col } = lineCounter.linePos(
      (doc.get("config", true) as { range?: number[] } | undefined)?.range?.[0] ?? 0,
    );
    throw new UsageError(
      `${name}:${line}:${col}: \`config\` must be a mapping of keys to values (e.g. \`bluegreen:traffic:\`); it is a ${describeNode(content.config)}.`,
    );
  }
  return content;
}

function describeNode(value: unknown): string {
  return Array.isArray(value)
    ? "list"
    : value === null
      ? "null"
      : typeof value === "object"
        ? "mapping"
        : `${typeof value} (${JSON.stringify(value)})`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value with every nested `secure:` value replaced by SECRET_PLACEHOLDER, and whether there was one. */
function redactSecure(value: unknown): { redacted: unknown; secret: boolean } {
  if (isSecure(value)) return { redacted: SECRET_PLACEHOLDER, secret: true };
  if (Array.isArray(value)) {
    const items = value.map(redactSecure);
    return { redacted: items.map((item) => item.redacted), secret: items.some((item) => item.secret) };
  }
  if (!isPlainObject(value)) return { redacted: value, secret: false };
  const entries = Object.entries(value).map(([key, item]) => [key, redactSecure(item)] as const);
  return {
    redacted: Object.fromEntries(entries.map(([key, item]) => [key, item.redacted])),
    secret: entries.some(([, item]) => item.secret),
  };
}

function isDeclaration(value: unknown): value is { default?: unknown } {
  return (
    typeof value === "object" && value !== null && ("default" in value || "type" in value || "description" in value)
  );
}

function isSecure(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string";
}

/** A config value as the engine hands it to the program: text as is, anything else as JSON text. */
export function encodeConfigValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
