/**
 * Reads a stack's configuration from the project's YAML files the way the
 * Pulumi CLI merges it: project defaults from `Pulumi.yaml`, then the stack
 * file `Pulumi.<stack>.yaml`, each read as the CLI reads YAML (stackYaml.ts:
 * merge keys, anchors, yaml.v3's scalars; a hostile file refused). Values
 * come out as the engine hands them to the program: objects as JSON text
 * (Go's encoding: keys sorted), a top-level null as "". Encrypted (`secure:`)
 * values cannot be read without the stack's secrets provider: a top-level
 * one is left out, a nested one (`pulumi config set --secret --path`) reads
 * as SECRET_PLACEHOLDER with its path in `unreadableSecrets`, and either key
 * is listed in `secretKeys`, so the offline plan says a secret is set and
 * validates it as present, never as its placeholder, and never shows it.
 * A file the CLI would refuse is a UsageError naming the file, line and column.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SECRET_PLACEHOLDER } from "../../components/config/secrets";
import { UsageError } from "../cli/command";
import { PROJECT_DIR } from "../paths";
import { CliDocument, CliMapping, CliValue, describeCliValue, readCliYaml } from "./stackYaml";

export { SECRET_PLACEHOLDER };

export interface StackConfig {
  readonly stack: string;
  readonly file: string;
  readonly project: string;
  /** Full key (`bluegreen:traffic`) → value as the engine passes it. */
  readonly values: Record<string, string>;
  /** Keys whose values are encrypted in the stack file, in whole (not in `values`) or in part. */
  readonly secretKeys: string[];
  /**
   * Where a nested encrypted value sits: the full key, then the path inside
   * its value (`["bluegreen:notify", "webhooks", "0", "url"]`). It reads as
   * SECRET_PLACEHOLDER; config validation takes it as present, value unknown.
   */
  readonly unreadableSecrets: string[][];
}

export function listStacks(dir = PROJECT_DIR): string[] {
  return fs
    .readdirSync(dir)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

export function readStackConfig(stack: string, dir = PROJECT_DIR): StackConfig {
  const projectFile = readYamlFile(path.join(dir, "Pulumi.yaml"));
  const project = projectFile.root as { name: string; config?: Record<string, unknown> };
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const known = listStacks(dir).join(", ");
    throw new UsageError(`no stack file Pulumi.${stack}.yaml in ${dir}; known stacks: ${known}`);
  }
  const stackFile = readYamlFile(file);
  const config = configOf(stackFile, path.basename(file));
  if (Object.keys(config).length === 0) {
    throw new UsageError(
      `Pulumi.${stack}.yaml sets no configuration (the file is empty, or has no \`config:\` mapping): a stack needs at least ` +
        "bluegreen:app, bluegreen:blue, bluegreen:green and bluegreen:traffic. Start from a shipped stack file, e.g. Pulumi.local.yaml.",
    );
  }
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  const unreadableSecrets: string[][] = [];

  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    const value = isDeclaration(declaration) ? declaration.default : declaration;
    if (value !== undefined) values[fullKey] = encodeConfigValue(value);
  }
  const written = new Map<string, string>();
  for (const [key, value] of Object.entries(config)) {
    // The CLI names a key without a namespace after the project (`traffic` is `bluegreen:traffic`).
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    const other = written.get(fullKey);
    if (other !== undefined) {
      throw new UsageError(
        `${stackFile.at(config, key) ?? path.basename(file)}: \`${key}\` and \`${other}\` (${stackFile.at(config, other)}) both set ${fullKey} ` +
          `(a key without a namespace is the project's): the Pulumi CLI would keep one of them at random. Keep one; nothing was deployed.`,
      );
    }
    written.set(fullKey, key);
    if (isSecure(value)) {
      secretKeys.push(fullKey);
      continue;
    }
    const { redacted, paths } = redactSecure(value);
    if (paths.length > 0) {
      secretKeys.push(fullKey);
      unreadableSecrets.push(...paths.map((inner) => [fullKey, ...inner]));
    }
    values[fullKey] = encodeConfigValue(redacted);
  }
  return { stack, file: path.basename(file), project: project.name, values, secretKeys, unreadableSecrets };
}

/** A YAML file read as the CLI reads it; an empty file is an empty mapping, a file that is not a mapping is refused. */
function readYamlFile(file: string): CliDocument {
  return readCliYaml(fs.readFileSync(file, "utf8"), path.basename(file));
}

/** The file's `config` mapping, whose keys the CLI needs as text. */
function configOf(doc: CliDocument, name: string): CliMapping {
  const config = doc.root.config;
  if (config === undefined || config === null) return {};
  if (!isPlainObject(config)) {
    throw new UsageError(
      `${doc.at(doc.root, "config", "value") ?? name}: \`config\` must be a mapping of keys to values (e.g. \`bluegreen:traffic:\`); it is a ${describeCliValue(config)}.`,
    );
  }
  if (doc.hasNonTextKey(config)) {
    throw new UsageError(
      `${doc.at(config) ?? name}: \`config\` has a key that is not text (a number, a boolean, null...); the Pulumi CLI refuses it. ` +
        "Every key is a setting's name, e.g. bluegreen:traffic; nothing was deployed.",
    );
  }
  return config;
}

function isPlainObject(value: unknown): value is Record<string, CliValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value with every nested `secure:` value replaced by SECRET_PLACEHOLDER, and the path of each. */
function redactSecure(value: CliValue, at: string[] = []): { redacted: CliValue; paths: string[][] } {
  if (isSecure(value)) return { redacted: SECRET_PLACEHOLDER, paths: [at] };
  if (Array.isArray(value)) {
    const items = value.map((item, index) => redactSecure(item, [...at, String(index)]));
    return { redacted: items.map((item) => item.redacted), paths: items.flatMap((item) => item.paths) };
  }
  if (!isPlainObject(value)) return { redacted: value, paths: [] };
  const entries = Object.entries(value).map(([key, item]) => [key, redactSecure(item, [...at, key])] as const);
  return {
    redacted: Object.fromEntries(entries.map(([key, item]) => [key, item.redacted])),
    paths: entries.flatMap(([, item]) => item.paths),
  };
}

function isDeclaration(value: unknown): value is { default?: unknown } {
  return (
    typeof value === "object" && value !== null && ("default" in value || "type" in value || "description" in value)
  );
}

/** The CLI's encrypted value: a mapping whose one key is `secure`, with text. */
function isSecure(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string";
}

/**
 * A config value as the engine hands it to the program: text as is, a
 * top-level null as "" (the CLI warns and reads it so), anything else as the
 * CLI's JSON text (Go's encoding/json: object keys sorted, `<`, `>` and `&`
 * escaped, a whole number that does not fit a double written exactly).
 */
export function encodeConfigValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  return goJson(value, true);
}

function goJson(value: unknown, topLevel: boolean): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") {
    // The CLI re-reads a nested object's numbers with json.Number: one beyond int64 becomes a float64.
    return topLevel || value <= 2n ** 63n - 1n ? value.toString() : JSON.stringify(Number(value));
  }
  // JSON.stringify(-0) is "0", as the CLI makes it: its numbers go through JSON once more.
  if (typeof value === "number") return JSON.stringify(value);
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[<>&\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => goJson(item, false)).join(",")}]`;
  // A key whose value is undefined is absent, as JSON.stringify has it (an override that removes a field).
  const keys = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((key) => `${goJson(key, false)}:${goJson((value as Record<string, unknown>)[key], false)}`).join(",")}}`;
}
