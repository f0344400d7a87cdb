/**
 * What the rule families share: the resource types the program registers,
 * how a policy reads its config (the schema's defaults under what the engine
 * passed), and the dependency walk that stack policies use to prove an
 * ordering such as "the listener waits for the gate".
 */
import { type PolicyConfigSchema, UnknownValueError } from "@pulumi/policy";
import { COLORS, Color } from "./contracts/colors";
import { CLOUD_TYPES, DYNAMIC_TYPES } from "./contracts/resourceTypes";

/** Resource types the rules read: the cloud's, and the program's own dynamic resources. */
export const TYPES = {
  ...CLOUD_TYPES,
  promotionGate: DYNAMIC_TYPES.promotionGateCheck.token,
  ecsMigration: DYNAMIC_TYPES.ecsMigration.token,
  oneShotCommand: DYNAMIC_TYPES.oneShotCommand.token,
  haproxyWeights: DYNAMIC_TYPES.haproxyWeights.token,
  releaseGuard: DYNAMIC_TYPES.releaseGuard.token,
} as const;

/**
 * The config a policy runs with. The engine fills in the schema's defaults
 * before it calls Configure; merging them here as well keeps a policy correct
 * under any runner that passes only what the user set.
 */
export function configOf<T>(schema: PolicyConfigSchema, given: object): T {
  const defaults = Object.entries(schema.properties).flatMap(([key, property]) =>
    property.default === undefined ? [] : [[key, property.default] as const],
  );
  return { ...Object.fromEntries(defaults), ...given } as T;
}

/** The part of a policy resource (or a test double) the dependency walk reads. */
export interface DependencyNode<T> {
  readonly dependencies: readonly T[];
  readonly propertyDependencies: Readonly<Record<string, readonly T[]>>;
}

/** Everything `resource` waits for, directly or through other resources. */
export function dependencyClosure<T extends DependencyNode<T>>(resource: T): Set<T> {
  const seen = new Set<T>();
  const queue = direct(resource);
  while (queue.length > 0) {
    const next = queue.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...direct(next));
  }
  return seen;
}

function direct<T extends DependencyNode<T>>(resource: T): T[] {
  return [...resource.dependencies, ...Object.values(resource.propertyDependencies).flat()];
}

/** A color named by a tag/label value, or as a word of a name ("api-green", "api_blue_svc"). */
export function colorIn(text: unknown): Color | undefined {
  if (typeof text !== "string") return undefined;
  const words = text.toLowerCase().split(/[^a-z0-9]+/);
  return COLORS.find((color) => words.includes(color));
}

/** A value as it reads in a message: strings quoted, absent values named. */
export function shown(value: unknown): string {
  return value === undefined ? "not set" : JSON.stringify(value);
}

/** Reads a value that may be unknown at preview; undefined (never a throw) when it is. */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnknownValueError) return undefined;
    throw error;
  }
}
