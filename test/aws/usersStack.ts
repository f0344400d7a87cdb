/**
 * A platform team's program: its own VPC, subnets, load balancer (with a
 * security group open to the world), target group and HTTPS listener whose
 * default action forwards to its own service, and the app added to them as
 * a blue/green release with `awsPlatform` and `existing` references that are
 * Outputs of those resources. Used by the AWS tests and the policy tests.
 */
import * as aws from "@pulumi/aws";
import { awsPlatform } from "../../components/aws";
import type { AwsConfig } from "../../components/aws/config";
import type { ExistingListenerRule, OwnListener } from "../../components/aws/infrastructure";
import { BlueGreenApp } from "../../components/blueGreenApp";
import { loadConfig } from "../../components/program";

export const USERS_HOST = "api.shop.example.com";
export const USERS_PRIORITY = 120;

/** The program: `listener` says how the app joins the user's load balancer. @default a rule on the user's listener */
export function usersProgram(listener: "rule" | OwnListener = "rule"): () => Record<string, unknown> {
  return () => {
    const config = loadConfig() as AwsConfig;
    const vpc = new aws.ec2.Vpc("shop-vpc", { cidrBlock: "10.20.0.0/16" });
    const subnets = (tier: string) =>
      [0, 1].map(
        (zone) =>
          new aws.ec2.Subnet(`shop-${tier}-${zone}`, {
            vpcId: vpc.id,
            cidrBlock: `10.20.${tier === "public" ? zone : 10 + zone}.0/24`,
          }).id,
      );
    const publicSubnetIds = subnets("public");
    const privateSubnetIds = subnets("private");
    const lbGroup = new aws.ec2.SecurityGroup("shop-lb-sg", {
      vpcId: vpc.id,
      ingress: [80, 443].map((port) => ({ protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: ["0.0.0.0/0"] })),
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
    });
    const alb = new aws.lb.LoadBalancer("shop-alb", {
      loadBalancerType: "application",
      subnets: publicSubnetIds,
      securityGroups: [lbGroup.id],
    });
    const web = new aws.lb.TargetGroup("shop-web-tg", { vpcId: vpc.id, port: 80, protocol: "HTTP", targetType: "ip" });
    const https = new aws.lb.Listener("shop-https", {
      loadBalancerArn: alb.arn,
      port: 80,
      protocol: "HTTP",
      defaultActions: [{ type: "forward", targetGroupArn: web.arn }],
    });
    const joined: ExistingListenerRule | OwnListener =
      listener === "rule" ? { listenerArn: https.arn, priority: USERS_PRIORITY, hostHeaders: [USERS_HOST] } : listener;
    const app = new BlueGreenApp(config.app.name, {
      config,
      platform: (scope) =>
        awsPlatform(config, scope, {
          network: { vpcId: vpc.id, publicSubnetIds, privateSubnetIds, vpcCidr: vpc.cidrBlock },
          loadBalancer: { arn: alb.arn, securityGroupId: lbGroup.id, dnsName: alb.dnsName, listener: joined },
        }),
    });
    return { url: app.url, weights: app.weights, resourceIds: app.ids };
  };
}

/** Inputs of a registration, loosely typed for assertions. */
export function inputsOf(resource: { readonly inputs: unknown }): Record<string, any> {
  return resource.inputs as Record<string, any>;
}
