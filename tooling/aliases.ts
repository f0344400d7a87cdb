/**
 * Resource identity across program versions, computed the way the engine
 * does (pulumi/pkg resource/deploy step_generator.go `generateAliases`): a
 * resource is the same one as before when its URN, or the URN one of its
 * aliases stands for, was in the previous deployment. A child inherits its
 * parent's aliases, so renaming a component type keeps every child's state.
 */

/** An alias as the SDK sends it (pulumirpc.Alias): an old URN, or a spec whose unset fields default to the resource's own. */
export interface AliasSpec {
  readonly urn?: string;
  readonly name?: string;
  readonly type?: string;
  readonly project?: string;
  readonly stack?: string;
  readonly parentUrn?: string;
  readonly noParent?: boolean;
}

/** Plain data from a pulumirpc.Alias message. */
export function aliasSpec(alias: { getUrn(): string; getSpec(): any }): AliasSpec {
  const spec = alias.getSpec();
  if (alias.getUrn()) return { urn: alias.getUrn() };
  if (spec === undefined) return {};
  const parentUrn: string = spec.getParenturn();
  return {
    ...(spec.getName() ? { name: spec.getName() } : {}),
    ...(spec.getType() ? { type: spec.getType() } : {}),
    ...(spec.getProject() ? { project: spec.getProject() } : {}),
    ...(spec.getStack() ? { stack: spec.getStack() } : {}),
    ...(parentUrn ? { parentUrn } : {}),
    ...(spec.getNoparent() ? { noParent: true } : {}),
  };
}

export interface Identified {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string;
  readonly aliases: readonly AliasSpec[];
}

interface UrnParts {
  readonly stack: string;
  readonly project: string;
  /** `parentType$...$type` */
  readonly qualifiedType: string;
  readonly name: string;
}

export function parseUrn(urn: string): UrnParts {
  const match = /^urn:pulumi:([^:]*)::([^:]*)::(.+?)::(.*)$/s.exec(urn);
  if (!match) throw new Error(`not a Pulumi URN: ${urn}`);
  return { stack: match[1], project: match[2], qualifiedType: match[3], name: match[4] };
}

/** The URN of a resource of `type` and `name` under `parentUrn` ("" for none), as the engine builds it. */
export function makeUrn(stack: string, project: string, parentUrn: string, type: string, name: string): string {
  const parentType = parentUrn === "" || parseUrn(parentUrn).qualifiedType === "pulumi:pulumi:Stack" ? "" : `${parseUrn(parentUrn).qualifiedType}$`;
  return `urn:pulumi:${stack}::${project}::${parentType}${type}::${name}`;
}

/**
 * Every URN each resource answers to: its own and its aliases', with the
 * aliases of its parents multiplied out. `resources` in registration order
 * (parents first), as the engine sees them.
 */
export function identityUrns(resources: readonly Identified[]): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  const aliasesOf = new Map<string, string[]>();
  for (const r of resources) {
    const { stack, project } = parseUrn(r.urn);
    const own = r.aliases.map((alias) => {
      if (alias.urn !== undefined) return alias.urn;
      const parent = alias.noParent ? "" : (alias.parentUrn ?? r.parent);
      return makeUrn(alias.stack ?? stack, alias.project ?? project, parent, alias.type ?? r.type, alias.name ?? r.name);
    });
    const inherited = (aliasesOf.get(r.parent) ?? []).flatMap((parentAlias) => [
      makeUrn(stack, project, parentAlias, r.type, r.name),
      ...r.aliases
        .filter((alias) => alias.urn === undefined && !alias.noParent && alias.parentUrn === undefined)
        .map((alias) => makeUrn(stack, project, parentAlias, alias.type ?? r.type, alias.name ?? r.name)),
    ]);
    const aliases = [...new Set([...own, ...inherited])].filter((urn) => urn !== r.urn);
    aliasesOf.set(r.urn, aliases);
    result.set(r.urn, new Set([r.urn, ...aliases]));
  }
  return result;
}
