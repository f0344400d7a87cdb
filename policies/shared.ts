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

/**
 * What a rule could not judge at preview: thrown after it judged everything
 * known, so the policy SDK reports it as an advisory "can't run ... during
 * preview: <message>" and keeps the violations already reported mandatory.
 */
export class JudgedAtUpdate extends Error {
  constructor(what: readonly string[], when: string) {
    const them = what.length === 1 ? "it" : "them";
    super(
      `${what.join("; ")}: unknown until \`pulumi up\` creates what ${them === "it" ? "it depends" : "they depend"} on, so this rule judges ${them} then (${when})`,
    );
  }
}
// The SDK recognises "not known at preview" by this prototype; its own constructor only builds a value-path message.
Object.setPrototypeOf(JudgedAtUpdate.prototype, UnknownValueError.prototype);

/** When a resource policy runs at update: before the resource is created or changed, so it can refuse it. */
export const BEFORE_THE_RESOURCE = "before the resource is created or changed, which a violation then refuses";
/** When a stack policy runs at update: after the whole update (the engine's AnalyzeStack). */
export const AFTER_THE_UPDATE =
  "after the update's changes are made: a violation then fails the update and its message says what to undo";

/** Defers `what` to the update at once: nothing more of the resource can be judged before it is known. */
export function judgeAtUpdate(what: string, when: string): never {
  throw new JudgedAtUpdate([what], when);
}

/**
 * What a stack rule's message adds for the update: it runs after the update's changes, so if it fails
 * `pulumi up` after its preview passed (a value unknown at preview), `done` says what already happened and `undo`
 * how to take it back.
 */
export function afterUpdate(done: string, undo: string): string {
  return `Stack policies run after an update's changes: if this fails \`pulumi up\` after its preview passed (a value unknown at preview), ${done}: ${undo}.`;
}

/** Collects what a rule defers to the update; `settle()` last. */
export class Deferrals {
  private readonly items: string[] = [];
  constructor(private readonly when: string) {}
  add(what: string): void {
    if (!this.items.includes(what)) this.items.push(what);
  }
  /** Throws JudgedAtUpdate when something was deferred. */
  settle(): void {
    if (this.items.length > 0) throw new JudgedAtUpdate(this.items, this.when);
  }
}

/** A value read from a resource: known, or unknown until the update. */
export type Reading<T> = { readonly known: true; readonly value: T } | { readonly known: false };

/** Reads a value that may be unknown at preview, saying which it is (never a throw). */
export function reading<T>(read: () => T): Reading<T> {
  try {
    return { known: true, value: read() };
  } catch (error) {
    if (error instanceof UnknownValueError) return { known: false };
    throw error;
  }
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
