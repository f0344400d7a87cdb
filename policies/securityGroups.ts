/**
 * One reader of a security group's effective rules, for every rule of the
 * pack that reads them. AWS expresses a rule in three ways, and a group's
 * rules are the union of all three wherever they are registered:
 *
 * - inline, in the group's own `ingress` / `egress` lists (`protocol`,
 *   `fromPort`, `toPort`, `cidrBlocks`, `ipv6CidrBlocks`, `prefixListIds`,
 *   `securityGroups`; `self` admits the group itself, which is no one new);
 * - `aws.ec2.SecurityGroupRule` (`type` ingress or egress, the same fields
 *   with `sourceSecurityGroupId`);
 * - `aws.vpc.SecurityGroupIngressRule` / `SecurityGroupEgressRule` (one
 *   source each: `cidrIpv4`, `cidrIpv6`, `prefixListId` or
 *   `referencedSecurityGroupId`; `ipProtocol`).
 *
 * A separate rule belongs to the group its `securityGroupId` names, by
 * reference or by the group's id. Protocols are read as AWS reads them
 * (`-1` or `all`, names or numbers in any case). A peer group is resolved to
 * the stack's group by reference or id; an `sg-` id that resolves to none is
 * a foreign group, and a prefix list is a set of ranges the pack cannot see:
 * rules that must know who is admitted treat both as unknown, never as safe.
 * What is unknown at preview is said, so the rules can judge it at update.
 */
import type { PolicyResource } from "@pulumi/policy";
import { TYPES, reading } from "./shared";

export type Direction = "ingress" | "egress";

/** A group or a rule resource, in a stack policy or alone in a resource policy. */
export interface RuleHolder {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, any>;
}

export interface EffectiveRule {
  readonly direction: Direction;
  /** "all", "tcp", "udp", "icmp"... (numbers mapped to names); undefined when unknown at preview. */
  readonly protocol: string | undefined;
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
  readonly cidrs: readonly string[]; // IPv4 and IPv6
  readonly prefixLists: readonly string[];
  /** Peer groups of the stack (by reference or id). */
  readonly groups: readonly PolicyResource[];
  /** `sg-` ids that are no group of the stack. */
  readonly foreignGroups: readonly string[];
  /** Parts unknown at preview, named for messages (peer groups apart). */
  readonly unknown: readonly string[];
  /** Some peer group ids are unknown at preview and no reference of the rule says which group they are. */
  readonly peersUnknown: boolean;
  /** The group (inline rule) or the rule resource that holds it. */
  readonly holder: RuleHolder;
  /** What the rule is, for messages. */
  readonly shown: string;
}

const PROTOCOL_NUMBERS: Record<string, string> = { "-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6" };

function protocolName(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim().toLowerCase();
  return PROTOCOL_NUMBERS[text] ?? text;
}

function port(value: unknown): number | undefined {
  const number = Number(value);
  return value === undefined || value === null || !Number.isFinite(number) ? undefined : number;
}

/** The stack's group with this id (its `id` output), when the engine sent one. */
function groupWithId(id: string, stack: readonly PolicyResource[]): PolicyResource | undefined {
  return stack.find((r) => r.type === TYPES.securityGroup && reading(() => r.props.id).known && r.props.id === id);
}

/**
 * The peer groups a rule's ids name: a group of the stack with that id (its `id` output), else one the rule
 * references through the property (the engine may not send ids: offline, or before creation); ids beyond the
 * references are foreign. An unknown id is any of the references.
 */
function peerGroups(
  ids: readonly string[],
  idsUnknown: boolean,
  references: readonly PolicyResource[],
  stack: readonly PolicyResource[],
): { groups: PolicyResource[]; foreignGroups: string[] } {
  const byId = ids.map((id) => ({ id, group: groupWithId(id, stack) }));
  const matched = byId.flatMap(({ group }) => (group ? [group] : []));
  const unmatchedIds = byId.filter(({ group }) => group === undefined).map(({ id }) => id);
  const unmatchedRefs = references.filter((r) => !matched.includes(r));
  const groups = new Set([...matched, ...(idsUnknown || unmatchedIds.length > 0 ? unmatchedRefs : [])]);
  return { groups: [...groups], foreignGroups: unmatchedIds.slice(unmatchedRefs.length) };
}

/** A value read for a rule: unknown parts are named in `unknown`. */
function read<T>(unknown: string[], what: string, get: () => T): T | undefined {
  const value = reading(get);
  if (!value.known) {
    unknown.push(what);
    return undefined;
  }
  return value.value;
}

/** The items of a list, each read on its own: a list may hold unknown items beside known ones. */
function list(unknown: string[], what: string, get: () => unknown): unknown[] {
  const whole = read(unknown, what, get);
  if (!Array.isArray(whole)) return whole === undefined || whole === null ? [] : [whole];
  // Indexes only: the SDK's proxy throws on reading an unknown item, which `read` turns into a named unknown.
  return Array.from({ length: whole.length }, (_, i) => read(unknown, what, () => (get() as unknown[])[i])).filter(
    (v) => v !== undefined,
  );
}

/** The fields each shape spells a rule with (a list field or a single one: `list` reads both). */
interface RuleFields {
  readonly protocol: string;
  readonly cidrs: readonly string[];
  readonly prefixLists: readonly string[];
  readonly groupFields: readonly string[];
}

const INLINE: RuleFields = {
  protocol: "protocol",
  cidrs: ["cidrBlocks", "ipv6CidrBlocks"],
  prefixLists: ["prefixListIds"],
  groupFields: ["securityGroups"],
};
const CLASSIC: RuleFields = { ...INLINE, groupFields: ["sourceSecurityGroupId"] };
const VPC: RuleFields = {
  protocol: "ipProtocol",
  cidrs: ["cidrIpv4", "cidrIpv6"],
  prefixLists: ["prefixListId"],
  groupFields: ["referencedSecurityGroupId"],
};

/**
 * One rule, read from `get()` (the inline item or the rule resource's props). `references` are the groups the
 * holder's property dependencies name for the peer fields: an unknown id is one of them.
 */
function readRule(
  direction: Direction,
  get: () => Record<string, any>,
  fields: RuleFields,
  holder: RuleHolder,
  references: readonly PolicyResource[],
  stack: readonly PolicyResource[],
  shown: string,
): EffectiveRule {
  const unknown: string[] = [];
  const field = (name: string) => () => get()[name];
  const cidrs = fields.cidrs
    .flatMap((name) => list(unknown, `${shown} ${name}`, field(name)))
    .filter((c): c is string => typeof c === "string");
  const prefixLists = fields.prefixLists
    .flatMap((name) => list(unknown, `${shown} ${name}`, field(name)))
    .filter((p): p is string => typeof p === "string");
  // A peer id unknown at preview is one of the groups the property references: unknown only without one.
  const idUnknowns: string[] = [];
  const ids = fields.groupFields.flatMap((name) => list(idUnknowns, `${shown} ${name}`, field(name)));
  const idsUnknown = idUnknowns.length > 0;
  const { groups, foreignGroups } = peerGroups(
    ids.filter((v): v is string => typeof v === "string"),
    idsUnknown,
    references,
    stack,
  );
  return {
    direction,
    protocol: protocolName(read(unknown, `${shown} ${fields.protocol}`, field(fields.protocol))),
    fromPort: port(read(unknown, `${shown} fromPort`, field("fromPort"))),
    toPort: port(read(unknown, `${shown} toPort`, field("toPort"))),
    cidrs,
    prefixLists,
    groups,
    foreignGroups,
    unknown,
    peersUnknown: idsUnknown && references.length === 0,
    holder,
    shown,
  };
}

/** The fields a rule resource spells its rule with; undefined for anything else. */
function fieldsOf(type: string): RuleFields | undefined {
  if (type === TYPES.securityGroupRule) return CLASSIC;
  if (type === TYPES.securityGroupIngressRule || type === TYPES.securityGroupEgressRule) return VPC;
  return undefined;
}

/** The direction of a rule resource; undefined for anything else (or a classic rule whose type is unknown). */
export function ruleDirection(holder: RuleHolder): Direction | undefined {
  if (holder.type === TYPES.securityGroupIngressRule) return "ingress";
  if (holder.type === TYPES.securityGroupEgressRule) return "egress";
  const type = reading(() => holder.props.type);
  return holder.type === TYPES.securityGroupRule && type.known && (type.value === "ingress" || type.value === "egress")
    ? type.value
    : undefined;
}

/**
 * The rules a resource holds itself, alone (a resource policy sees no other resource): a group's inline rules in
 * `direction`, or a rule resource of that direction. Peers are known only by id.
 */
export function heldRules(holder: RuleHolder, direction: Direction): EffectiveRule[] {
  if (holder.type === TYPES.securityGroup) return inlineRules(holder, direction, [], []);
  const fields = fieldsOf(holder.type);
  if (fields === undefined || ruleDirection(holder) !== direction) return [];
  return [
    readRule(direction, () => holder.props, fields, holder, [], [], `${holder.type.split(":").pop()} ${holder.name}`),
  ];
}

function inlineRules(
  group: RuleHolder,
  direction: Direction,
  references: readonly PolicyResource[],
  stack: readonly PolicyResource[],
): EffectiveRule[] {
  const inline = reading(() => group.props[direction]);
  if (!inline.known) {
    // The whole list is unknown at preview: whom it admits is judged at update.
    const shown = `the ${direction} rules of security group ${group.name}`;
    const nothing = { protocol: undefined, fromPort: undefined, toPort: undefined, cidrs: [], prefixLists: [] };
    return [
      {
        direction,
        ...nothing,
        groups: references,
        foreignGroups: [],
        unknown: [shown],
        peersUnknown: false,
        holder: group,
        shown,
      },
    ];
  }
  return Array.from({ length: Array.isArray(inline.value) ? inline.value.length : 0 }, (_, i) =>
    readRule(
      direction,
      () => group.props[direction][i] ?? {},
      INLINE,
      group,
      references,
      stack,
      `${direction} rule ${i} of security group ${group.name}`,
    ),
  );
}

/** The rule resources of the stack that apply to `group` in `direction`. */
function separateRules(
  group: PolicyResource,
  direction: Direction,
  stack: readonly PolicyResource[],
): PolicyResource[] {
  const groupId = reading(() => group.props.id);
  return stack.filter((r) => {
    if (ruleDirection(r) !== direction) return false;
    if ((r.propertyDependencies.securityGroupId ?? []).includes(group)) return true;
    const target = reading(() => r.props.securityGroupId);
    return groupId.known && target.known && target.value === groupId.value;
  });
}

/** Every rule that applies to `group` in `direction`: inline ones and rule resources, wherever registered. */
export function effectiveRules(
  group: PolicyResource,
  direction: Direction,
  stack: readonly PolicyResource[],
): EffectiveRule[] {
  const inlineRefs = (group.propertyDependencies[direction] ?? []).filter((r) => r.type === TYPES.securityGroup);
  const separate = separateRules(group, direction, stack).map((rule) => {
    const fields = fieldsOf(rule.type)!;
    const refs = fields.groupFields
      .flatMap((name) => rule.propertyDependencies[name] ?? [])
      .filter((r) => r.type === TYPES.securityGroup);
    return readRule(
      direction,
      () => rule.props,
      fields,
      rule,
      refs,
      stack,
      `${rule.type.split(":").pop()} ${rule.name}`,
    );
  });
  return [...inlineRules(group, direction, inlineRefs, stack), ...separate];
}

/**
 * Whether a rule lets TCP traffic through on `port`: true, false, or undefined when its protocol or ports are
 * unknown at preview. Every protocol (`-1`) ignores the ports.
 */
export function coversTcpPort(rule: EffectiveRule, port: number): boolean | undefined {
  if (rule.protocol === "all") return true;
  if (rule.protocol === undefined) return undefined;
  if (rule.protocol !== "tcp") return false;
  if (rule.fromPort === undefined || rule.toPort === undefined) return undefined;
  return rule.fromPort <= port && port <= rule.toPort;
}
