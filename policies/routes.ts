/**
 * The routes the traffic rules judge: every route the app's components
 * created, and every other route of the stack that sends traffic to one of
 * the app's colors, wherever it is registered (a larger program's listener
 * rule to the app's target group is judged like the app's own). Route kinds:
 * AWS listeners and listener rules (`aws.lb` and `aws.alb`), Gateway API
 * routes (HTTP, GRPC, TLS, TCP, UDP), Kubernetes Ingresses and the HAProxy
 * weights.
 *
 * A target's color is the structure's (structure.ts: the gate that waits for
 * it), never its tag or label; a route's own marker (`bluegreen:route`,
 * `bluegreen/route`) only says what it claims to be, and a claim is accepted
 * only where the structure bears it out: a `direct` route is exempt only when
 * its one color's gate waits for it (it exists before the gate, where the
 * gate probes) and, on AWS, it is a test listener nobody else reaches; a
 * `maintenance` route's target counts as the maintenance backend only when
 * structure.ts says it is one.
 *
 * Values unknown at preview (target group ARNs on a first deploy) are never
 * read blindly: the policy SDK turns such a read into "can't run during
 * preview", which would make a mandatory rule advisory. An unknown ARN is
 * resolved through the dependencies of the route's actions instead; when
 * several target groups could be behind it, the forward says so
 * (`ambiguous`) and the rules judge what they can without knowing which.
 */
import type { PolicyResource } from "@pulumi/policy";
import { AWS_TAGS, KUBERNETES_ANNOTATIONS, KUBERNETES_LABELS, ROUTE_KINDS } from "./contracts/markers";
import { LOAD_BALANCER_TYPES } from "./contracts/resourceTypes";
import { exemptDirectListener } from "./directListeners";
import {
  awsForwards,
  Forward,
  gatewayForwards,
  haproxyForwards,
  ingressForwards,
  RouteTarget,
  StackFacts,
} from "./forwards";
import { TYPES, known } from "./shared";
import {
  createdByApp,
  directDependencies,
  gatedColors,
  gatesIn,
  kubernetesKind,
  maintenanceBackends,
} from "./structure";

export type { Forward, RouteTarget };
export { forwardTargets, resolveTargetGroup } from "./forwards";

export type RouteKindName =
  | "Listener"
  | "Listener rule"
  | "HTTPRoute"
  | "GRPCRoute"
  | "TLSRoute"
  | "TCPRoute"
  | "UDPRoute"
  | "Ingress"
  | "HAProxy weights";

export interface Route {
  readonly resource: PolicyResource;
  readonly kind: RouteKindName;
  /** Created inside the app's components. */
  readonly apps: boolean;
  /** The route's marker (ROUTE_KINDS), as the resource states it. */
  readonly marked: unknown;
  readonly forwards: readonly Forward[];
  /** A direct route to one color, by structure: where its gate probes it, so it exists before the gate by design. */
  readonly exempt: boolean;
  /** Outside the app: the stated reason it sends traffic to a color (AWS tag / Kubernetes annotation), if any. */
  readonly exception: string | undefined;
  /** Parts unknown at preview (actions, rules, backends): the rules judge them at update. */
  readonly unread: readonly string[];
}

/** Every target of a route, whatever forward it is in. */
export function targetsOf(route: Pick<Route, "forwards">): RouteTarget[] {
  return route.forwards.flatMap((forward) => forward.targets);
}

const GATEWAY_ROUTE_KINDS: readonly RouteKindName[] = ["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"];

function routeKind(type: string): RouteKindName | undefined {
  if (LOAD_BALANCER_TYPES.listener.includes(type)) return "Listener";
  if (LOAD_BALANCER_TYPES.listenerRule.includes(type)) return "Listener rule";
  if (type === TYPES.haproxyWeights) return "HAProxy weights";
  const kubernetes = kubernetesKind(type);
  if (kubernetes?.group === "gateway.networking.k8s.io") {
    return GATEWAY_ROUTE_KINDS.find((kind) => kind === kubernetes.kind);
  }
  if (kubernetes?.kind === "Ingress" && ["networking.k8s.io", "extensions"].includes(kubernetes.group))
    return "Ingress";
  return undefined;
}

function markerOf(resource: PolicyResource, kind: RouteKindName): unknown {
  if (kind === "Listener" || kind === "Listener rule") return known(() => resource.props.tags?.[AWS_TAGS.route]);
  if (kind === "HAProxy weights") return ROUTE_KINDS.weighted;
  return known(() => resource.props.metadata?.labels?.[KUBERNETES_LABELS.route]);
}

function exceptionOf(resource: PolicyResource, kind: RouteKindName): string | undefined {
  const reason =
    kind === "Listener" || kind === "Listener rule"
      ? known(() => resource.props.tags?.[AWS_TAGS.securityException])
      : known(() => resource.props.metadata?.annotations?.[KUBERNETES_ANNOTATIONS.securityException]);
  return typeof reason === "string" && reason.trim() !== "" ? reason : undefined;
}

/**
 * A direct route by structure: the app's, marked direct, one target of a known color whose gate waits for the
 * route; on AWS a listener on a declared test port that admits nobody the user-facing listeners admit.
 */
function isDirect(route: Omit<Route, "exempt">, facts: StackFacts, stack: readonly PolicyResource[]): boolean {
  const targets = targetsOf(route);
  if (!route.apps || route.marked !== ROUTE_KINDS.direct || targets.length !== 1) return false;
  const [target] = targets;
  if (target.color === undefined || target.weight <= 0) return false;
  const probedBy = facts.gates.filter(
    (gate) => gate.color === target.color && directDependencies(gate.resource).has(route.resource),
  );
  if (probedBy.length === 0) return false;
  if (route.kind === "Listener") return exemptDirectListener(route.resource, stack);
  return GATEWAY_ROUTE_KINDS.includes(route.kind);
}

/** Target groups and Services: what a route sends a color's traffic to. */
function colorTargetTypes(type: string): boolean {
  return LOAD_BALANCER_TYPES.targetGroup.includes(type) || kubernetesKind(type)?.kind === "Service";
}

export interface RouteOptions {
  /** Resource types that count as a promotion gate. @default the program's PromotionGateCheck */
  readonly gateTypes?: readonly string[];
}

/** The routes the traffic rules judge: the app's, and every other route that sends to one of its colors. */
export function judgedRoutes(stack: readonly PolicyResource[], options: RouteOptions = {}): Route[] {
  const gates = gatesIn(stack, options.gateTypes ?? [TYPES.promotionGate]);
  const facts: StackFacts = {
    stack,
    targetGroups: stack.filter((r) => LOAD_BALANCER_TYPES.targetGroup.includes(r.type)),
    services: stack.filter((r) => kubernetesKind(r.type)?.kind === "Service" && kubernetesKind(r.type)?.group === ""),
    colors: gatedColors(gates),
    gates,
    maintenance: maintenanceBackends(stack, gates),
  };
  return stack.flatMap((resource): Route[] => {
    const kind = routeKind(resource.type);
    if (kind === undefined) return [];
    const marked = markerOf(resource, kind);
    const unread: string[] = [];
    const forwards =
      kind === "Listener" || kind === "Listener rule"
        ? awsForwards(resource, kind === "Listener" ? "defaultActions" : "actions", facts, unread)
        : kind === "HAProxy weights"
          ? haproxyForwards(resource, unread)
          : kind === "Ingress"
            ? ingressForwards(resource, facts, unread)
            : gatewayForwards(resource, marked === ROUTE_KINDS.maintenance, facts, unread);
    const apps = createdByApp(resource.urn);
    // What it may send to when parts are unknown: the app's targets it depends on.
    const reachesApp = [...directDependencies(resource)].some((r) => createdByApp(r.urn) && colorTargetTypes(r.type));
    const toColors = forwards.some((f) => f.targets.some((t) => t.apps || t.color !== undefined));
    // A route that forwards nowhere (a redirect, a fixed response) carries no color's traffic.
    const forwardsSomewhere = forwards.some((forward) => forward.targets.length > 0) || unread.length > 0;
    if (!forwardsSomewhere || (!apps && !toColors && !(unread.length > 0 && reachesApp))) return [];
    const exception = apps ? undefined : exceptionOf(resource, kind);
    const route = { resource, kind, apps, marked, forwards, exception, unread };
    return [{ ...route, exempt: isDirect(route, facts, stack) }];
  });
}
