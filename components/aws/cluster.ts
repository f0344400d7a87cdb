/**
 * What both colors share on AWS: the ECS cluster, the log group and the task
 * execution role (pull images, write logs, read the colors' secrets).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";
import type { TaskAccess } from "./taskNetwork";

/** Where and how a Fargate task of the app runs: shared by the colors and the migration. */
export interface EcsPlacement {
  readonly region: string;
  readonly vpcId: pulumi.Input<string>;
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly clusterArn: pulumi.Input<string>;
  /** The cluster is the user's (`existingClusterArn`), not one the app created: its services say so (AWS_TAGS.handedIn). */
  readonly clusterHandedIn: boolean;
  /** The tasks' log group: its name is known before deployment; steps that use it wait for the cluster. */
  readonly logGroupName: string;
  readonly executionRoleArn: pulumi.Input<string>;
  /** What the tasks may reach: HTTPS, the database, the stated extra rules (taskNetwork.ts). */
  readonly access: TaskAccess;
}

export interface ServiceClusterArgs {
  /** Secrets Manager / SSM ARNs the tasks read at start. The config's default: []. */
  readonly secretArns: string[];
  /** Days CloudWatch keeps task logs. @default 30 */
  readonly logRetentionDays?: number;
  /** An existing ECS cluster the tasks run on; the log group and execution role stay this component's. @default a cluster it creates */
  readonly existingClusterArn?: pulumi.Input<string>;
}

export class ServiceCluster extends pulumi.ComponentResource {
  readonly clusterArn: pulumi.Output<string>;
  /** Known before deployment (see the constructor). */
  readonly logGroupName: string;
  readonly logGroupArn: pulumi.Output<string>;
  readonly executionRoleArn: pulumi.Output<string>;

  constructor(name: string, args: ServiceClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsCluster, name, {}, opts);
    const parent = childOptions(this, opts.dependsOn);
    const clusterArn =
      args.existingClusterArn !== undefined
        ? pulumi.output(args.existingClusterArn)
        : new aws.ecs.Cluster(
            childName(name, "cluster"),
            { settings: [{ name: "containerInsights", value: "enabled" }] },
            parent,
          ).arn;
    // A name known before anything exists, so the task definitions (which name the group) are known at a
    // first preview and the policy pack can judge their images and environment then. Unique per stack.
    const logGroupName = `/bluegreen/${pulumi.getProject()}/${pulumi.getStack()}/${name}`;
    // Kept when removed or renamed: logs outlive the tasks that wrote them (their retention still applies).
    const logs = new aws.cloudwatch.LogGroup(
      childName(name, "logs"),
      { name: logGroupName, retentionInDays: args.logRetentionDays ?? 30 },
      childOptions(this, opts.dependsOn, { retainOnDelete: true }),
    );
    const role = new aws.iam.Role(
      childName(name, "execution"),
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      parent,
    );
    new aws.iam.RolePolicyAttachment(
      childName(name, "execution-policy"),
      {
        role: role.name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
      },
      parent,
    );
    if (args.secretArns.length > 0) {
      new aws.iam.RolePolicy(
        childName(name, "read-secrets"),
        {
          role: role.id,
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["secretsmanager:GetSecretValue", "ssm:GetParameters"],
                Resource: args.secretArns,
              },
            ],
          }),
        },
        parent,
      );
    }
    this.clusterArn = clusterArn;
    this.logGroupName = logGroupName;
    this.logGroupArn = logs.arn;
    this.executionRoleArn = role.arn;
    this.registerOutputs({
      clusterArn: this.clusterArn,
      logGroupName: this.logGroupName,
      executionRoleArn: this.executionRoleArn,
    });
  }
}
