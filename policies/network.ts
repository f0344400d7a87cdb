/**
 * Network rules (aws): who reaches what. Test listeners never open to the
 * internet in production, a color's tasks admit nobody but through the load
 * balancer, and the app's security groups send out only what they must.
 * Every rule reads a group's effective rules (securityGroups.ts): inline or
 * a rule resource of any kind, IPv4, IPv6 and prefix lists alike.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { admitsEveryone } from "./contracts/cidrs";
import { AWS_TAGS, ROUTE_KINDS } from "./contracts/markers";
import { COMPONENT_TYPES, LOAD_BALANCER_TYPES } from "./contracts/resourceTypes";
import { rulesInFront } from "./directListeners";
import { ALLOW_STACK_EXCEPTIONS, statedException } from "./exceptions";
import { coversTcpPort, EffectiveRule, effectiveRules, heldRules } from "./securityGroups";
import { AFTER_THE_UPDATE, afterUpdate, BEFORE_THE_RESOURCE, Deferrals, TYPES, configOf, known } from "./shared";
import { createdByApp, createdInside, directDependencies, gatesIn } from "./structure";

/** The app's listeners a gate probes through, or that say they are test listeners (port or marker). */
function testListeners(stack: readonly PolicyResource[]): PolicyResource[] {
  const probed = new Set(gatesIn(stack, [TYPES.promotionGate]).flatMap((g) => [...directDependencies(g.resource)]));
  return stack.filter((listener) => {
    if (!LOAD_BALANCER_TYPES.listener.includes(listener.type) || !createdByApp(listener.urn)) return false;
    const loadBalancer = (listener.propertyDependencies.loadBalancerArn ?? [])[0];
    const testPorts = String(known(() => loadBalancer?.props.tags?.[AWS_TAGS.testPorts]) ?? "").split(",");
    const direct = known(() => listener.props.tags?.[AWS_TAGS.route]) === ROUTE_KINDS.direct;
    return probed.has(listener) || direct || testPorts.includes(String(known(() => listener.props.port)));
  });
}

/** Whom a rule admits that may be anyone: ranges that hold everyone, and prefix lists (ranges the pack cannot see). */
function everyone(rule: EffectiveRule): string[] {
  return [
    ...rule.cidrs.filter(admitsEveryone),
    ...rule.prefixLists.map((id) => `prefix list ${id} (ranges the pack cannot see)`),
  ];
}

export const testListenersNotPublic: StackValidationPolicy = {
  name: "test-listeners-not-public",
  description:
    "Checks whether the per-color test listeners of the app admit no address range that holds everyone (nor a prefix list), by any rule of the groups in front of them, in production.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      production: {
        type: "boolean",
        default: true,
        description: "Whether the stack is production; set false for staging and development stacks.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { production } = configOf<{ production: boolean }>(testListenersNotPublic.configSchema!, args.getConfig());
    if (!production) return;
    const deferrals = new Deferrals(AFTER_THE_UPDATE);
    for (const listener of testListeners(args.resources)) {
      const port = Number(known(() => listener.props.port));
      if (!Number.isInteger(port)) {
        deferrals.add(`the port of test listener ${listener.name}`);
        continue;
      }
      const rules = rulesInFront(listener, port, args.resources);
      for (const rule of rules.filter((r) => r.unknown.length > 0 || coversTcpPort(r, port) === undefined)) {
        deferrals.add(rule.unknown.join(", ") || `the protocol or ports of ${rule.shown}`);
      }
      const open = [...new Set(rules.filter((r) => coversTcpPort(r, port) === true).flatMap(everyone))];
      if (open.length === 0) continue;
      reportViolation(
        `Test listener ${listener.name} must not be open to the internet in production: port ${port} admits ${open.join(", ")}, ` +
          "so a candidate color answers everyone before its gate passes. List only your deploy runners in `bluegreen:listener.testIngressCidrs` " +
          "(or leave it empty and probe through `bluegreen:gate.targets`). " +
          afterUpdate(
            `the rule that opens port ${port} already exists`,
            "remove the range from its rule and run `pulumi up` again",
          ),
        listener.urn,
      );
    }
    deferrals.settle();
  },
};

/** The groups of the colors' tasks: those of the app's ECS services, and the group a ColorService creates. */
function taskGroups(stack: readonly PolicyResource[]): Set<PolicyResource> {
  return new Set(
    stack.flatMap((r) => {
      if (r.type === TYPES.ecsService && createdByApp(r.urn)) {
        return (r.propertyDependencies.networkConfiguration ?? []).filter((g) => g.type === TYPES.securityGroup);
      }
      return r.type === TYPES.securityGroup && createdInside(r.urn, COMPONENT_TYPES.awsColorService) ? [r] : [];
    }),
  );
}

export const colorTasksBehindLoadBalancer: StackValidationPolicy = {
  name: "color-tasks-behind-load-balancer",
  description:
    "Checks whether each color's tasks admit clients only from security groups (the load balancer's), never from an address range or prefix list, by any rule wherever registered, so nobody reaches a color around its route and its gate.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const deferrals = new Deferrals(AFTER_THE_UPDATE);
    for (const group of taskGroups(args.resources)) {
      for (const rule of effectiveRules(group, "ingress", args.resources)) {
        for (const what of rule.unknown) deferrals.add(what);
        const ranges = [...rule.cidrs, ...rule.prefixLists.map((id) => `prefix list ${id}`)];
        if (ranges.length === 0) continue;
        reportViolation(
          `Security group ${group.name} of a color's tasks must admit clients only through the load balancer (its security group): ${rule.shown} admits ${ranges.join(", ")}, ` +
            "so they reach the color around its route and its promotion gate. Remove the rule; users reach a color through the weighted route, its gate through the test listener. " +
            afterUpdate(`${rule.shown} already exists`, "remove it and run `pulumi up` again"),
          rule.holder === group ? group.urn : (rule.holder as PolicyResource).urn,
        );
      }
    }
    deferrals.settle();
  },
};

interface EgressRules {
  internetPorts: number[];
  allowStackExceptions: boolean;
}

/** Problems with one egress rule, each to follow "must"; undefined parts are judged at update. */
export function egressProblems(rule: EffectiveRule, config: EgressRules, excepted: boolean): string[] {
  const to = rule.cidrs.length > 0 ? rule.cidrs.join(", ") : "its destination";
  if (rule.protocol === "all") return [`name a protocol and ports: an egress rule allows every protocol to ${to}`];
  if (rule.fromPort === undefined || rule.toPort === undefined || rule.protocol === undefined) return [];
  if (rule.fromPort <= 0 && rule.toPort >= 65535) {
    return [`name its ports: an egress rule allows every ${rule.protocol} port to ${to}`];
  }
  const open = [...rule.cidrs.filter(admitsEveryone), ...rule.prefixLists.map((id) => `prefix list ${id}`)];
  const { fromPort: from, toPort: upTo } = rule;
  const allowed = new Set(config.internetPorts.filter((port) => from <= port && port <= upTo)).size;
  if (open.length === 0 || allowed === upTo - from + 1 || excepted) return [];
  const ports = from === upTo ? `port ${from}` : `ports ${from}-${upTo}`;
  return [
    `reach the internet only on ${config.internetPorts.join(", ")}: an egress rule opens ${rule.protocol} ${ports} to ${open.join(", ")}`,
  ];
}

export const securityGroupEgressScoped: ResourceValidationPolicy = {
  name: "security-group-egress-scoped",
  description:
    "Checks whether the app's security groups and egress rules (inline, SecurityGroupRule or SecurityGroupEgressRule) name a protocol and ports for each egress rule, and reach the internet only on allowed ports.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      internetPorts: {
        type: "array",
        items: { type: "integer", minimum: 1, maximum: 65535 },
        default: [443],
        description:
          "Ports the app's tasks may reach anywhere on (HTTPS: images, secrets, logs, the app's HTTPS calls).",
      },
      allowStackExceptions: ALLOW_STACK_EXCEPTIONS,
    },
  },
  validateResource: (args, reportViolation) => {
    const rules = heldRules(args, "egress");
    if (rules.length === 0) return;
    const config = configOf<EgressRules>(securityGroupEgressScoped.configSchema!, args.getConfig());
    const excepted = statedException(args.props, config.allowStackExceptions) !== undefined;
    const deferrals = new Deferrals(BEFORE_THE_RESOURCE);
    const group = args.type === TYPES.securityGroup;
    for (const rule of rules) {
      for (const what of rule.unknown) deferrals.add(what);
      for (const problem of egressProblems(rule, config, excepted)) {
        reportViolation(
          `Security group ${group ? "" : "rule "}${args.name} must ${problem}. The program opens HTTPS, the database port and the listed \`bluegreen:network.taskEgress\` rules (each with its reason); ` +
            "add a destination there, or extend this policy's internetPorts.",
        );
      }
    }
    deferrals.settle();
  },
};
