/**
 * AwsBlueGreen's Args as stack config sections, for the program's own
 * schema and rules. A reference given as text is checked as the stack file's
 * would be; one still being computed (the id of a VPC the user's program
 * creates) is the engine's to resolve, and stands for a well-formed value
 * here, so that the rules on the rest (a rule's priority and conditions, an
 * own listener's port) run the same. Pure.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AwsBlueGreenArgs } from "./awsArgs";
import type { SettingsArgs } from "./settings";

const ACCOUNT_REGION = "us-east-1:000000000000";

/** Well-formed stand-ins of references that are not known yet. */
export const PENDING_REFERENCES = {
  vpcId: "vpc-0",
  subnetId: "subnet-0",
  securityGroupId: "sg-0",
  loadBalancerArn: `arn:aws:elasticloadbalancing:${ACCOUNT_REGION}:loadbalancer/app/pending/0`,
  listenerArn: `arn:aws:elasticloadbalancing:${ACCOUNT_REGION}:listener/app/pending/0/0`,
  clusterArn: `arn:aws:ecs:${ACCOUNT_REGION}:cluster/pending`,
  dnsName: "pending",
} as const;

function reference(value: pulumi.Input<string>, pending: string): string {
  return typeof value === "string" ? value : pending;
}

export function awsSettings(args: AwsBlueGreenArgs): SettingsArgs {
  const { gateHeaders: _secret, network, loadBalancer: lb, clusterArn, listener, ...release } = args;
  return {
    ...release,
    listener: listener ?? {},
    network: {
      vpcId: reference(network.vpcId, PENDING_REFERENCES.vpcId),
      publicSubnetIds: network.publicSubnetIds.map((id) => reference(id, PENDING_REFERENCES.subnetId)),
      privateSubnetIds: network.privateSubnetIds.map((id) => reference(id, PENDING_REFERENCES.subnetId)),
      ...(network.taskEgress !== undefined ? { taskEgress: network.taskEgress } : {}),
    },
    ...(lb !== undefined
      ? {
          loadBalancer: {
            arn: reference(lb.arn, PENDING_REFERENCES.loadBalancerArn),
            securityGroupId: reference(lb.securityGroupId, PENDING_REFERENCES.securityGroupId),
            ...(lb.dnsName !== undefined ? { dnsName: reference(lb.dnsName, PENDING_REFERENCES.dnsName) } : {}),
            ...(lb.listenerArn !== undefined
              ? { listenerArn: reference(lb.listenerArn, PENDING_REFERENCES.listenerArn) }
              : {}),
            priority: lb.priority,
            hostHeaders: lb.hostHeaders,
            pathPatterns: lb.pathPatterns,
            port: lb.port,
          },
        }
      : {}),
    ...(clusterArn !== undefined ? { cluster: { arn: reference(clusterArn, PENDING_REFERENCES.clusterArn) } } : {}),
  };
}
