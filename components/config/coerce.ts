/**
 * Config values as the Pulumi CLI stores them, read as the schema means them.
 * `pulumi config set --path` stores whole numbers without a leading 0 as
 * integers, `true`/`false` as booleans and everything else, decimals
 * included, as strings (`coerce` in sdk/go/common/resource/config/object.go),
 * and top-level values reach the program as text. So a number is accepted as
 * decimal text ("0.02"), text as an integer or a boolean (42, true), and a
 * boolean as "true"/"false". A YAML float where text is wanted is refused:
 * `1.10` reads as 1.1, so two migration ids could collide. Driven by the
 * schema's JSON Schema, so every key of every platform is read the same way.
 * Pure.
 */
import { z } from "zod";
import type { ConfigIssue } from "./issues";

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
};

/** Decimal text as `--path` stores it: digits with an optional sign, fraction and exponent. */
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const jsonSchemas = new WeakMap<z.ZodType, JsonSchema>();

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  let json = jsonSchemas.get(schema);
  if (json === undefined) {
    json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    jsonSchemas.set(schema, json);
  }
  return json;
}

export interface Coerced {
  readonly value: unknown;
  /** Values no reading makes valid, with the fix (e.g. a YAML float where text is wanted). */
  readonly issues: ConfigIssue[];
}

/** Reads `value` as `schema` means it; `keyOf` names a path for messages. */
export function coerceToSchema(value: unknown, schema: z.ZodType, keyOf: (path: readonly string[]) => string): Coerced {
  const issues: ConfigIssue[] = [];
  const walk = (node: unknown, json: JsonSchema, path: string[]): unknown => {
    const branches = json.anyOf ?? json.oneOf;
    if (branches !== undefined) {
      // A union: a value some branch takes as it is stays as it is; else the first branch that can read it.
      const fits = branches.find((branch) => fitsType(typesOf(branch), node));
      return walk(node, fits ?? branches[0], path);
    }
    const types = typesOf(json);
    if (types.length === 0 || fitsType(types, node)) return walkInside(node, json, path);
    if (types.includes("number") || types.includes("integer")) {
      return typeof node === "string" && DECIMAL_TEXT.test(node.trim()) ? Number(node) : node;
    }
    if (types.includes("boolean")) return node === "true" ? true : node === "false" ? false : node;
    if (types.includes("string")) return asText(node, path);
    return node;
  };
  const walkInside = (node: unknown, json: JsonSchema, path: string[]): unknown => {
    if (Array.isArray(node))
      return json.items ? node.map((item, i) => walk(item, json.items!, [...path, String(i)])) : node;
    if (typeof node !== "object" || node === null) return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, item]) => {
        const inner =
          json.properties?.[key] ?? (typeof json.additionalProperties === "object" ? json.additionalProperties : {});
        return [key, walk(item, inner, [...path, key])];
      }),
    );
  };
  const asText = (node: unknown, path: string[]): unknown => {
    if (typeof node === "boolean") return String(node);
    if (typeof node !== "number") return node;
    if (Number.isSafeInteger(node)) return String(node);
    issues.push({
      key: keyOf(path),
      message:
        `is the number ${node}, but text is wanted: YAML reads an unquoted ${node} as a number, so "1.10" would become 1.1 and two values could collide. ` +
        `Quote it in the stack file (e.g. "${node}"), or set it with \`pulumi config set --path\`, which stores it as text`,
    });
    return node;
  };
  return { value: walk(value, jsonSchemaOf(schema), []), issues };
}

function typesOf(json: JsonSchema): string[] {
  if (json.type === undefined) return json.enum ? [...new Set(json.enum.map(typeName))] : [];
  return Array.isArray(json.type) ? json.type : [json.type];
}

/** Whether the value has one of the JSON Schema types (an integer is a number too). */
function fitsType(types: readonly string[], value: unknown): boolean {
  const name = typeName(value);
  return types.includes(name) || (name === "integer" && types.includes("number"));
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}
