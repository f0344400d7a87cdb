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

const ROOT_STACK = "pulumi:pulumi:Stack";

/** The URN of a resource of `type` and `name` under `parentUrn` ("" for none), as the engine builds it. */
export function makeUrn(stack: string, project: string, parentUrn: string, type: string, name: string): string {
  const parentType = parentUrn === "" ? "" : parseUrn(parentUrn).qualifiedType;
  const prefix = parentType === "" || parentType === ROOT_STACK ? "" : `${parentType}$`;
  return `urn:pulumi:${stack}::${project}::${prefix}${type}::${name}`;
}

/** The type of a URN's resource: the last segment of its qualified type. */
export function urnType(urn: string): string {
  return parseUrn(urn).qualifiedType.split("$").pop()!;
}

/**
 * Which resource of the previous deployment (`previous`: its URNs) each
 * resource is, the way the engine decides it: by its own URN first, then by
 * its aliases; a parent found under an alias makes its children answer to
 * the URNs they had under that parent (with the parent's old name as prefix
 * of theirs). `resources` in registration order (parents first). A resource
 * with no entry is new.
 */
export function previousIdentities(
  resources: readonly Identified[],
  previous: ReadonlySet<string>,
): Map<string, string> {
  const found = new Map<string, string>();
  /** Resource URN → the old URN it was found under, when that was an alias. */
  const aliasOf = new Map<string, string>();
  for (const r of resources) {
    const { stack, project } = parseUrn(r.urn);
    const collapse = (alias: AliasSpec): string => {
      if (alias.urn !== undefined) return alias.urn;
      let parent = alias.parentUrn ?? r.parent;
      if (alias.parentUrn !== undefined) parent = aliasOf.get(parent) ?? parent;
      if (alias.noParent) parent = "";
      return makeUrn(
        alias.stack ?? stack,
        alias.project ?? project,
        parent,
        alias.type ?? r.type,
        alias.name ?? r.name,
      );
    };
    const candidates = [r.urn, ...r.aliases.map(collapse)];
    const parentAlias = aliasOf.get(r.parent);
    if (parentAlias !== undefined) {
      const parentName = parseUrn(r.parent).name;
      const inherited = (type: string, name: string) =>
        makeUrn(
          stack,
          project,
          parentAlias,
          type,
          name.startsWith(parentName) ? parseUrn(parentAlias).name + name.slice(parentName.length) : name,
        );
      candidates.push(
        inherited(r.type, r.name),
        ...r.aliases.map(collapse).map((urn) => inherited(urnType(urn), parseUrn(urn).name)),
      );
    }
    const match = candidates.find((urn) => previous.has(urn));
    if (match === undefined) continue;
    found.set(r.urn, match);
    if (match !== r.urn) aliasOf.set(r.urn, match);
  }
  return found;
}
