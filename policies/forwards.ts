/**
 * The targets of each forward of a route, read from its own shape: AWS
 * listener actions (weighted groups or one targetGroupArn), Gateway API
 * route rules (backendRefs, an omitted weight being 1), Ingress backends
 * (each path takes all of its traffic) and the HAProxy weights. Each target
 * is resolved to the resource in the stack it names (by ARN, or by Service
 * name and namespace) and given the color the structure gives it.
 */
import type { PolicyResource } from "@pulumi/policy";
import { COLORS, Color } from "./contracts/colors";
import { LOAD_BALANCER_TYPES } from "./contracts/resourceTypes";
import { known, reading } from "./shared";
import { createdByApp, directDependencies, GateView } from "./structure";

export interface RouteTarget {
  /** The target group or Service in the stack; undefined when the route names something the stack does not hold. */
  readonly resource: PolicyResource | undefined;
  /** The target is the app's: its components created it. */
  readonly apps: boolean;
  /** Its color by structure; undefined when it cannot be told. */
  readonly color: Color | undefined;
  readonly weight: number;
  /** What the target is, for messages. */
  readonly shown: string;
  /** The app's maintenance backend behind a route marked maintenance: it carries no color's traffic. */
  readonly maintenance?: true;
}

/** The targets one request is shared among by weight: an ALB forward action, a Gateway route rule, an Ingress path. */
export interface Forward {
  readonly targets: readonly RouteTarget[];
  /**
   * Target group ARNs unknown at preview, with more than one target group the action depends on that could be
   * behind them: which target gets which weight is known only at update.
   */
  readonly ambiguous: boolean;
  /** The traffic the shares are of, when not the sum of the weights (a mirror copies a percentage of its rule's). */
  readonly total?: number;
}

/** Forward targets of AWS listener actions, whatever their shape: weighted groups or a single targetGroupArn. */
export function forwardTargets(actions: unknown): { arn: () => unknown; weight: unknown }[] {
  return forwardActions(actions).flat();
}

/** Each forward action's targets: weighted groups, or a single targetGroupArn that takes all of the traffic. */
function forwardActions(actions: unknown): { arn: () => unknown; weight: unknown }[][] {
  const list: any[] = Array.isArray(actions) ? actions : [];
  return list.flatMap((action) => {
    if (known(() => action?.type) !== "forward") return [];
    const groups: any[] | undefined = known(() => action.forward?.targetGroups);
    if (Array.isArray(groups) && groups.length > 0) {
      return [groups.map((group) => ({ arn: () => group.arn, weight: known(() => group.weight) }))];
    }
    return [[{ arn: () => action.targetGroupArn, weight: 1 }]];
  });
}

/** The stack's target group behind a known ARN: by its `arn` output, else by the name in the ARN (explicit or auto-name). */
export function resolveTargetGroup<T extends { name: string; props: Record<string, any> }>(
  arn: unknown,
  groups: readonly T[],
): T | undefined {
  if (typeof arn !== "string") return undefined;
  const byArn = groups.find((group) => known(() => group.props.arn) === arn);
  if (byArn) return byArn;
  const name = /:targetgroup\/([^/]+)\//.exec(arn)?.[1];
  if (name === undefined) return undefined;
  const byName = groups.find((group) => known(() => group.props.name) === name);
  if (byName) return byName;
  const autoNamed = groups.filter(
    (group) => known(() => group.props.name) === undefined && name.startsWith(`${group.name}-`),
  );
  return autoNamed.sort((a, b) => b.name.length - a.name.length)[0];
}

/** What the rules need to tell the targets apart. */
export interface StackFacts {
  readonly stack: readonly PolicyResource[];
  readonly targetGroups: readonly PolicyResource[];
  readonly services: readonly PolicyResource[];
  readonly colors: Map<PolicyResource, Color | undefined>;
  readonly gates: readonly GateView[];
  readonly maintenance: Set<PolicyResource>;
}

function targetOf(resource: PolicyResource | undefined, weight: number, shown: string, facts: StackFacts): RouteTarget {
  return {
    resource,
    apps: resource !== undefined && createdByApp(resource.urn),
    color: resource === undefined ? undefined : facts.colors.get(resource),
    weight,
    shown,
  };
}

/** Reads part of a route; what is unknown at preview is named in `unread` (so the rules defer it, never pass it). */
function readPart<T>(unread: string[], what: string, read: () => T): T | undefined {
  const value = reading(read);
  if (value.known) return value.value;
  unread.push(what);
  return undefined;
}

function positive(weight: unknown): number {
  return typeof weight === "number" && Number.isFinite(weight) && weight > 0 ? weight : 0;
}

/** The indexes of a list that may hold items unknown at preview (they are read one by one). */
function indexes(list: unknown): number[] {
  return Array.isArray(list) ? Array.from({ length: list.length }, (_, i) => i) : [];
}

/** The target groups an action property depends on: what an ARN unknown at preview can be. */
function candidateGroups(route: PolicyResource, property: string): PolicyResource[] {
  const deps = route.propertyDependencies[property] ?? [...directDependencies(route)];
  return [...new Set(deps)].filter((r) => LOAD_BALANCER_TYPES.targetGroup.includes(r.type));
}

export function awsForwards(route: PolicyResource, property: string, facts: StackFacts, unread: string[]): Forward[] {
  const candidates = candidateGroups(route, property);
  const actions = readPart(unread, `the ${property} of ${route.name}`, () => route.props[property]);
  return forwardActions(actions).map((entries) => {
    let ambiguous = false;
    const targets = entries.flatMap((entry): RouteTarget[] => {
      const weight = positive(entry.weight);
      const arn = known(entry.arn);
      if (arn !== undefined) {
        const group = resolveTargetGroup(arn, facts.targetGroups);
        return [targetOf(group, weight, group ? `target group ${group.name}` : JSON.stringify(arn), facts)];
      }
      if (candidates.length === 0) {
        return [targetOf(undefined, weight, "a target group the route does not depend on", facts)];
      }
      // Unknown at preview: one of the target groups the action depends on, each of which must then be gated.
      ambiguous ||= candidates.length > 1;
      return candidates.map((group) => targetOf(group, weight, `target group ${group.name}`, facts));
    });
    return { targets, ambiguous };
  });
}

/** The Service a backend names: same name, and the same namespace where both are known. */
function serviceNamed(name: unknown, namespace: unknown, facts: StackFacts): PolicyResource | undefined {
  if (typeof name !== "string") return undefined;
  const matches = facts.services.filter((service) => {
    if (known(() => service.props.metadata?.name) !== name) return false;
    const own = known(() => service.props.metadata?.namespace);
    return typeof own !== "string" || typeof namespace !== "string" || own === namespace;
  });
  // Fail closed: of several candidates, the app's (so the route is judged).
  return matches.find((s) => createdByApp(s.urn)) ?? matches[0];
}

export function gatewayForwards(
  route: PolicyResource,
  maintenanceMarked: boolean,
  facts: StackFacts,
  unread: string[],
): Forward[] {
  const namespace = known(() => route.props.metadata?.namespace);
  const rules = readPart(unread, `the rules of ${route.name}`, () => route.props.spec?.rules);
  return indexes(rules).flatMap((i) => {
    const refs = readPart(unread, `the backends of ${route.name}`, () => route.props.spec.rules[i]?.backendRefs);
    const targets = indexes(refs).map((j): RouteTarget => {
      const ref = readPart(unread, `a backend of ${route.name}`, () => route.props.spec.rules[i].backendRefs[j]);
      const name = readPart(unread, `a backend name of ${route.name}`, () => ref?.name);
      const kind = known(() => ref?.kind) ?? "Service";
      const group = known(() => ref?.group) ?? "";
      // Gateway API: an omitted weight is 1.
      const weight = positive(readPart(unread, `a backend weight of ${route.name}`, () => ref?.weight) ?? 1);
      const shown = `${kind} ${JSON.stringify(name)}`;
      const service =
        kind === "Service" && (group === "" || group === "core")
          ? serviceNamed(name, known(() => ref?.namespace) ?? namespace, facts)
          : undefined;
      const target = targetOf(service, weight, shown, facts);
      return maintenanceMarked && service !== undefined && facts.maintenance.has(service)
        ? { ...target, maintenance: true }
        : target;
    });
    const mirrors = mirrorsOf(route, i, refs, facts, unread);
    return [{ targets, ambiguous: false }, ...mirrors];
  });
}

/**
 * The RequestMirror filters of rule `i` (on the rule, or on one of its backends): each copies a percentage of the
 * rule's requests (all of them unless `percent` or `fraction` says less) to its backend, which serves them: to a
 * color, that is traffic its gate must have judged.
 */
function mirrorsOf(route: PolicyResource, i: number, refs: unknown, facts: StackFacts, unread: string[]): Forward[] {
  const namespace = known(() => route.props.metadata?.namespace);
  const rule = () => route.props.spec.rules[i];
  const filterLists = [() => rule()?.filters, ...indexes(refs).map((j) => () => rule().backendRefs[j]?.filters)];
  return filterLists.flatMap((read) => {
    const filters = readPart(unread, `the filters of ${route.name}`, read);
    return indexes(filters).flatMap((k): Forward[] => {
      const filter = readPart(unread, `a filter of ${route.name}`, () => (read() as any[])[k]);
      if (known(() => filter?.type) !== "RequestMirror") return [];
      const mirror = readPart(unread, `a mirror of ${route.name}`, () => filter.requestMirror);
      const name = known(() => mirror?.backendRef?.name);
      const service = serviceNamed(name, known(() => mirror?.backendRef?.namespace) ?? namespace, facts);
      const fraction = known(() => mirror?.fraction);
      const percent = known(() => mirror?.percent);
      const [weight, total] =
        typeof percent === "number"
          ? [percent, 100]
          : fraction && typeof fraction.numerator === "number"
            ? [fraction.numerator, typeof fraction.denominator === "number" ? fraction.denominator : 100]
            : [100, 100];
      const target = targetOf(service, positive(weight), `mirror to Service ${JSON.stringify(name)}`, facts);
      return [{ targets: [target], ambiguous: false, total }];
    });
  });
}

/** Every backend of an Ingress (networking.k8s.io/v1 and the older extensions/v1beta1 shape), each taking its path's traffic. */
export function ingressForwards(route: PolicyResource, facts: StackFacts, unread: string[]): Forward[] {
  const namespace = known(() => route.props.metadata?.namespace);
  const spec = readPart(unread, `the spec of ${route.name}`, () => route.props.spec) ?? {};
  const paths: any[] = (known(() => spec.rules) ?? []).flatMap((rule: any) => known(() => rule?.http?.paths) ?? []);
  const backends = [
    known(() => spec.defaultBackend),
    known(() => spec.backend),
    ...paths.map((p) => known(() => p?.backend)),
  ];
  return backends
    .filter((backend) => backend !== undefined && backend !== null)
    .map((backend) => {
      const name = known(() => backend.service?.name) ?? known(() => backend.serviceName);
      const service = serviceNamed(name, namespace, facts);
      return { targets: [targetOf(service, 1, `Service ${JSON.stringify(name)}`, facts)], ambiguous: false };
    });
}

export function haproxyForwards(resource: PolicyResource, unread: string[]): Forward[] {
  const weights = readPart(unread, `the weights of ${resource.name}`, () => resource.props.weights) ?? {};
  const targets = COLORS.map((color): RouteTarget => ({
    resource: undefined,
    apps: true,
    color,
    weight: positive(weights[color]),
    shown: `server ${color}`,
  }));
  return [{ targets, ambiguous: false }];
}
