/**
 * Type tokens of every resource type this project defines. The components
 * register with them; the plan, the tools and the policy pack (which carries
 * a generated copy of this file) recognise resources by them.
 */

export const COMPONENT_TYPES = {
  app: "bluegreen:index:BlueGreenApp",
  /** The library's components (components/library), each around a BlueGreenApp. */
  awsBlueGreen: "bluegreen:index:AwsBlueGreen",
  kubernetesBlueGreen: "bluegreen:index:KubernetesBlueGreen",
  dockerBlueGreen: "bluegreen:index:DockerBlueGreen",
  promotionGate: "bluegreen:gate:PromotionGate",
  awsNetwork: "bluegreen:aws:Network",
  awsCluster: "bluegreen:aws:ServiceCluster",
  awsLoadBalancer: "bluegreen:aws:LoadBalancer",
  awsColorService: "bluegreen:aws:ColorService",
  awsWeightedListener: "bluegreen:aws:WeightedListener",
  awsDatabase: "bluegreen:aws:Database",
  awsMigrationTask: "bluegreen:aws:MigrationTask",
  rdsMigrationSnapshot: "bluegreen:aws:MigrationSnapshot",
  kubernetesColorWorkload: "bluegreen:kubernetes:ColorWorkload",
  kubernetesMigrationJob: "bluegreen:kubernetes:MigrationJob",
  kubernetesWeightedRoute: "bluegreen:kubernetes:WeightedRoute",
  kubernetesMaintenanceBackend: "bluegreen:kubernetes:MaintenanceBackend",
  dockerColorContainer: "bluegreen:docker:ColorContainer",
  dockerLocalDatabase: "bluegreen:docker:LocalDatabase",
  dockerRouter: "bluegreen:docker:Router",
} as const;

/** A dynamic resource type: the SDK registers it as `pulumi-nodejs:dynamic/<module>:<name>`. */
export interface DynamicType {
  readonly module: string;
  readonly name: string;
  readonly token: string;
}

function dynamicType(name: string): DynamicType {
  return { module: "bluegreen", name, token: `pulumi-nodejs:dynamic/bluegreen:${name}` };
}

export const DYNAMIC_TYPES = {
  promotionGateCheck: dynamicType("PromotionGateCheck"),
  ecsMigration: dynamicType("EcsMigration"),
  /** The migration and its checks on an RDS instance restored from the snapshot (`bluegreen:migration.rehearse`). */
  rdsRehearsal: dynamicType("RdsRehearsal"),
  /** `bluegreen:migration.validate` as ECS tasks after the real migration. */
  ecsMigrationChecks: dynamicType("EcsMigrationChecks"),
  oneShotCommand: dynamicType("OneShotCommand"),
  haproxyWeights: dynamicType("HaproxyWeights"),
  haproxyMaintenance: dynamicType("HaproxyMaintenance"),
  postgresPassword: dynamicType("PostgresPassword"),
  releaseGuard: dynamicType("ReleaseGuard"),
  /** The release guard's record: the migration that last completed (written once the migration step succeeded). */
  releaseGuardRecord: dynamicType("ReleaseGuardRecord"),
  /** Created or updated once the migration step it waits for succeeded; the guard's record is written after it. */
  migrationCompleted: dynamicType("MigrationCompleted"),
} as const;

/** Tokens these types had before a rename; aliases carry the resources' state over. */
export const FORMER_TYPES = {
  promotionGate: "bluegreen:gate:HealthGate",
  promotionGateCheck: "pulumi-nodejs:dynamic/bluegreen:PromotionGate",
} as const;

/** Types of the cloud resources the rules and the plan read. */
export const CLOUD_TYPES = {
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  securityGroupIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  securityGroupEgressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  ecsService: "aws:ecs/service:Service",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  rdsInstance: "aws:rds/instance:Instance",
  rdsSnapshot: "aws:rds/snapshot:Snapshot",
  rdsClusterSnapshot: "aws:rds/clusterSnapshot:ClusterSnapshot",
  deployment: "kubernetes:apps/v1:Deployment",
  job: "kubernetes:batch/v1:Job",
  service: "kubernetes:core/v1:Service",
  httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  dockerContainer: "docker:index/container:Container",
  dockerImage: "docker:index/remoteImage:RemoteImage",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  internetGateway: "aws:ec2/internetGateway:InternetGateway",
  natGateway: "aws:ec2/natGateway:NatGateway",
  elasticIp: "aws:ec2/eip:Eip",
  routeTable: "aws:ec2/routeTable:RouteTable",
  routeTableAssociation: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  iamRole: "aws:iam/role:Role",
  iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
  iamRolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  ecsCluster: "aws:ecs/cluster:Cluster",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  bucket: "aws:s3/bucket:Bucket",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  rdsSubnetGroup: "aws:rds/subnetGroup:SubnetGroup",
  targetGroupAttachment: "aws:lb/targetGroupAttachment:TargetGroupAttachment",
  configMap: "kubernetes:core/v1:ConfigMap",
  namespace: "kubernetes:core/v1:Namespace",
  dockerNetwork: "docker:index/network:Network",
  dockerVolume: "docker:index/volume:Volume",
} as const;

/**
 * `aws.lb.*` resources have a second module, `aws.alb.*`, that registers the
 * same resources under its own tokens: a rule that reads one reads both.
 */
const ALB_ALIASES = {
  listener: "aws:alb/listener:Listener",
  listenerRule: "aws:alb/listenerRule:ListenerRule",
  targetGroup: "aws:alb/targetGroup:TargetGroup",
  loadBalancer: "aws:alb/loadBalancer:LoadBalancer",
  targetGroupAttachment: "aws:alb/targetGroupAttachment:TargetGroupAttachment",
} as const;

/** Every token a load balancer resource registers under: `aws.lb` and `aws.alb`. */
export const LOAD_BALANCER_TYPES: Readonly<Record<keyof typeof ALB_ALIASES, readonly string[]>> = {
  listener: [CLOUD_TYPES.listener, ALB_ALIASES.listener],
  listenerRule: [CLOUD_TYPES.listenerRule, ALB_ALIASES.listenerRule],
  targetGroup: [CLOUD_TYPES.targetGroup, ALB_ALIASES.targetGroup],
  loadBalancer: [CLOUD_TYPES.loadBalancer, ALB_ALIASES.loadBalancer],
  targetGroupAttachment: [CLOUD_TYPES.targetGroupAttachment, ALB_ALIASES.targetGroupAttachment],
};
