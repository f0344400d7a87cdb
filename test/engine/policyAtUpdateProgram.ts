/**
 * The user's program of policyAtUpdate.test.ts, run by the real engine in the
 * test's project copy (copied to the same path there, so the import below
 * resolves in both places): a platform team's VPC, subnets, load balancer and
 * HTTP listener, the app added to them with the library's AwsBlueGreen on an
 * `existing` database, and, as the test asks through environment variables
 * (what a user would change in their program between runs):
 *
 * - `SHOP_VPC_CIDR=from-vpc-id`: the network's `vpcCidr` computed from the
 *   VPC's id, so unknown until the VPC is created, and `0.0.0.0/0` once known
 *   (the colors' tasks reach the existing database's port at `vpcCidr`).
 *   Otherwise the VPC's `cidrBlock`.
 * - `SHOP_QA_RULE`: the team's own listener rule `shop-qa-rule` on its
 *   listener (outside the component), for QA requests with `x-qa: 1`:
 *   - `swapped` / `matching`: forwards to both colors' target groups, their
 *     ARNs from the component's `resourceIds` output, blue 10 / green 90
 *     (the app's traffic swapped) or blue 90 / green 10 (as the app's);
 *     `dependsOn` the component, so it waits for the gates.
 *   - `green-only`, `green-only-excepted`, `green-only-gated`: all of it to
 *     green's target group by the plain ARN in `SHOP_GREEN_TG_ARN` (no
 *     dependency on anything of the app); with the reason tagged
 *     `bluegreen:security-exception`; or `dependsOn` the component.
 * - `SHOP_GATE_URL`: base URL of the stand-in app the gates probe
 *   (`<url>/blue/healthz`, `<url>/green/healthz`).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { AWS_TAGS } from "../../components/contracts/markers";
import { AwsBlueGreen } from "../../components/library";

/** The app's traffic: green's gate judges it for 10 %. */
export const SHOP_TRAFFIC = { blue: 90, green: 10 } as const;
export const QA_RULE = "shop-qa-rule";
export const QA_EXCEPTION = "QA reaches green by header before each release (INC-7)";

export type QaRule = "swapped" | "matching" | "green-only" | "green-only-excepted" | "green-only-gated";

export function shopProgram(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const vpc = new aws.ec2.Vpc("platform-vpc", { cidrBlock: "10.30.0.0/16" });
  const subnets = (tier: "public" | "private", offset: number) =>
    [0, 1].map(
      (zone) =>
        new aws.ec2.Subnet(`platform-${tier}-${zone}`, {
          vpcId: vpc.id,
          availabilityZone: `eu-west-1${"ab"[zone]}`,
          cidrBlock: `10.30.${offset + zone}.0/24`,
        }).id,
    );
  const publicSubnetIds = subnets("public", 0);
  const privateSubnetIds = subnets("private", 10);
  const albGroup = new aws.ec2.SecurityGroup("platform-alb-sg", {
    vpcId: vpc.id,
    ingress: [{ protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] }],
    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: [vpc.cidrBlock] }],
  });
  const alb = new aws.lb.LoadBalancer("platform-alb", {
    loadBalancerType: "application",
    subnets: publicSubnetIds,
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

  const gateUrl = env.SHOP_GATE_URL ?? "http://127.0.0.1:9/unset";
  const shop = new AwsBlueGreen("shop", {
    environment: "staging",
    app: { name: "shop", port: 8080, healthPath: "/healthz" },
    blue: { version: "2.3.0", image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:2.3.0" },
    green: { version: "2.4.0", image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:2.4.0" },
    traffic: { ...SHOP_TRAFFIC },
    database: { mode: "existing", identifier: "shop-db" },
    network: {
      vpcId: vpc.id,
      publicSubnetIds,
      privateSubnetIds,
      vpcCidr: env.SHOP_VPC_CIDR === "from-vpc-id" ? vpc.id.apply(() => "0.0.0.0/0") : vpc.cidrBlock,
    },
    loadBalancer: {
      arn: alb.arn,
      securityGroupId: albGroup.id,
      dnsName: alb.dnsName,
      listenerArn: http.arn,
      priority: 100,
      hostHeaders: ["shop.example.com"],
    },
    // Quick gates on the stand-in app (the test listeners are out of reach: no testIngressCidrs).
    gate: {
      targets: { blue: [`${gateUrl}/blue/healthz`], green: [`${gateUrl}/green/healthz`] },
      intervalMs: 50,
      consecutiveSuccesses: 2,
      failureThreshold: 2,
      requestTimeoutMs: 1000,
      p95LatencyMs: 800,
      deadlineSeconds: 30,
    },
  });

  const rule = env.SHOP_QA_RULE as QaRule | undefined;
  if (rule !== undefined) qaRule(rule, http, shop, env);
  return { url: shop.url, weights: shop.weights, resourceIds: shop.resourceIds };
}

/** The team's QA rule on its own listener, forwarding to the app's colors as `kind` says. */
function qaRule(kind: QaRule, listener: aws.lb.Listener, shop: AwsBlueGreen, env: NodeJS.ProcessEnv): void {
  const arnOf = (color: "blue" | "green") => shop.resourceIds.apply((ids) => ids[`${color}.targetGroupArn`]);
  const both = (blue: number, green: number) => [
    { arn: arnOf("blue"), weight: blue },
    { arn: arnOf("green"), weight: green },
  ];
  const greenArn = env.SHOP_GREEN_TG_ARN;
  if (kind.startsWith("green-only") && greenArn === undefined) throw new Error("SHOP_GREEN_TG_ARN is not set");
  const targetGroups: { arn: pulumi.Input<string>; weight: number }[] =
    kind === "swapped"
      ? both(SHOP_TRAFFIC.green, SHOP_TRAFFIC.blue)
      : kind === "matching"
        ? both(SHOP_TRAFFIC.blue, SHOP_TRAFFIC.green)
        : [{ arn: greenArn!, weight: 1 }];
  new aws.lb.ListenerRule(
    QA_RULE,
    {
      listenerArn: listener.arn,
      priority: 50,
      conditions: [{ httpHeader: { httpHeaderName: "x-qa", values: ["1"] } }],
      actions: [{ type: "forward", forward: { targetGroups } }],
      ...(kind === "green-only-excepted" ? { tags: { [AWS_TAGS.securityException]: QA_EXCEPTION } } : {}),
    },
    kind === "green-only" || kind === "green-only-excepted" ? {} : { dependsOn: [shop] },
  );
}
