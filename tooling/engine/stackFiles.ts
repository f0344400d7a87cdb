/**
 * Reads a stack's configuration from the project's YAML files the way the
 * Pulumi CLI merges it: project defaults from `Pulumi.yaml`, then the stack
 * file `Pulumi.<stack>.yaml`. Values come out as the engine hands them to the
 * program (objects as JSON text). Encrypted (`secure:`) values cannot be read
 * without the stack's secrets provider: they are left out and listed in
 * `secretKeys`, so the offline plan says a secret is set, never its value.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../paths";

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
  const projectFile = path.join(dir, "Pulumi.yaml");
  const project = parse(fs.readFileSync(projectFile, "utf8")) as { name: string; config?: Record<string, unknown> };
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const known = listStacks(dir).join(", ");
    throw new Error(`no stack file Pulumi.${stack}.yaml in ${dir}; known stacks: ${known}`);
  }
  const stackDoc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];

  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    const value = isDeclaration(declaration) ? declaration.default : declaration;
    if (value !== undefined) values[fullKey] = encode(value);
  }
  for (const [key, value] of Object.entries(stackDoc.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    if (isSecure(value)) {
      secretKeys.push(fullKey);
    } else {
      values[fullKey] = encode(value);
    }
  }
  return { stack, file: path.basename(file), project: project.name, values, secretKeys };
}

function isDeclaration(value: unknown): value is { default?: unknown } {
  return (
    typeof value === "object" && value !== null && ("default" in value || "type" in value || "description" in value)
  );
}

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 1 && "secure" in value;
}

function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
