/**
 * AwsBlueGreen's Args for the user's infrastructure (ids and ARNs, any
 * `pulumi.Input<string>`) and for the app's listeners, the stack config's
 * `bluegreen:network`, `bluegreen:loadBalancer` and `bluegreen:listener`
 * under the same field names.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { LoadBalancerReference } from "../aws/infrastructure";
import type { DatabaseArgs, ReleaseArgs } from "./args";

/** An outbound rule the tasks need beyond HTTPS and the database. */
export interface TaskEgressArgs {
  /** `tcp` or `udp`. @default "tcp" */
  readonly protocol?: string;
  readonly port: number;
  /** Last port of a range. @default port */
  readonly toPort?: number;
  readonly cidrBlocks: string[];
  /** Why the tasks need it (the rule's description). */
  readonly reason: string;
}

/** The user's VPC: at least two subnets of each kind, in different availability zones. */
export interface AwsNetworkArgs {
  readonly vpcId: pulumi.Input<string>;
  /** Subnets of a load balancer the component creates. */
  readonly publicSubnetIds: pulumi.Input<string>[];
  /** Subnets of the tasks and the migration task. */
  readonly privateSubnetIds: pulumi.Input<string>[];
  /** The VPC's CIDR (the load balancer reaches the tasks there). @default looked up from the VPC */
  readonly vpcCidr?: pulumi.Input<string>;
  /** @default [] */
  readonly taskEgress?: TaskEgressArgs[];
}

/**
 * The user's application load balancer: the app adds a rule to `listenerArn`, or a listener on `port`.
 * The fields and their docs are the platform's; an interface, not an alias, so the provider's schema keeps
 * this type's name.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- named for the schema, as said above
export interface AwsLoadBalancerArgs extends LoadBalancerReference {}

/** Per-color test listener ports, where the gate probes one color. */
export interface TestPortsArgs {
  /** @default 8081 */
  readonly blue?: number;
  /** @default 8082 */
  readonly green?: number;
}

/** Access logs of a load balancer the component creates. */
export interface AccessLogsArgs {
  /** @default true in production */
  readonly enabled?: boolean;
  /** @default a bucket the component creates */
  readonly bucket?: string;
  /** @default the app name */
  readonly prefix?: string;
}

/** The app's listeners (`bluegreen:listener` of a stack file). */
export interface AwsListenerArgs {
  /** ACM certificate of the app's own listener: HTTPS with it. @default none */
  readonly certificateArn?: string;
  /** @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
  readonly sslPolicy?: string;
  /** @default blue 8081, green 8082 */
  readonly testPorts?: TestPortsArgs;
  /** Who may reach the test listeners (the network `pulumi up` runs from). @default [] */
  readonly testIngressCidrs?: string[];
  /** Who may reach a load balancer the component creates. @default ["0.0.0.0/0"] */
  readonly ingressCidrs?: string[];
  /** @default true in production */
  readonly deletionProtection?: boolean;
  /** @default none */
  readonly accessLogs?: AccessLogsArgs;
  /** Why a production load balancer relaxes a secure default. @default none */
  readonly securityException?: string;
}

export interface AwsBlueGreenArgs extends ReleaseArgs {
  /** The user's VPC and subnets. */
  readonly network: AwsNetworkArgs;
  /** The user's application load balancer. @default one the component creates */
  readonly loadBalancer?: AwsLoadBalancerArgs;
  /** ARN of the user's ECS cluster. @default one the component creates */
  readonly clusterArn?: pulumi.Input<string>;
  /** The app's listeners: test ports, TLS, who may reach them. @default the defaults of `bluegreen:listener` */
  readonly listener?: AwsListenerArgs;
  /** The RDS instance snapshotted before each migration (required with `migration`). @default none */
  readonly database?: DatabaseArgs;
}
