/**
 * The aws keys that point the platform at the user's existing load balancer
 * and ECS cluster (`bluegreen:loadBalancer`, `bluegreen:cluster`), and the
 * rules that need more than one key. The VPC stays `bluegreen:network.vpcId`.
 */
import { z } from "zod";
import { ConfigIssue, fullKey } from "../config/issues";
import { ifReadable } from "../config/readable";
import { COLORS } from "../contracts/colors";

const ARN_HEAD = String.raw`arn:aws[\w-]*:`;
const ELB = String.raw`${ARN_HEAD}elasticloadbalancing:[\w-]+:\d{12}:`;

/** ALB caps a rule at 5 condition values in all (hosts and paths together). */
export const MAX_RULE_CONDITION_VALUES = 5;

const loadBalancerSchema = z
  .object({
    /** An existing application load balancer in `bluegreen:network.vpcId`. */
    arn: z
      .string()
      .regex(
        new RegExp(`^${ELB}loadbalancer/app/[\\w-]+/[0-9a-f]+$`),
        "must be an application load balancer ARN (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>)",
      ),
    /** The load balancer's security group: the tasks admit it. */
    securityGroupId: z.string().regex(/^sg-[0-9a-f]+$/, "must be a security group id (sg-...)"),
    /** The load balancer's DNS name, for the app's URL. @default looked up from `arn` */
    dnsName: z.string().min(1).optional(),
    /** A listener of that load balancer the app adds its own rule to (its default action is never changed). @default none: `port` */
    listenerArn: z
      .string()
      .regex(
        new RegExp(`^${ELB}listener/app/[\\w-]+/[0-9a-f]+/[0-9a-f]+$`),
        "must be a listener ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>)",
      )
      .optional(),
    /** The rule's priority on `listenerArn`, unique there; lower is evaluated first. @default none: required with `listenerArn` */
    priority: z.number().int().min(1).max(50_000).optional(),
    /** Host names the rule matches. @default [] */
    hostHeaders: z.array(z.string().min(1)).optional(),
    /** Path patterns the rule matches (`/shop/*`). @default [] */
    pathPatterns: z.array(z.string().regex(/^\//, "must start with '/'")).optional(),
    /** Or a listener of the app's own on this free port of the load balancer. @default none: `listenerArn` */
    port: z.number().int().min(1).max(65535).optional(),
  })
  .strict();

const clusterSchema = z
  .object({
    /** An existing ECS cluster: the colors' services and the migration task run there. */
    arn: z.string().regex(new RegExp(`^${ARN_HEAD}ecs:[\\w-]+:\\d{12}:cluster/[\\w-]+$`), "must be an ECS cluster ARN"),
  })
  .strict();

export const existingInfrastructureShape = {
  /** @default a load balancer the stack creates */
  loadBalancer: loadBalancerSchema.optional(),
  /** @default a cluster the stack creates */
  cluster: clusterSchema.optional(),
};

export type LoadBalancerConfig = z.infer<typeof loadBalancerSchema>;
export type ClusterConfig = z.infer<typeof clusterSchema>;

interface ExistingKeys {
  readonly loadBalancer?: LoadBalancerConfig;
  readonly network?: { readonly vpcId?: string };
  readonly listener?: { readonly testPorts: Readonly<Record<(typeof COLORS)[number], number>> };
}

const key = (field: string) => fullKey(["loadBalancer", field]);

type ExistingRule = (config: ExistingKeys) => ConfigIssue[];

/**
 * How the app is placed on a user's load balancer: one rule on a shared
 * listener, or one listener of its own. One verdict per rule, each reading
 * only what it judges.
 */
export const EXISTING_LOAD_BALANCER_RULES: readonly ExistingRule[] = [
  (config) =>
    config.loadBalancer !== undefined && config.network?.vpcId === undefined
      ? [
          {
            key: fullKey(["network", "vpcId"]),
            message:
              "is required with `bluegreen:loadBalancer`: the colors' target groups must be in the load balancer's VPC; set it and its subnet ids",
          },
        ]
      : [],
  (config) => {
    const lb = config.loadBalancer;
    if (lb === undefined) return [];
    const rule = lb.listenerArn !== undefined;
    if (rule !== (lb.port !== undefined)) return [];
    return [
      {
        key: key(rule ? "port" : "listenerArn"),
        message: rule
          ? "is set with `bluegreen:loadBalancer.listenerArn`: give one, a rule on that listener or a listener of the app's own on this port"
          : "or `bluegreen:loadBalancer.port` is required: a rule on an existing listener, or a listener of the app's own on a free port",
      },
    ];
  },
  (config) => (config.loadBalancer?.listenerArn !== undefined ? priorityIssues(config.loadBalancer) : []),
  (config) => (config.loadBalancer?.listenerArn !== undefined ? conditionIssues(config.loadBalancer) : []),
  ...(["priority", "hostHeaders", "pathPatterns"] as const).map(
    (field): ExistingRule =>
      (config) =>
        config.loadBalancer !== undefined &&
        config.loadBalancer.listenerArn === undefined &&
        config.loadBalancer[field] !== undefined
          ? [{ key: key(field), message: "is only used with `bluegreen:loadBalancer.listenerArn`; remove it" }]
          : [],
  ),
  (config) => {
    const lb = config.loadBalancer;
    if (lb === undefined || lb.listenerArn !== undefined || lb.port === undefined) return [];
    const taken = COLORS.filter((color) => ifReadable(() => config.listener?.testPorts[color]) === lb.port);
    if (taken.length === 0) return [];
    return [
      {
        key: key("port"),
        message: `is ${lb.port}, the port of \`bluegreen:listener.testPorts.${taken[0]}\` (a load balancer has one listener per port); choose another free port`,
      },
    ];
  },
];

/** Every existing-load-balancer rule's issues. */
export function existingLoadBalancerIssues(config: ExistingKeys): ConfigIssue[] {
  return EXISTING_LOAD_BALANCER_RULES.flatMap((rule) => rule(config));
}

/** A rule on a shared listener needs a priority of its own. */
function priorityIssues(lb: Pick<LoadBalancerConfig, "priority">): ConfigIssue[] {
  if (lb.priority !== undefined) return [];
  return [
    {
      key: key("priority"),
      message:
        "is required with `bluegreen:loadBalancer.listenerArn`: a number from 1 to 50000 that no other rule of that listener uses",
    },
  ];
}

/** A rule on a shared listener matches some hosts or paths, and no more than an ALB rule takes. */
function conditionIssues(lb: Pick<LoadBalancerConfig, "hostHeaders" | "pathPatterns">): ConfigIssue[] {
  const values = (lb.hostHeaders?.length ?? 0) + (lb.pathPatterns?.length ?? 0);
  if (values === 0) {
    return [
      {
        key: key("hostHeaders"),
        message:
          "or `bluegreen:loadBalancer.pathPatterns` must name at least one host or path: on a shared listener a rule without conditions would take every request from its other users",
      },
    ];
  }
  if (values <= MAX_RULE_CONDITION_VALUES) return [];
  return [
    {
      key: key("hostHeaders"),
      message: `and \`bluegreen:loadBalancer.pathPatterns\` name ${values} values; an ALB rule takes at most ${MAX_RULE_CONDITION_VALUES} in all. Use fewer, or wildcards (*.example.com, /shop/*)`,
    },
  ];
}
