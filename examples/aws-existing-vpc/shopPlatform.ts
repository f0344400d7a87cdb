/**
 * A platform team's program: its own VPC with two public and two private
 * subnets, an application load balancer and an HTTP listener whose default
 * action is a fixed 404 for requests no service claims. The shop is added to
 * them as a blue/green release: one listener rule for its host on that
 * listener, its colors in the private subnets.
 */
import * as aws from "@pulumi/aws";
// In your program: import { AwsBlueGreen } from "bluegreen";
import { AwsBlueGreen } from "../../components/library";

/** The listener rule's place among the listener's other rules; lower is evaluated first. */
export const SHOP_PRIORITY = 100;
export const SHOP_HOST = "shop.example.com";

export function shopPlatform() {
  const vpc = new aws.ec2.Vpc("platform-vpc", { cidrBlock: "10.30.0.0/16", enableDnsHostnames: true });
  const zones = ["eu-west-1a", "eu-west-1b"];
  const subnets = (tier: "public" | "private", offset: number) =>
    zones.map(
      (zone, index) =>
        new aws.ec2.Subnet(`platform-${tier}-${index}`, {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: `10.30.${offset + index}.0/24`,
          mapPublicIpOnLaunch: tier === "public",
        }),
    );
  const publicSubnets = subnets("public", 0);
  const privateSubnets = subnets("private", 10);

  const albGroup = new aws.ec2.SecurityGroup("platform-alb-sg", {
    vpcId: vpc.id,
    ingress: [{ protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] }],
    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: [vpc.cidrBlock] }],
  });
  const alb = new aws.lb.LoadBalancer("platform-alb", {
    loadBalancerType: "application",
    subnets: publicSubnets.map((subnet) => subnet.id),
    securityGroups: [albGroup.id],
  });
  const http = new aws.lb.Listener("platform-http", {
    loadBalancerArn: alb.arn,
    port: 80,
    protocol: "HTTP",
    defaultActions: [
      {
        type: "fixed-response",
        fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "no such service" },
      },
    ],
  });

  const shop = new AwsBlueGreen("shop", {
    environment: "staging",
    app: { name: "shop", port: 8080, healthPath: "/healthz" },
    blue: { version: "2.3.0", image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:2.3.0" },
    green: { version: "2.4.0", image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:2.4.0" },
    // A release: raise green's weight and run `pulumi up`; green's gate probes it on its test listener first.
    traffic: { blue: 90, green: 10 },
    network: {
      vpcId: vpc.id,
      publicSubnetIds: publicSubnets.map((subnet) => subnet.id),
      privateSubnetIds: privateSubnets.map((subnet) => subnet.id),
      vpcCidr: vpc.cidrBlock,
    },
    loadBalancer: {
      arn: alb.arn,
      securityGroupId: albGroup.id,
      dnsName: alb.dnsName,
      listenerArn: http.arn,
      priority: SHOP_PRIORITY,
      hostHeaders: [SHOP_HOST],
    },
    // Where `pulumi up` (and so the gate) runs from: it probes each color on its test port.
    listener: { testIngressCidrs: ["10.30.0.0/16"] },
  });

  return {
    url: shop.url,
    primaryColor: shop.primaryColor,
    weights: shop.weights,
    trafficPercent: shop.trafficPercent,
    versions: shop.versions,
    gateVerdicts: shop.gateVerdicts,
    probeUrls: shop.probeUrls,
    resourceIds: shop.resourceIds,
  };
}
