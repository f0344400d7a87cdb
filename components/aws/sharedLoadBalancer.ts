/**
 * The app on a user's application load balancer: what the platform reads
 * from it (DNS name, a shared listener's scheme and port, for the app's URL)
 * and the only things it adds besides its listeners and rule: ingress rules
 * of its own on the load balancer's security group for the per-color test
 * ports, from `testIngressCidrs` only, so the gate can reach each color.
 * The group's other rules stay the user's.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Color, COLORS } from "../contracts/colors";
import { AWS_TAGS, ROUTE_KINDS } from "../contracts/markers";
import { childName } from "../naming";
import { ExistingLoadBalancer, isListenerRule, ruleConditions, trafficUrl } from "./infrastructure";
import type { ListenerRulePlacement } from "./weightedListener";
import { ruleDescription } from "./tags";

/** What the colors and the route need from a load balancer, created or the user's. */
export interface LoadBalancerRefs {
  readonly arn: pulumi.Output<string>;
  readonly dnsName: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
}

export interface UsersLoadBalancerArgs {
  readonly app: string;
  readonly existing: ExistingLoadBalancer;
  readonly testPorts: Readonly<Record<Color, number>>;
  readonly testIngressCidrs: readonly string[];
}

export function usersLoadBalancer(
  name: string,
  args: UsersLoadBalancerArgs,
  opts: pulumi.CustomResourceOptions,
): LoadBalancerRefs {
  const { existing } = args;
  const dnsName =
    existing.dnsName !== undefined
      ? pulumi.output(existing.dnsName)
      : aws.lb.getLoadBalancerOutput({ arn: existing.arn }, { parent: opts.parent }).dnsName;
  for (const color of COLORS) {
    const port = args.testPorts[color];
    args.testIngressCidrs.forEach(
      (cidr, index) =>
        new aws.vpc.SecurityGroupIngressRule(
          childName(name, `${color}-test-ingress-${index}`),
          {
            securityGroupId: existing.securityGroupId,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            cidrIpv4: cidr,
            description: ruleDescription(`bluegreen ${args.app}: ${color} test listener, the gate's probes`),
            tags: { [AWS_TAGS.app]: args.app, [AWS_TAGS.route]: ROUTE_KINDS.direct },
          },
          opts,
        ),
    );
  }
  return { arn: pulumi.output(existing.arn), dnsName, securityGroupId: pulumi.output(existing.securityGroupId) };
}

/** The app's rule on the user's listener, its URL from the listener's scheme and port; undefined for an own listener. */
export function rulePlacement(
  existing: ExistingLoadBalancer,
  dnsName: pulumi.Output<string>,
  parent: pulumi.Resource | undefined,
): ListenerRulePlacement | undefined {
  const { listener } = existing;
  if (!isListenerRule(listener)) return undefined;
  const shared = aws.lb.getListenerOutput({ arn: listener.listenerArn }, { parent });
  const url = pulumi
    .all([shared.protocol, shared.port, dnsName])
    .apply(([protocol, port, host]) =>
      trafficUrl(
        { https: protocol === "HTTPS", port, host: listener.hostHeaders?.find((h) => !/[*?]/.test(h)) ?? host },
        listener.pathPatterns,
      ),
    );
  return { listenerArn: listener.listenerArn, priority: listener.priority, conditions: ruleConditions(listener), url };
}
