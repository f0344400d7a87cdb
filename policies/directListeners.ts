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
import { admitsEveryone } from "./contracts/cidrs";
import { LOAD_BALANCER_TYPES } from "./contracts/resourceTypes";
import { coversTcpPort, EffectiveRule, effectiveRules, heldRules, ruleDirection } from "./securityGroups";
import { TYPES, known } from "./shared";
import { createdByApp } from "./structure";

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

/** The security groups in front of a listener: its load balancer's, when the load balancer is in the stack. */
function frontGroups(loadBalancer: LoadBalancerIdentity): PolicyResource[] {
  return (loadBalancer.resource?.propertyDependencies.securityGroups ?? []).filter(
    (r) => r.type === TYPES.securityGroup,
  );
}

/**
 * The ingress rules that admit clients to a listener's port: every rule of its load balancer's security groups
 * (inline or a rule resource, wherever registered), and the app's own rules on a group this stack does not hold
 * (the user's load balancer's group, named by id in the stack config).
 */
export function rulesInFront(
  listener: PolicyResource,
  port: number,
  stack: readonly PolicyResource[],
): EffectiveRule[] {
  const groups = frontGroups(loadBalancerOf(listener));
  const onGroups = groups.flatMap((group) => effectiveRules(group, "ingress", stack));
  const onForeignGroup = stack
    .filter((r) => createdByApp(r.urn) && ruleDirection(r) === "ingress")
    .filter((r) => !(r.propertyDependencies.securityGroupId ?? []).some((g) => g.type === TYPES.securityGroup))
    .flatMap((r) => heldRules(r, "ingress"));
  return [...onGroups, ...onForeignGroup].filter((rule) => coversTcpPort(rule, port) !== false);
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
  const userCidrs = new Set(userPorts.flatMap((p) => rulesInFront(listener, p, stack).flatMap((rule) => rule.cidrs)));
  const testRules = rulesInFront(listener, port, stack);
  // Exempt only what can be shown private: known ranges, none that holds everyone or that a user-facing port admits.
  return (
    !userPorts.includes(port) &&
    testRules.every(
      (rule) =>
        rule.unknown.length === 0 &&
        coversTcpPort(rule, port) !== undefined &&
        rule.prefixLists.length === 0 &&
        rule.cidrs.every((cidr) => !admitsEveryone(cidr) && !userCidrs.has(cidr)),
    )
  );
}
