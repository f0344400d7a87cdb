/**
 * AwsBlueGreen: the release on ECS Fargate in the user's VPC, behind the
 * user's application load balancer (its own rule on a listener there, or a
 * listener of its own on a free port; an existing listener's default action
 * is never changed), on the user's ECS cluster or one it creates.
 */
import * as pulumi from "@pulumi/pulumi";
import { awsPlatform } from "../aws";
import type { AwsConfig } from "../aws/config";
import { AwsExistingInfrastructure, existingLoadBalancer } from "../aws/infrastructure";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { awsSettings } from "./awsSettings";
import type { AwsBlueGreenArgs } from "./awsArgs";
import { engineConfig, releaseOutputs, startRelease } from "./release";
import { libraryConfig } from "./settings";

/** What `args` names of the user's infrastructure, as the aws platform takes it (`listener`: the validated settings). */
export function existingInfrastructure(
  args: AwsBlueGreenArgs,
  listener: Pick<AwsConfig["listener"], "certificateArn" | "sslPolicy">,
): AwsExistingInfrastructure {
  const { network, loadBalancer } = args;
  return {
    network: {
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      privateSubnetIds: network.privateSubnetIds,
      ...(network.vpcCidr !== undefined ? { vpcCidr: network.vpcCidr } : {}),
    },
    ...(loadBalancer !== undefined ? { loadBalancer: existingLoadBalancer(loadBalancer, listener) } : {}),
    ...(args.clusterArn !== undefined ? { clusterArn: args.clusterArn } : {}),
  };
}

/** A blue/green release on ECS Fargate in the user's VPC and load balancer: see docs/library.md. */
export class AwsBlueGreen extends pulumi.ComponentResource {
  /** Where users reach the app: the app's rule or listener on the load balancer. */
  declare readonly url: pulumi.Output<string>;
  /** The color with the larger weight (blue on a tie). */
  declare readonly primaryColor: pulumi.Output<string>;
  /** Relative weights by color. */
  declare readonly weights: pulumi.Output<{ [color: string]: number }>;
  /** Shares by color that sum to exactly 100. */
  declare readonly trafficPercent: pulumi.Output<{ [color: string]: number }>;
  /** Version of each color. */
  declare readonly versions: pulumi.Output<{ [color: string]: string }>;
  /** The pre-migration snapshot of the configured migration. */
  declare readonly snapshotId: pulumi.Output<string | undefined>;
  /** "passed" or "skipped", by color. */
  declare readonly gateVerdicts: pulumi.Output<{ [color: string]: string }>;
  /** Where each color alone answers (its test listener), as its gate probes it. */
  declare readonly probeUrls: pulumi.Output<{ [color: string]: string }>;
  /** Target group, service, listener and rule ARNs. */
  declare readonly resourceIds: pulumi.Output<{ [key: string]: string }>;

  constructor(name: string, args: AwsBlueGreenArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validated before registering anything: invalid Args leave no half-built component behind.
    const config = libraryConfig("AwsBlueGreen", name, "aws", awsSettings(args), engineConfig()) as AwsConfig;
    super(COMPONENT_TYPES.awsBlueGreen, name, {}, opts);
    const existing = existingInfrastructure(args, config.listener);
    const app = startRelease(name, config, (scope) => awsPlatform(config, scope, existing), args.gateHeaders, {
      parent: this,
    });
    // The fields are declared above for the schema; their values are the release's outputs.
    const outputs = releaseOutputs(app);
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
}
