/**
 * Network rules (aws): who reaches what. Test listeners never open to the
 * internet in production, the app's security groups send out only what they
 * must, and the databases the stack owns admit the app's tasks and nobody
 * else.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { admitsEveryone } from "./contracts/cidrs";
import { AWS_TAGS, ROUTE_KINDS } from "./contracts/markers";
import { ALLOW_STACK_EXCEPTIONS, statedException } from "./exceptions";
import { known } from "./routes";
import { TYPES, configOf } from "./shared";
import { createdByApp } from "./structure";

/** The address ranges of a security group rule (inline or its own resource), as far as they are known. */
function cidrsOf(rule: Record<string, any>): string[] {
  const lists = ["cidrBlocks", "ipv6CidrBlocks"].flatMap((key) => (known(() => rule[key]) as unknown[]) ?? []);
  const singles = ["cidrIpv4", "cidrIpv6"].map((key) => known(() => rule[key]));
  return [...lists, ...singles].filter((cidr): cidr is string => typeof cidr === "string");
}

/** True when a rule covers `port` (all protocols, or a TCP range that holds it). */
function covers(rule: Record<string, any>, port: number): boolean {
  const protocol = String(known(() => rule.protocol ?? rule.ipProtocol));
  if (protocol === "-1" || protocol === "all") return true;
  return Number(known(() => rule.fromPort)) <= port && port <= Number(known(() => rule.toPort));
}

function dependenciesOf(resource: PolicyResource, property: string, type: string): PolicyResource[] {
  return (resource.propertyDependencies[property] ?? []).filter((r) => r.type === type);
}

export const testListenersNotPublic: StackValidationPolicy = {
  name: "test-listeners-not-public",
  description:
    "Checks whether the per-color test listeners of the app's load balancers admit no address range that holds everyone, in production.",
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
    for (const listener of args.resources.filter((r) => r.type === TYPES.listener && createdByApp(r.urn))) {
      const loadBalancer = dependenciesOf(listener, "loadBalancerArn", TYPES.loadBalancer)[0];
      const port = Number(known(() => listener.props.port));
      if (loadBalancer === undefined || !Number.isInteger(port)) continue;
      const testPorts = String(known(() => loadBalancer.props.tags?.[AWS_TAGS.testPorts]) ?? "").split(",");
      const direct = known(() => listener.props.tags?.[AWS_TAGS.route]) === ROUTE_KINDS.direct;
      if (!direct && !testPorts.includes(String(port))) continue;
      const open = dependenciesOf(loadBalancer, "securityGroups", TYPES.securityGroup).flatMap((group) =>
        ((known(() => group.props.ingress) as any[]) ?? [])
          .filter((rule) => covers(rule, port))
          .flatMap(cidrsOf)
          .filter(admitsEveryone),
      );
      if (open.length === 0) continue;
      reportViolation(
        `Test listener ${listener.name} must not be open to the internet in production: port ${port} admits ${[...new Set(open)].join(", ")}, ` +
          "so a candidate color answers everyone before its gate passes. List only your deploy runners in `bluegreen:listener.testIngressCidrs` " +
          "(or leave it empty and probe through `bluegreen:gate.targets`).",
        listener.urn,
      );
    }
  },
};

interface EgressRules {
  internetPorts: number[];
  allowStackExceptions: boolean;
}

/** Problems with one egress rule, each to follow "must". */
export function egressProblems(rule: Record<string, any>, config: EgressRules, excepted: boolean): string[] {
  const protocol = String(known(() => rule.protocol ?? rule.ipProtocol));
  if (protocol === "-1" || protocol === "all") {
    return ["name a protocol and ports: an egress rule allows every protocol to " + describe(rule)];
  }
  const from = Number(known(() => rule.fromPort));
  const to = Number(known(() => rule.toPort));
  if (from <= 0 && to >= 65535)
    return [`name its ports: an egress rule allows every ${protocol} port to ${describe(rule)}`];
  const everyone = cidrsOf(rule).filter(admitsEveryone);
  const allowed = new Set(config.internetPorts.filter((port) => from <= port && port <= to)).size;
  if (everyone.length === 0 || allowed === to - from + 1 || excepted) return [];
  const ports = from === to ? `port ${from}` : `ports ${from}-${to}`;
  return [
    `reach the internet only on ${config.internetPorts.join(", ")}: an egress rule opens ${protocol} ${ports} to ${everyone.join(", ")}`,
  ];
}

function describe(rule: Record<string, any>): string {
  const cidrs = cidrsOf(rule);
  return cidrs.length > 0 ? cidrs.join(", ") : "its destination";
}

export const securityGroupEgressScoped: ResourceValidationPolicy = {
  name: "security-group-egress-scoped",
  description:
    "Checks whether the app's security groups name a protocol and ports for each egress rule, and reach the internet only on allowed ports.",
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
    const group = args.type === TYPES.securityGroup;
    if (!group && args.type !== TYPES.securityGroupEgressRule) return;
    const config = configOf<EgressRules>(securityGroupEgressScoped.configSchema!, args.getConfig());
    const excepted = statedException(args.props, config.allowStackExceptions) !== undefined;
    const rules: any[] = group ? ((known(() => args.props.egress) as any[]) ?? []) : [args.props];
    for (const rule of rules) {
      for (const problem of egressProblems(rule, config, excepted)) {
        reportViolation(
          `Security group ${group ? "" : "rule "}${args.name} must ${problem}. The program opens HTTPS, the database port and the listed \`bluegreen:network.taskEgress\` rules (each with its reason); ` +
            "add a destination there, or extend this policy's internetPorts.",
        );
      }
    }
  },
};

/** The security groups of the app's ECS services and migration runs: the only clients a database admits. */
function clientGroups(resources: readonly PolicyResource[]): Set<PolicyResource> {
  return new Set(
    resources.flatMap((r) => {
      if (r.type === TYPES.ecsService) return dependenciesOf(r, "networkConfiguration", TYPES.securityGroup);
      if (r.type === TYPES.ecsMigration) return dependenciesOf(r, "securityGroupIds", TYPES.securityGroup);
      return [];
    }),
  );
}

/** Who a security group admits: its inline rules, and the rule resources that target it. */
function admitted(
  group: PolicyResource,
  resources: readonly PolicyResource[],
): { cidrs: string[]; groups: PolicyResource[] } {
  const inline: any[] = (known(() => group.props.ingress) as any[]) ?? [];
  const separate = resources.filter(
    (r) =>
      (r.type === TYPES.securityGroupIngressRule ||
        (r.type === TYPES.securityGroupRule && known(() => r.props.type) === "ingress")) &&
      (r.propertyDependencies.securityGroupId ?? []).includes(group),
  );
  return {
    cidrs: [...inline.flatMap(cidrsOf), ...separate.flatMap((r) => cidrsOf(r.props))],
    groups: [
      ...dependenciesOf(group, "ingress", TYPES.securityGroup),
      ...separate.flatMap((r) => [
        ...dependenciesOf(r, "referencedSecurityGroupId", TYPES.securityGroup),
        ...dependenciesOf(r, "sourceSecurityGroupId", TYPES.securityGroup),
      ]),
    ],
  };
}

export const databaseIngressFromApp: StackValidationPolicy = {
  name: "database-ingress-from-app",
  description:
    "Checks whether the RDS instances the stack creates or restores sit in security groups that admit only the app's ECS tasks and migration task, never an address range.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedCidrs: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Address ranges a database may admit besides the app's tasks (e.g. a bastion's subnet).",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { allowedCidrs } = configOf<{ allowedCidrs: string[] }>(
      databaseIngressFromApp.configSchema!,
      args.getConfig(),
    );
    const clients = clientGroups(args.resources);
    const fix =
      "The program admits each client by its own rule (components/aws/taskNetwork.ts); give another client its own security group and rule, or list its range in this policy's allowedCidrs.";
    const judged = new Set<PolicyResource>();
    for (const instance of args.resources.filter((r) => r.type === TYPES.rdsInstance && createdByApp(r.urn))) {
      const groups = dependenciesOf(instance, "vpcSecurityGroupIds", TYPES.securityGroup);
      if (groups.length === 0) {
        reportViolation(
          `RDS instance ${instance.name} must sit in a security group of this stack that admits only the app's tasks: vpcSecurityGroupIds names none, so RDS uses groups whose rules this stack does not control. ${fix}`,
          instance.urn,
        );
      }
      for (const group of groups.filter((g) => !judged.has(g))) {
        judged.add(group);
        const { cidrs, groups: sources } = admitted(group, args.resources);
        const ranges = [...new Set(cidrs)].filter((cidr) => !allowedCidrs.includes(cidr));
        const strangers = [...new Set(sources)].filter((source) => source !== group && !clients.has(source));
        if (ranges.length > 0) {
          reportViolation(
            `Security group ${group.name} of RDS instance ${instance.name} must admit only the app's tasks and migration task: it admits ${ranges.join(", ")}, so anything in that range reaches the database. ${fix}`,
            group.urn,
          );
        }
        if (strangers.length > 0) {
          reportViolation(
            `Security group ${group.name} of RDS instance ${instance.name} must admit only the app's tasks and migration task: it admits ${strangers.map((s) => `security group ${s.name}`).join(", ")}, which no ECS service or migration run of the app uses. ${fix}`,
            group.urn,
          );
        }
      }
    }
  },
};
