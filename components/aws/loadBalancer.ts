/**
 * The application load balancer shared by both colors. The weighted production
 * listener is a separate component (`WeightedListener`) because it must wait
 * for the promotion gates; the per-color test listeners belong to each color.
 * It drops invalid header fields (request smuggling), and in production
 * refuses deletion and writes access logs (LoadBalancerSettings). Its only
 * egress is to the tasks' port inside the VPC: targets and health checks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { AWS_TAGS, ROUTE_KINDS } from "../contracts/markers";
import { childName } from "../naming";
import { childOptions } from "../options";
import { accessLogsBucket } from "./accessLogs";
import type { LoadBalancerSettings } from "./config";
import { exceptionTags } from "./tags";

export interface LoadBalancerArgs {
  /** The app: marks the load balancer and its listeners as this app's (AWS_TAGS.app). */
  readonly app: string;
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's CIDR: the load balancer reaches the tasks there, on `appPort`. */
  readonly vpcCidr: pulumi.Input<string>;
  readonly appPort: number;
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Who may reach the production listener. The config's default: ["0.0.0.0/0"]. */
  readonly ingressCidrs: string[];
  /** Ports of the per-color test listeners, reachable only from `testIngressCidrs`. */
  readonly testPorts: number[];
  readonly testIngressCidrs: string[];
  /** With a certificate the production listener is HTTPS on 443 and port 80 redirects. */
  readonly https: boolean;
  /** Deletion protection, access logs and the stated reason for relaxing them (loadBalancerSettings). */
  readonly settings: LoadBalancerSettings;
}

export class LoadBalancer extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  readonly dnsName: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsLoadBalancer, name, {}, opts);
    const parent = childOptions(this, opts.dependsOn);
    const productionPorts = args.https ? [80, 443] : [80];
    const securityGroup = new aws.ec2.SecurityGroup(
      childName(name, "sg"),
      {
        vpcId: args.vpcId,
        description: "bluegreen load balancer",
        ingress: [
          ...productionPorts.map((port) => ({
            protocol: "tcp",
            fromPort: port,
            toPort: port,
            cidrBlocks: args.ingressCidrs,
          })),
          ...(args.testIngressCidrs.length === 0
            ? []
            : args.testPorts.map((port) => ({
                protocol: "tcp",
                fromPort: port,
                toPort: port,
                cidrBlocks: args.testIngressCidrs,
              }))),
        ],
        egress: [
          {
            protocol: "tcp",
            fromPort: args.appPort,
            toPort: args.appPort,
            cidrBlocks: [args.vpcCidr],
            description: "the colors' tasks: requests and health checks",
          },
        ],
        tags: { [AWS_TAGS.app]: args.app },
      },
      parent,
    );
    const { accessLogs } = args.settings;
    const createdLogs =
      accessLogs && accessLogs.bucket === undefined
        ? accessLogsBucket(childName(name, "logs"), { app: args.app, prefix: accessLogs.prefix }, this, opts.dependsOn)
        : undefined;
    const alb = new aws.lb.LoadBalancer(
      childName(name, "alb"),
      {
        loadBalancerType: "application",
        internal: false,
        subnets: args.publicSubnetIds,
        securityGroups: [securityGroup.id],
        dropInvalidHeaderFields: true,
        idleTimeout: 60,
        enableDeletionProtection: args.settings.deletionProtection,
        ...(accessLogs
          ? {
              accessLogs: {
                enabled: true,
                bucket: createdLogs?.bucket ?? accessLogs.bucket!,
                prefix: accessLogs.prefix,
              },
            }
          : {}),
        tags: {
          [AWS_TAGS.app]: args.app,
          [AWS_TAGS.testPorts]: args.testPorts.join(","),
          ...exceptionTags(args.settings.securityException),
        },
      },
      // ELB checks that it may write to the bucket when access logs are turned on.
      childOptions(this, [opts.dependsOn, ...(createdLogs ? [createdLogs.ready] : [])]),
    );
    if (args.https) {
      new aws.lb.Listener(
        childName(name, "http-redirect"),
        {
          loadBalancerArn: alb.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
          tags: { [AWS_TAGS.app]: args.app, [AWS_TAGS.route]: ROUTE_KINDS.redirect },
        },
        parent,
      );
    }
    this.arn = alb.arn;
    this.dnsName = alb.dnsName;
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({ arn: this.arn, dnsName: this.dnsName, securityGroupId: this.securityGroupId });
  }
}
