/**
 * Which input changes the real providers answer with a replacement, for the
 * resource types this program uses: names and identifiers, immutable specs
 * (an ECS task definition revision, a Job's pod template) and, for Docker
 * containers, almost everything. A property not listed is an in-place update.
 */
export const REPLACE_ON_CHANGE: Readonly<Record<string, readonly string[]>> = {
  "aws:ec2/vpc:Vpc": ["cidrBlock"],
  "aws:ec2/subnet:Subnet": ["vpcId", "cidrBlock", "availabilityZone"],
  "aws:ec2/securityGroup:SecurityGroup": ["name", "vpcId", "description"],
  "aws:ec2/eip:Eip": ["domain"],
  "aws:ec2/natGateway:NatGateway": ["subnetId", "allocationId"],
  "aws:ec2/routeTable:RouteTable": ["vpcId"],
  "aws:ec2/routeTableAssociation:RouteTableAssociation": ["subnetId"],
  "aws:ec2/internetGateway:InternetGateway": [],
  "aws:lb/loadBalancer:LoadBalancer": ["name", "internal", "loadBalancerType"],
  "aws:lb/targetGroup:TargetGroup": ["name", "port", "protocol", "vpcId", "targetType"],
  "aws:lb/listener:Listener": ["loadBalancerArn"],
  "aws:ecs/cluster:Cluster": ["name"],
  "aws:ecs/service:Service": ["name", "cluster", "launchType"],
  "aws:ecs/taskDefinition:TaskDefinition": [
    "family",
    "containerDefinitions",
    "cpu",
    "memory",
    "executionRoleArn",
    "networkMode",
    "requiresCompatibilities",
    "runtimePlatform",
  ],
  "aws:iam/role:Role": ["name"],
  "aws:cloudwatch/logGroup:LogGroup": ["name"],
  "aws:rds/instance:Instance": ["identifier", "engine", "snapshotIdentifier", "username"],
  "aws:rds/subnetGroup:SubnetGroup": ["name"],
  "aws:rds/snapshot:Snapshot": ["dbSnapshotIdentifier", "dbInstanceIdentifier"],
  "aws:rds/clusterSnapshot:ClusterSnapshot": ["dbClusterSnapshotIdentifier", "dbClusterIdentifier"],
  "kubernetes:batch/v1:Job": ["spec"],
  "docker:index/network:Network": ["name", "driver"],
  "docker:index/volume:Volume": ["name"],
  "docker:index/remoteImage:RemoteImage": ["name"],
  "docker:index/container:Container": [
    "name",
    "image",
    "envs",
    "ports",
    "networksAdvanced",
    "uploads",
    "labels",
    "volumes",
    "command",
    "healthcheck",
  ],
};

/** Kubernetes objects are replaced when their name or namespace changes. */
const KUBERNETES_IDENTITY = ["metadata.name", "metadata.namespace"];

/** The changed properties (top-level keys, or `metadata.name`-style paths for Kubernetes) that force a replacement. */
export function replacementsFor(
  type: string,
  changed: readonly string[],
  olds: Record<string, any>,
  news: Record<string, any>,
): string[] {
  const replacing = [...(REPLACE_ON_CHANGE[type] ?? [])].filter((key) => changed.includes(key));
  if (type.startsWith("kubernetes:")) {
    for (const path of KUBERNETES_IDENTITY) {
      const [a, b] = path.split(".");
      if (JSON.stringify(olds[a]?.[b]) !== JSON.stringify(news[a]?.[b])) replacing.push(path);
    }
  }
  return [...new Set(replacing)];
}
