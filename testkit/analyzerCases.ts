/**
 * Test-only helpers for the policy tests: change captured registrations the
 * way a faulty program would register them, build registrations by hand for
 * platforms without a stack file, and read violations compactly.
 */
import { COMPONENT_TYPES } from "../components/contracts/resourceTypes";
import { ProgramRun, RegisteredResource, runProgram } from "../tooling/engine/offlineProgram";
import type { PolicyViolation } from "../tooling/policy/protocol";
import { readStackConfig } from "../tooling/engine/stackFiles";

type Writable<T> = { -readonly [K in keyof T]: T[K] };
/** A registration whose fields and (deep) inputs a case may change. */
export type EditableResource = Writable<RegisteredResource> & { inputs: Record<string, any> };

/** A deep copy of `resources` with the one named `name` changed by `change`. */
export function mutate(
  resources: readonly RegisteredResource[],
  name: string,
  change: (resource: EditableResource) => void,
): RegisteredResource[] {
  const copy = structuredClone(resources) as EditableResource[];
  const found = copy.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
  change(found[0]);
  return copy;
}

/** `resources` as if nothing waited for `name`: its URN removed from every dependency list. */
export function withoutDependencyOn(
  resources: readonly RegisteredResource[],
  name: string,
  only?: string,
): RegisteredResource[] {
  const urn = resources.find((r) => r.name === name)?.urn;
  if (urn === undefined) throw new Error(`no resource named ${name}`);
  return resources.map((r) =>
    only !== undefined && r.name !== only
      ? r
      : {
          ...r,
          dependencies: r.dependencies.filter((d) => d !== urn),
          propertyDependencies: Object.fromEntries(
            Object.entries(r.propertyDependencies).map(([k, urns]) => [k, urns.filter((d) => d !== urn)]),
          ),
        },
  );
}

/**
 * `resources` with the one named `name` registered at the top of the stack,
 * as a component that forgot `parent: this` registers it: its URN loses the
 * parent types, references through properties follow the new URN, and a
 * wait by `dependsOn` alone is dropped (a `dependsOn` on the component no
 * longer reaches a resource that is not its child; a direct one would, so
 * dropping it only makes the case harder for the pack).
 */
export function reparented(resources: readonly RegisteredResource[], name: string): RegisteredResource[] {
  const target = resources.find((r) => r.name === name);
  if (target === undefined) throw new Error(`no resource named ${name}`);
  const [prefix, project, qualifiedType, ...rest] = target.urn.split("::");
  const urn = [prefix, project, qualifiedType.split("$").pop(), ...rest].join("::");
  const follow = (u: string) => (u === target.urn ? urn : u);
  return resources.map((r) => {
    const throughProperties = Object.values(r.propertyDependencies).flat();
    return {
      ...r,
      ...(r === target ? { urn, parent: "" } : { parent: follow(r.parent) }),
      dependencies: r.dependencies.filter((u) => u !== target.urn || throughProperties.includes(u)).map(follow),
      propertyDependencies: Object.fromEntries(
        Object.entries(r.propertyDependencies).map(([key, urns]) => [key, urns.map(follow)]),
      ),
    };
  });
}

/** Runs a shipped stack with one config key changed: `patch` is merged over the stack file's object (undefined removes a field). */
export function runWith(stack: string, key: string, patch: Record<string, unknown>): Promise<ProgramRun> {
  const current = readStackConfig(stack).values[key];
  const base = current === undefined ? {} : JSON.parse(current);
  return runProgram(stack, { overrides: { [key]: { ...base, ...patch } } });
}

/** A violation as [policy, level, resource name, message]: one line per expected violation. */
export type Seen = [
  policyName: string,
  enforcementLevel: PolicyViolation["enforcementLevel"],
  resourceName: string | undefined,
  message: string,
];

/** Violations as `Seen` lines, sorted by resource name, then policy (registration order is not part of the contract; a policy's own order is kept). */
export function seen(violations: readonly PolicyViolation[]): Seen[] {
  const lines = violations.map((v): Seen => [v.policyName, v.enforcementLevel, v.urn?.split("::").pop(), v.message]);
  const key = (line: Seen) => `${line[2]}\u0000${line[0]}`;
  return lines.sort((a, b) => key(a).localeCompare(key(b)));
}

export interface HandMadeOptions {
  readonly dependsOn?: readonly RegisteredResource[];
  readonly protect?: boolean;
  /** Registered by the user's program at its top level, not inside the app's component (the pack does not judge it). @default false */
  readonly usersOwn?: boolean;
}

/** A registration as the engine would see it from a program on a platform that has no stack file yet. */
export function handMade(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  options: HandMadeOptions = {},
): RegisteredResource {
  // Inside the app's component, as a platform registers it: its URN carries the component's type.
  const parent = options.usersOwn ? "" : `urn:pulumi:dev::bluegreen::${COMPONENT_TYPES.app}::api`;
  return {
    urn: `urn:pulumi:dev::bluegreen::${options.usersOwn ? "" : `${COMPONENT_TYPES.app}$`}${type}::${name}`,
    type,
    name,
    custom: true,
    parent,
    inputs,
    dependencies: (options.dependsOn ?? []).map((r) => r.urn),
    propertyDependencies: {},
    protect: options.protect ?? false,
    retainOnDelete: false,
    deleteBeforeReplace: false,
    ignoreChanges: [],
    additionalSecretOutputs: [],
    aliases: [],
  };
}
