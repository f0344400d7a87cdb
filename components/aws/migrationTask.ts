/**
 * The migration as a one-off Fargate task: its own task definition (the
 * migration image and command) and a run that must exit 0. The run happens
 * once per migration version; the release flow orders it after the snapshot
 * and before the candidate color, its gate and the listener.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import type { MigrationConfig } from "../config/schema";
import { childOptions } from "../options";
import { childName } from "../naming";
import type { EcsPlacement } from "./cluster";
import { EcsMigration } from "./ecsMigration";
import { containerDefinitions } from "./taskDefinition";

export interface MigrationTaskArgs extends EcsPlacement {
  readonly app: string;
  readonly migration: MigrationConfig;
  /** Same secrets as the app (the database URL, typically). */
  readonly secrets: Record<string, string>;
  readonly env: Record<string, string>;
}

export class MigrationTask extends pulumi.ComponentResource {
  readonly taskArn: pulumi.Output<string>;

  constructor(name: string, args: MigrationTaskArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsMigrationTask, name, {}, opts);
    const parent = childOptions(this, opts.dependsOn);
    const containerName = `${args.app}-migrate`;
    const logStreamPrefix = "migration";
    const securityGroup = new aws.ec2.SecurityGroup(
      childName(name, "sg"),
      {
        vpcId: args.vpcId,
        description: `bluegreen ${args.app} migration task: outbound only`,
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
      },
      parent,
    );
    const taskDefinition = new aws.ecs.TaskDefinition(
      childName(name, "task"),
      {
        family: containerName,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        executionRoleArn: args.executionRoleArn,
        containerDefinitions: pulumi.output(args.logGroupName).apply((logGroup) =>
          containerDefinitions({
            name: containerName,
            image: args.migration.image,
            command: args.migration.command,
            env: { ...args.env, MIGRATION_VERSION: args.migration.version },
            secrets: args.secrets,
            logGroup,
            region: args.region,
            logStreamPrefix,
          }),
        ),
      },
      parent,
    );
    const run = new EcsMigration(
      childName(name, "run"),
      {
        region: args.region,
        cluster: args.clusterArn,
        taskDefinitionArn: taskDefinition.arn,
        containerName,
        command: args.migration.command,
        subnetIds: args.privateSubnetIds,
        securityGroupIds: [securityGroup.id],
        migrationVersion: args.migration.version,
        timeoutSeconds: args.migration.timeoutSeconds,
        logGroup: args.logGroupName,
        logStreamPrefix,
      },
      parent,
    );
    this.taskArn = run.taskArn;
    this.registerOutputs({ taskArn: this.taskArn });
  }
}
