/**
 * What config rules may read while some keys are invalid or unknown: the
 * config as far as the schema accepts it, down to the leaves, with each
 * refused key (and each secret the offline reader could not decrypt)
 * throwing UnreadableKey when read, so that a rule reading one is skipped
 * and every other rule runs (config/parse.ts). Pure.
 */
import type { z } from "zod";
import type { ConfigIssue } from "./issues";

/** A rule read a key it cannot judge by: refused by the schema, or an encrypted value the reader could not read. */
export class UnreadableKey extends Error {}

/** A rule's issues; none when it read a key it cannot judge by (that key's own problem is listed, if it has one). */
export function judged(rule: () => ConfigIssue[]): ConfigIssue[] {
  try {
    return rule();
  } catch (error) {
    if (error instanceof UnreadableKey) return [];
    throw error;
  }
}

/**
 * What `read` returns, or undefined when it reads a key that cannot be judged
 * by: for a rule that compares several keys and judges the valid ones among
 * them (a port collision needs no invalid third port).
 */
export function ifReadable<R>(read: () => R): R | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnreadableKey) return undefined;
    throw error;
  }
}

export function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => part === path[i]);
}

type AnySchema = z.ZodType;

/** The parts of a zod schema's definition the view reads. */
interface SchemaDef {
  readonly type: string;
  readonly innerType?: AnySchema;
  readonly shape?: Readonly<Record<string, AnySchema>>;
  readonly element?: AnySchema;
  readonly valueType?: AnySchema;
}

const defOf = (schema: AnySchema) => schema._zod.def as unknown as SchemaDef;

/**
 * The config as far as the schema accepts it: every key that is valid on its
 * own parsed (defaults applied), down to the leaves of a section with an
 * invalid key (`gate.intervalMs` refused leaves `gate.targets` readable), and
 * the paths that may not be read: keys the schema refused (an issue's path),
 * and unreadable secrets, which keep their placeholder as their value.
 */
export function readableView(
  schema: AnySchema,
  values: Record<string, unknown>,
  issues: readonly z.core.$ZodIssue[],
  unknown: readonly (readonly string[])[],
): { config: unknown; blocked: string[][] } {
  const refused = issues.flatMap((issue) =>
    // An unknown key refuses nothing that exists: its neighbours stay readable.
    issue.code === "unrecognized_keys" ? [] : [issue.path.map(String)],
  );
  const blocked: string[][] = [];
  const view = (node: AnySchema, value: unknown, at: string[]): { ok: boolean; value?: unknown } => {
    if (unknown.some((path) => startsWith(at, path))) return { ok: true, value };
    const inside = refused.filter((path) => startsWith(path, at));
    const below = unknown.filter((path) => startsWith(path, at));
    if (inside.some((path) => path.length === at.length)) return { ok: false };
    if (inside.length === 0 && below.length === 0) {
      const result = node.safeParse(value);
      if (result.success) return { ok: true, value: result.data };
      // Refused for an unknown key only (`unrecognized_keys`): its known keys are read one by one below.
    }
    const def = defOf(node);
    if (WRAPPERS.has(def.type) && def.innerType !== undefined) return view(def.innerType, value, at);
    const children = childSchemas(def, value);
    if (children === undefined) return { ok: false };
    const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
    for (const [key, child] of children) {
      const item = view(child, (value as Record<string, unknown>)[key], [...at, key]);
      if (!item.ok) blocked.push([...at, key]);
      // An invalid key stays listed (its value undefined), so that iterating the object reads it too.
      if (item.ok ? item.value !== undefined : Object.hasOwn(value as object, key)) {
        (out as Record<string, unknown>)[key] = item.ok ? item.value : undefined;
      }
    }
    return { ok: true, value: out };
  };
  const config = view(schema, values, []);
  return { config: config.value ?? {}, blocked };
}

/** Schema types that only wrap another (`.optional()`, `.default()`...): a value is read through them. */
const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "nonoptional", "catch"]);

/** The schema of each key of an object, each item of a list and each value of a record; undefined for anything else. */
function childSchemas(def: SchemaDef, value: unknown): [string, AnySchema][] | undefined {
  if (def.type === "object" && def.shape !== undefined && isRecord(value)) return Object.entries(def.shape);
  if (def.type === "array" && def.element !== undefined && Array.isArray(value)) {
    return value.map((_, index) => [String(index), def.element!]);
  }
  if (def.type === "record" && def.valueType !== undefined && isRecord(value)) {
    return Object.keys(value).map((key) => [key, def.valueType!]);
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `value` for rules: reading a blocked path (in any way: a property, `in`,
 * iterating the object) throws UnreadableKey, so that a rule reading it is
 * skipped while every other rule runs.
 */
export function guard<T>(value: T, blocked: readonly (readonly string[])[]): T {
  if (blocked.length === 0 || typeof value !== "object" || value === null) return value;
  const here = new Set(blocked.filter((path) => path.length === 1).map((path) => path[0]));
  const deeper = new Map<string, string[][]>();
  for (const [head, ...rest] of blocked.filter((path) => path.length > 1)) {
    deeper.set(head, [...(deeper.get(head) ?? []), rest]);
  }
  const guarded = new Map<string, unknown>();
  const refuse = (key: string | symbol) => {
    if (typeof key === "string" && here.has(key)) throw new UnreadableKey(key);
  };
  return new Proxy(value as object, {
    get(target, key, receiver) {
      refuse(key);
      const item: unknown = Reflect.get(target, key, receiver);
      const inner = typeof key === "string" ? deeper.get(key) : undefined;
      if (inner === undefined) return item;
      if (!guarded.has(key as string)) guarded.set(key as string, guard(item, inner));
      return guarded.get(key as string);
    },
    has(target, key) {
      refuse(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      refuse(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  }) as T;
}
