/**
 * The routes of the app, as the traffic rules see them: every AWS listener
 * and listener rule, Gateway API HTTPRoute and HAProxy weights resource the
 * program marked as the app's (a larger program's own routes are never
 * judged), each forward shape it uses, and the color behind each target.
 *
 * A route marked `maintenance` (`bluegreen:maintenance`) is recognised by
 * that typed marker only: its targets count as the maintenance backend when
 * they are Services marked so too; anything else it sends to is judged like
 * any route's target.
 *
 * Values unknown at preview (target group ARNs on a first deploy) are never
 * read blindly: the policy SDK turns such a read into "can't run during
 * preview", which would make a mandatory rule advisory. An unknown ARN is
 * resolved through the route's dependencies instead, conservatively.
 */
import type { PolicyResource } from "@pulumi/policy";
import { COLORS, Color } from "./contracts/colors";
import { AWS_TAGS, KUBERNETES_LABELS, ROUTE_KINDS } from "./contracts/markers";
import { exemptDirectListener } from "./directListeners";
import { TYPES, colorIn, known } from "./shared";

export { known };

export interface RouteTarget {
  /** The target's color; undefined when it cannot be told (untagged target group, unknown backend). */
  readonly color: Color | undefined;
  readonly weight: number;
  /** What the target is, for messages. */
  readonly shown: string;
  /**
   * The app's maintenance backend (a Service marked ROUTE_KINDS.maintenance) behind a route marked so: it
   * answers the maintenance page and carries no color's traffic, so no gate vouches for it.
   */
  readonly maintenance?: true;
}

export interface AppRoute {
  readonly resource: PolicyResource;
  readonly kind: "Listener" | "Listener rule" | "HTTPRoute" | "HAProxy weights";
  /** The route's marker (ROUTE_KINDS), when it has one. */
  readonly marked: string | undefined;
  readonly targets: readonly RouteTarget[];
  /** A direct route to one color, reachable only by those its gate probes from: exists before the gate by design. */
  readonly exempt: boolean;
}

/** Forward targets of AWS listener actions, whatever their shape: weighted groups or a single targetGroupArn. */
export function forwardTargets(actions: unknown): { arn: () => unknown; weight: unknown }[] {
  const list: any[] = Array.isArray(actions) ? actions : [];
  return list.flatMap((action) => {
    if (action?.type !== "forward") return [];
    const groups: any[] | undefined = known(() => action.forward?.targetGroups);
    if (Array.isArray(groups) && groups.length > 0) {
      return groups.map((group) => ({ arn: () => group.arn, weight: known(() => group.weight) }));
    }
    // One target group takes all of the traffic.
    return [{ arn: () => action.targetGroupArn, weight: 1 }];
  });
}

/** The target groups a route references, from its dependencies (known even when the ARNs are not). */
function referencedTargetGroups(route: PolicyResource): PolicyResource[] {
  const deps = [...route.dependencies, ...Object.values(route.propertyDependencies).flat()];
  return [...new Set(deps)].filter((r) => r.type === TYPES.targetGroup);
}

function targetGroupColor(group: PolicyResource): Color | undefined {
  return colorIn(known(() => group.props.tags?.color));
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

function awsTargets(route: PolicyResource, actions: unknown, stack: readonly PolicyResource[]): RouteTarget[] {
  const groups = stack.filter((r) => r.type === TYPES.targetGroup);
  const referenced = referencedTargetGroups(route);
  return forwardTargets(actions).flatMap((entry) => {
    const weight = typeof entry.weight === "number" && entry.weight > 0 ? entry.weight : 0;
    const arn = known(entry.arn);
    if (arn !== undefined) {
      const group = resolveTargetGroup(arn, groups);
      return [
        {
          color: group ? targetGroupColor(group) : undefined,
          weight,
          shown: group ? `target group ${group.name}` : JSON.stringify(arn),
        },
      ];
    }
    // Unknown at preview: it is one of the target groups the route depends on; each of them must then be gated.
    if (referenced.length === 0)
      return [{ color: undefined, weight, shown: "a target group the route does not depend on" }];
    return referenced.map((group) => ({ color: targetGroupColor(group), weight, shown: `target group ${group.name}` }));
  });
}

/** The Service `name` is the app's maintenance backend: marked so by the program. */
function isMaintenanceBackend(name: unknown, services: readonly PolicyResource[]): boolean {
  const service = services.find((s) => known(() => s.props.metadata?.name) === name);
  return known(() => service?.props.metadata?.labels?.[KUBERNETES_LABELS.route]) === ROUTE_KINDS.maintenance;
}

/** A backend's color: a label value of the Service it names, else a word of its name. */
function serviceColor(name: unknown, services: readonly PolicyResource[]): Color | undefined {
  const service = services.find((s) => known(() => s.props.metadata?.name) === name);
  const labels: unknown[] = Object.values(known(() => service?.props.metadata?.labels) ?? {});
  return labels.map(colorIn).find((color) => color !== undefined) ?? colorIn(name);
}

/** The app's routes in the stack; resources the program did not mark as the app's are left out. */
export function appRoutes(stack: readonly PolicyResource[]): AppRoute[] {
  return stack.flatMap((resource): AppRoute[] => {
    const { props } = resource;
    switch (resource.type) {
      case TYPES.listener:
      case TYPES.listenerRule: {
        const tags = known(() => props.tags) ?? {};
        if (tags[AWS_TAGS.app] === undefined) return [];
        const listener = resource.type === TYPES.listener;
        const targets = awsTargets(
          resource,
          known(() => (listener ? props.defaultActions : props.actions)),
          stack,
        );
        if (targets.length === 0) return [];
        const exempt = listener && exemptDirectListener(resource, targets.length, stack);
        return [
          { resource, kind: listener ? "Listener" : "Listener rule", marked: tags[AWS_TAGS.route], targets, exempt },
        ];
      }
      case TYPES.httpRoute: {
        const marked = known(() => props.metadata?.labels?.[KUBERNETES_LABELS.route]);
        if (marked === undefined) return [];
        const services = stack.filter((r) => r.type === TYPES.service);
        const refs: any[] = (known(() => props.spec?.rules) ?? []).flatMap(
          (rule: any) => known(() => rule.backendRefs) ?? [],
        );
        // Gateway API: an omitted weight is 1.
        const targets = refs.map((ref): RouteTarget => {
          const name = known(() => ref.name);
          const weight = known(() => ref.weight) ?? 1;
          const shown = `Service ${JSON.stringify(name)}`;
          return marked === ROUTE_KINDS.maintenance && isMaintenanceBackend(name, services)
            ? { color: undefined, weight, shown, maintenance: true }
            : { color: serviceColor(name, services), weight, shown };
        });
        return [
          {
            resource,
            kind: "HTTPRoute",
            marked,
            targets,
            exempt: marked === ROUTE_KINDS.direct && targets.length === 1,
          },
        ];
      }
      case TYPES.haproxyWeights: {
        const weights = known(() => props.weights) ?? {};
        const targets = COLORS.map((color) => ({
          color,
          weight: typeof weights[color] === "number" ? weights[color] : 0,
          shown: `server ${color}`,
        }));
        return [{ resource, kind: "HAProxy weights", marked: ROUTE_KINDS.weighted, targets, exempt: false }];
      }
      default:
        return [];
    }
  });
}
