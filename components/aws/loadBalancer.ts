/**
 * The application load balancer shared by both colors. The weighted production
 * listener is a separate component (`WeightedListener`) because it must wait
 * for the promotion gates; the per-color test listeners belong to each color.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { AWS_TAGS, ROUTE_KINDS } from "../contracts/markers";
import { childName } from "../naming";
import { childOptions } from "../options";

export interface LoadBalancerArgs {
  /** The app: marks the load balancer and its listeners as this app's (AWS_TAGS.app). */
  readonly app: string;
  readonly vpcId: pulumi.Input<string>;
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Who may reach the production listener. The config's default: ["0.0.0.0/0"]. */
  readonly ingressCidrs: string[];
  /** Ports of the per-color test listeners, reachable only from `testIngressCidrs`. */
  readonly testPorts: number[];
  readonly testIngressCidrs: string[];
  /** With a certificate the production listener is HTTPS on 443 and port 80 redirects. */
  readonly https: boolean;
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
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
      },
      parent,
    );
    const alb = new aws.lb.LoadBalancer(
      childName(name, "alb"),
      {
        loadBalancerType: "application",
        internal: false,
        subnets: args.publicSubnetIds,
        securityGroups: [securityGroup.id],
        dropInvalidHeaderFields: true,
        idleTimeout: 60,
        tags: { [AWS_TAGS.app]: args.app, [AWS_TAGS.testPorts]: args.testPorts.join(",") },
      },
      parent,
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
