/**
 * The user's existing AWS infrastructure the platform builds on instead of
 * creating its own: a VPC and subnets, an application load balancer (where
 * the app gets a listener rule on a shared listener, or a listener of its
 * own on a free port), an ECS cluster. The program fills it from the stack
 * config (`existingInfrastructureFrom`), the library from its Args; either
 * way `awsPlatform` receives this one structure. Nothing given: the platform
 * creates everything, as it always has.
 *
 * On a user's load balancer the app never touches an existing listener's
 * default action: users reach the app through its own rule or its own
 * listener only, and the per-color test listeners stay the app's own, on
 * `testPorts` (ECS attaches each color's target group through them before
 * its service starts, and the gate probes a color alone there).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AwsConfig, ListenerConfig } from "./config";

export interface ExistingNetwork {
  readonly vpcId: pulumi.Input<string>;
  /** Subnets of the load balancer when the platform creates it (unused on a user's load balancer). */
  readonly publicSubnetIds: pulumi.Input<string>[];
  /** Subnets of the tasks, the migration task and a database the platform creates. */
  readonly privateSubnetIds: pulumi.Input<string>[];
  /** The VPC's CIDR (the load balancer reaches the tasks there). @default looked up from the VPC */
  readonly vpcCidr?: pulumi.Input<string>;
}

/** The app's rule on a user's listener: it matches its hosts and/or paths, and forwards by weight. */
export interface ExistingListenerRule {
  readonly listenerArn: pulumi.Input<string>;
  /** 1..50000, unique on the listener; lower is evaluated first. */
  readonly priority: number;
  /** Host names the rule matches (at least one host or path on a shared listener). @default [] */
  readonly hostHeaders?: string[];
  /** Path patterns the rule matches. @default [] */
  readonly pathPatterns?: string[];
}

/** A listener of the app's own on a port of the user's load balancer that no other listener uses. */
export interface OwnListener {
  readonly port: number;
  /** ACM certificate: the listener is HTTPS with it. @default none: HTTP */
  readonly certificateArn?: string;
  /** TLS policy of an HTTPS listener. @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
  readonly sslPolicy?: string;
}

export interface ExistingLoadBalancer {
  readonly arn: pulumi.Input<string>;
  /** The load balancer's security group: the tasks admit it, test listener ingress is added to it. */
  readonly securityGroupId: pulumi.Input<string>;
  /** Its DNS name, for the app's URL. @default looked up from the load balancer */
  readonly dnsName?: pulumi.Input<string>;
  readonly listener: ExistingListenerRule | OwnListener;
}

export interface AwsExistingInfrastructure {
  /** An existing VPC and its subnets. @default a VPC the platform creates */
  readonly network?: ExistingNetwork;
  /** An existing application load balancer (in `network`'s VPC). @default one the platform creates */
  readonly loadBalancer?: ExistingLoadBalancer;
  /** An existing ECS cluster the services and the migration task run on. @default one the platform creates */
  readonly clusterArn?: pulumi.Input<string>;
}

export function isListenerRule(listener: ExistingListenerRule | OwnListener): listener is ExistingListenerRule {
  return "listenerArn" in listener;
}

/** An ALB rule condition, as `aws.lb.ListenerRule` takes it. */
export interface RuleCondition {
  readonly hostHeader?: { readonly values: string[] };
  readonly pathPattern?: { readonly values: string[] };
}

/**
 * The conditions of the app's rule: hosts and paths in one rule each (ALB
 * ANDs conditions, ORs the values of one). A shared listener with no
 * condition would send it every request: config validation refuses that.
 */
export function ruleConditions(rule: ExistingListenerRule): RuleCondition[] {
  const hosts = rule.hostHeaders ?? [];
  const paths = rule.pathPatterns ?? [];
  return [
    ...(hosts.length > 0 ? [{ hostHeader: { values: [...hosts] } }] : []),
    ...(paths.length > 0 ? [{ pathPattern: { values: [...paths] } }] : []),
  ];
}

/** A path pattern's fixed start (`/shop/*` → `/shop/`), for the app's URL; "" for none or `/*`. */
export function pathPrefix(patterns: readonly string[] | undefined): string {
  const first = patterns?.[0];
  if (first === undefined) return "";
  const prefix = first.split(/[*?]/)[0];
  return prefix === "/" ? "" : prefix;
}

/**
 * Where users reach the app: the rule's first host (else the load balancer's
 * name) and path, on the listener's scheme and port; the own listener's port.
 */
export function trafficUrl(
  where: { readonly https: boolean; readonly port: number; readonly host: string },
  paths?: readonly string[],
): string {
  const scheme = where.https ? "https" : "http";
  const defaultPort = where.https ? 443 : 80;
  return `${scheme}://${where.host}${where.port === defaultPort ? "" : `:${where.port}`}${pathPrefix(paths)}`;
}

/** The stack config's existing-infrastructure keys as the platform takes them; none set: nothing existing. */
export function existingInfrastructureFrom(
  config: Pick<AwsConfig, "network" | "listener" | "loadBalancer" | "cluster">,
): AwsExistingInfrastructure {
  const { network, loadBalancer, cluster } = config;
  return {
    ...(network.vpcId !== undefined
      ? {
          network: {
            vpcId: network.vpcId,
            publicSubnetIds: network.publicSubnetIds ?? [],
            privateSubnetIds: network.privateSubnetIds ?? [],
          },
        }
      : {}),
    ...(loadBalancer !== undefined ? { loadBalancer: existingLoadBalancer(loadBalancer, config.listener) } : {}),
    ...(cluster !== undefined ? { clusterArn: cluster.arn } : {}),
  };
}

/**
 * The user's application load balancer: the app adds a rule to `listenerArn`, or a listener on `port`.
 * The stack file's `bluegreen:loadBalancer` and the library's `AwsLoadBalancerArgs` name it.
 */
export interface LoadBalancerReference {
  readonly arn: pulumi.Input<string>;
  /** Its security group: the tasks admit it. */
  readonly securityGroupId: pulumi.Input<string>;
  /** Its DNS name, for the app's URL. @default looked up from `arn` */
  readonly dnsName?: pulumi.Input<string>;
  /** A listener the app adds its own rule to; its default action is never changed. @default none: `port` */
  readonly listenerArn?: pulumi.Input<string>;
  /** The rule's priority, unique on the listener (1-50000). @default none: required with `listenerArn` */
  readonly priority?: number;
  /** Host names the rule matches. @default [] */
  readonly hostHeaders?: string[];
  /** Path patterns the rule matches (`/shop/*`). @default [] */
  readonly pathPatterns?: string[];
  /** Or a listener of the app's own on this free port. @default none: `listenerArn` */
  readonly port?: number;
}

/**
 * The reference as the platform takes it: a rule on `listenerArn`, or a listener of the app's own on `port`
 * with the validated `listener` settings (its TLS policy defaulted). The config rules ran before: a rule has
 * its priority, an own listener its port (existingConfig.ts).
 */
export function existingLoadBalancer(
  reference: LoadBalancerReference,
  listener: Pick<ListenerConfig, "certificateArn" | "sslPolicy">,
): ExistingLoadBalancer {
  return {
    arn: reference.arn,
    securityGroupId: reference.securityGroupId,
    ...(reference.dnsName !== undefined ? { dnsName: reference.dnsName } : {}),
    listener:
      reference.listenerArn !== undefined
        ? {
            listenerArn: reference.listenerArn,
            priority: reference.priority!,
            hostHeaders: reference.hostHeaders,
            pathPatterns: reference.pathPatterns,
          }
        : {
            port: reference.port!,
            ...(listener.certificateArn !== undefined ? { certificateArn: listener.certificateArn } : {}),
            sslPolicy: listener.sslPolicy,
          },
  };
}
