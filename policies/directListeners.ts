/**
 * When a per-color test listener is exempt from the gate rule: it is marked
 * `direct`, forwards to one target, listens on a test port its load balancer
 * declares, and admits nobody the load balancer's user-facing listeners
 * admit (and never the whole internet).
 *
 * The declaration is the `AWS_TAGS.testPorts` tag of the load balancer the
 * app created, or, on a load balancer the app does not own (a user's), the
 * same tag on the app's user-facing route there (its own listener or its
 * rule on the user's listener): never the test listener's own word. A
 * load balancer is recognised by its resource when it is in the stack, else
 * by the `app/<name>/<id>` part of the ARNs, which a listener ARN contains too.
 */
import type { PolicyResource } from "@pulumi/policy";
import { AWS_TAGS, ROUTE_KINDS } from "./contracts/markers";
import { LOAD_BALANCER_TYPES } from "./contracts/resourceTypes";
import { TYPES, known } from "./shared";
import { createdByApp } from "./structure";

const ANYWHERE = ["0.0.0.0/0", "::/0"];

interface LoadBalancerIdentity {
  readonly resource: PolicyResource | undefined;
  /** `<name>/<id>` from a known load balancer or listener ARN. */
  readonly id: string | undefined;
}

function idOfArn(arn: unknown): string | undefined {
  return typeof arn === "string" ? /:(?:loadbalancer|listener)\/app\/([^/]+\/[^/]+)/.exec(arn)?.[1] : undefined;
}

/** The load balancer a listener is on, or (through its listener) a listener rule. */
function loadBalancerOf(route: PolicyResource): LoadBalancerIdentity {
  if (LOAD_BALANCER_TYPES.listenerRule.includes(route.type)) {
    const listener = (route.propertyDependencies.listenerArn ?? []).find((r) =>
      LOAD_BALANCER_TYPES.listener.includes(r.type),
    );
    const viaListener = listener ? loadBalancerOf(listener) : { resource: undefined, id: undefined };
    return { resource: viaListener.resource, id: idOfArn(known(() => route.props.listenerArn)) ?? viaListener.id };
  }
  const resource = (route.propertyDependencies.loadBalancerArn ?? []).find((r) =>
    LOAD_BALANCER_TYPES.loadBalancer.includes(r.type),
  );
  return {
    resource,
    id: idOfArn(known(() => route.props.loadBalancerArn)) ?? idOfArn(known(() => resource?.props.arn)),
  };
}

function same(a: LoadBalancerIdentity, b: LoadBalancerIdentity): boolean {
  return (a.resource !== undefined && a.resource === b.resource) || (a.id !== undefined && a.id === b.id);
}

function portsIn(tag: unknown): number[] {
  return String(tag ?? "")
    .split(",")
    .filter((port) => port !== "")
    .map(Number);
}

/** The test ports declared for the load balancer: its own tag, else the app's user-facing routes on it. */
function declaredTestPorts(loadBalancer: LoadBalancerIdentity, stack: readonly PolicyResource[]): number[] {
  const own = known(() => loadBalancer.resource?.props.tags?.[AWS_TAGS.testPorts]);
  if (own !== undefined) return portsIn(own);
  return stack
    .filter((r) => LOAD_BALANCER_TYPES.listener.includes(r.type) || LOAD_BALANCER_TYPES.listenerRule.includes(r.type))
    .filter((r) => createdByApp(r.urn))
    .filter((r) => known(() => r.props.tags?.[AWS_TAGS.route]) !== ROUTE_KINDS.direct)
    .filter((r) => same(loadBalancerOf(r), loadBalancer))
    .flatMap((r) => portsIn(known(() => r.props.tags?.[AWS_TAGS.testPorts])));
}

function coversPort(rule: Record<string, any>, port: number): boolean {
  const protocol = String(known(() => rule.protocol ?? rule.ipProtocol));
  return protocol === "-1" || (Number(known(() => rule.fromPort)) <= port && port <= Number(known(() => rule.toPort)));
}

function cidrsOf(rule: Record<string, any>): string[] {
  const list = (known(() => rule.cidrBlocks) as string[] | undefined) ?? [];
  const single = known(() => rule.cidrIpv4);
  return typeof single === "string" ? [...list, single] : list;
}

/** CIDRs admitted on `port`: the load balancer's security groups' inline rules and the rule resources added to them. */
function admittedCidrs(loadBalancer: LoadBalancerIdentity, port: number, stack: readonly PolicyResource[]): string[] {
  const groups = (loadBalancer.resource?.propertyDependencies.securityGroups ?? []).filter(
    (r) => r.type === TYPES.securityGroup,
  );
  const inline = groups.flatMap((group) => (known(() => group.props.ingress) as any[] | undefined) ?? []);
  const separate = stack
    .filter((r) => r.type === TYPES.securityGroupIngressRule)
    .filter((r) => (r.propertyDependencies.securityGroupId ?? []).some((g) => groups.includes(g)))
    .map((r) => r.props);
  return [...inline, ...separate].filter((rule) => coversPort(rule, port)).flatMap(cidrsOf);
}

/** A per-color test listener (already known to be the app's, marked direct, with one target) nobody else reaches. */
export function exemptDirectListener(listener: PolicyResource, stack: readonly PolicyResource[]): boolean {
  const loadBalancer = loadBalancerOf(listener);
  const port = Number(known(() => listener.props.port));
  if ((loadBalancer.resource === undefined && loadBalancer.id === undefined) || !Number.isInteger(port)) return false;
  if (!declaredTestPorts(loadBalancer, stack).includes(port)) return false;
  const userPorts = stack
    .filter((r) => LOAD_BALANCER_TYPES.listener.includes(r.type) && r !== listener)
    .filter((r) => same(loadBalancerOf(r), loadBalancer))
    .filter((r) => known(() => r.props.tags?.[AWS_TAGS.route]) !== ROUTE_KINDS.direct)
    .map((r) => Number(known(() => r.props.port)));
  const userCidrs = new Set(userPorts.flatMap((p) => admittedCidrs(loadBalancer, p, stack)));
  const testCidrs = admittedCidrs(loadBalancer, port, stack);
  return !userPorts.includes(port) && testCidrs.every((cidr) => !ANYWHERE.includes(cidr) && !userCidrs.has(cidr));
}
