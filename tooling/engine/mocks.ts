/**
 * Deterministic fake cloud values for running the program without a cloud:
 * every resource gets a stable, realistic id and the outputs its provider
 * would compute (ARNs, DNS names, auto-names), so the same config always
 * yields the same plan, byte for byte.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";

const ACCOUNT = "123456789012";

function arn(service: string, region: string, resource: string): string {
  return `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;
}

/** A short stable hash: the same name always maps to the same suffix. */
export function stableSuffix(text: string, length = 8): string {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash.toString(16).padStart(8, "0").slice(0, length);
}

type State = Record<string, unknown>;

/** Outputs a provider computes for each resource type the program uses. */
function computedOutputs(type: string, name: string, inputs: State, region: string): State {
  const suffix = stableSuffix(`${type}/${name}`);
  const autoName = `${name}-${suffix.slice(0, 7)}`;
  switch (type) {
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        arn: arn("elasticloadbalancing", region, `loadbalancer/app/${autoName}/${suffix}`),
        dnsName: `${autoName}-${suffix}.${region}.elb.amazonaws.com`,
        name: autoName,
      };
    case "aws:lb/targetGroup:TargetGroup":
      return {
        arn: arn("elasticloadbalancing", region, `targetgroup/${autoName.slice(0, 32)}/${suffix}`),
        name: autoName,
      };
    case "aws:lb/listener:Listener":
      return { arn: arn("elasticloadbalancing", region, `listener/app/${name}/${suffix}`) };
    case "aws:ecs/cluster:Cluster":
      return { arn: arn("ecs", region, `cluster/${autoName}`), name: autoName };
    case "aws:ecs/service:Service":
      return { id: arn("ecs", region, `service/${autoName}`), name: autoName };
    case "aws:ecs/taskDefinition:TaskDefinition":
      return { arn: arn("ecs", region, `task-definition/${inputs.family ?? autoName}:1`), revision: 1 };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${autoName}`, name: autoName };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: arn("logs", region, `log-group:${autoName}`), name: autoName };
    case "aws:ec2/vpc:Vpc":
      return { id: `vpc-${suffix}`, arn: arn("ec2", region, `vpc/vpc-${suffix}`) };
    case "aws:ec2/subnet:Subnet":
      return { id: `subnet-${suffix}` };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: `sg-${suffix}`, arn: arn("ec2", region, `security-group/sg-${suffix}`) };
    case "aws:rds/snapshot:Snapshot":
      return { dbSnapshotArn: arn("rds", region, `snapshot:${inputs.dbSnapshotIdentifier}`), status: "available" };
    case "aws:rds/clusterSnapshot:ClusterSnapshot":
      return {
        dbClusterSnapshotArn: arn("rds", region, `cluster-snapshot:${inputs.dbClusterSnapshotIdentifier}`),
        status: "available",
      };
    case "aws:rds/instance:Instance":
      return {
        arn: arn("rds", region, `db:${inputs.identifier}`),
        endpoint: `${inputs.identifier}.${suffix}.${region}.rds.amazonaws.com:5432`,
      };
    case "aws:rds/subnetGroup:SubnetGroup":
      return { name: autoName };
    case "aws:s3/bucket:Bucket": {
      // Bucket names are global and lowercase; the provider auto-names from the resource name.
      const bucket = autoName.toLowerCase();
      return { id: bucket, bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      return { id: `sgr-${suffix}`, securityGroupRuleId: `sgr-${suffix}` };
    case "docker:index/remoteImage:RemoteImage":
      return { imageId: `sha256:${suffix.repeat(8)}`, repoDigest: `${inputs.name}@sha256:${suffix.repeat(8)}` };
    case "docker:index/container:Container":
      return { id: suffix.repeat(8) };
    case "docker:index/network:Network":
      // Docker's first user-defined bridge network (keys in the order the engine's state gives them back).
      return { id: suffix.repeat(8), ipamConfigs: [{ gateway: "172.18.0.1", subnet: "172.18.0.0/16" }] };
    case DYNAMIC_TYPES.postgresPassword.token:
      // What the provider generates on create (it never runs offline); visibly fake.
      return {
        password: `FakePassword${suffix}${suffix}${suffix}`,
        scramVerifier: `SCRAM-SHA-256$4096:RkFLRQ==$RkFLRS1${suffix}:RkFLRS1${suffix}`,
      };
    default:
      return {};
  }
}

/** What a provider would give a new resource: its id and its whole state (inputs plus computed outputs). */
export function fakeResource(type: string, name: string, inputs: State, region: string): { id: string; state: State } {
  const computed = computedOutputs(type, name, inputs, region);
  const id = typeof computed.id === "string" ? computed.id : `${name}-${stableSuffix(`${type}/${name}`)}`;
  return { id, state: { ...inputs, ...computed } };
}

/** What a provider function (invoke) would answer. */
export function fakeInvoke(token: string, inputs: State, region: string): State {
  switch (token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: ["a", "b", "c", "d"].map((zone) => `${region}${zone}`), zoneIds: [] };
    case "aws:ec2/getVpc:getVpc":
      return { id: inputs.id, cidrBlock: "10.0.0.0/16" };
    case "aws:lb/getLoadBalancer:getLoadBalancer": {
      // An existing load balancer (bluegreen:loadBalancer.arn): its DNS name from the name and id in its ARN.
      const [, lbName, lbId] = /loadbalancer\/app\/([^/]+)\/([^/]+)$/.exec(String(inputs.arn)) ?? [];
      return { arn: inputs.arn, dnsName: `${lbName}-${lbId}.${region}.elb.amazonaws.com` };
    }
    case "aws:lb/getListener:getListener":
      // An existing shared listener (bluegreen:loadBalancer.listenerArn): the usual HTTPS one.
      return { arn: inputs.arn, protocol: "HTTPS", port: 443 };
    default:
      return {};
  }
}

/**
 * The offline program's mocks; the fake providers (testkit/fakeCloud) give the
 * same values through the engine. `firstPreview`: like the engine's preview
 * of a stack that does not exist yet, no computed value is known (ids, ARNs,
 * DNS names), so inputs that derive from them arrive unknown.
 */
export function offlineMocks(region: string, options: { firstPreview?: boolean } = {}): pulumi.runtime.Mocks {
  return {
    newResource: (args) =>
      options.firstPreview
        ? { id: undefined, state: args.inputs }
        : fakeResource(args.type, args.name, args.inputs, region),
    call: (args) => fakeInvoke(args.token, args.inputs, region),
  };
}
