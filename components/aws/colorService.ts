/**
 * One color on AWS: target group, a test listener that forwards only to this
 * color (where the gate probes it), and the Fargate service behind both. A
 * color at weight 0 keeps running, so a rollback is a weight change, not a
 * deployment.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { AWS_TAGS, ROUTE_KINDS } from "../contracts/markers";
import { childName } from "../naming";
import { childOptions } from "../options";
import type { ColorBasics } from "../platform";
import type { EcsPlacement } from "./cluster";
import { exceptionTags } from "./tags";
import { ContainerHardening, containerDefinitions, taskVolumes } from "./taskDefinition";
import { databaseIngress, egressException, taskEgressRules } from "./taskNetwork";

export interface ColorServiceArgs extends ColorBasics, EcsPlacement {
  readonly desiredCount: number;
  readonly cpu: number;
  readonly memory: number;
  /** HTTP codes that count as healthy, ALB matcher syntax. The config's default: "200". */
  readonly healthMatcher: string;
  readonly secrets: Record<string, string>;
  readonly loadBalancerArn: pulumi.Input<string>;
  readonly loadBalancerDnsName: pulumi.Input<string>;
  readonly loadBalancerSecurityGroupId: pulumi.Input<string>;
  readonly testPort: number;
  /** With a certificate the test listener is HTTPS too. */
  readonly certificateArn?: string;
  readonly sslPolicy: string;
  readonly hardening: ContainerHardening;
}

/** Target group health check tuned for fast switching (about 20 s to healthy, 20 s to unhealthy). */
export const FAST_HEALTH_CHECK = { interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 2 } as const;
/** Seconds a draining target keeps in-flight requests: short, so weight moves settle fast. */
export const DEREGISTRATION_DELAY_SECONDS = 15;

export class ColorService extends pulumi.ComponentResource {
  readonly targetGroupArn: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  readonly service: aws.ecs.Service;
  readonly testUrl: pulumi.Output<string>;
  /** The tasks' security group: what an existing database must admit. */
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: ColorServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsColorService, name, {}, opts);
    const parent = childOptions(this, opts.dependsOn);
    const tags = { app: args.app, [AWS_TAGS.color]: args.color, version: args.version };

    const targetGroup = new aws.lb.TargetGroup(
      childName(name, "tg"),
      {
        vpcId: args.vpcId,
        targetType: "ip",
        port: args.port,
        protocol: "HTTP",
        deregistrationDelay: DEREGISTRATION_DELAY_SECONDS,
        healthCheck: {
          enabled: true,
          path: args.healthPath,
          matcher: args.healthMatcher,
          protocol: "HTTP",
          ...FAST_HEALTH_CHECK,
        },
        tags,
      },
      parent,
    );

    const https = args.certificateArn !== undefined;
    const testListener = new aws.lb.Listener(
      childName(name, "test-listener"),
      {
        loadBalancerArn: args.loadBalancerArn,
        port: args.testPort,
        protocol: https ? "HTTPS" : "HTTP",
        ...(https ? { certificateArn: args.certificateArn, sslPolicy: args.sslPolicy } : {}),
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        // A direct route: one color, where its gate probes it (so it exists before the gate, by design).
        tags: { ...tags, [AWS_TAGS.app]: args.app, [AWS_TAGS.route]: ROUTE_KINDS.direct },
      },
      parent,
    );

    const taskSecurityGroup = new aws.ec2.SecurityGroup(
      childName(name, "tasks-sg"),
      {
        vpcId: args.vpcId,
        description: `bluegreen ${args.app} ${args.color} tasks`,
        ingress: [
          {
            protocol: "tcp",
            fromPort: args.port,
            toPort: args.port,
            securityGroups: [args.loadBalancerSecurityGroupId],
          },
        ],
        egress: taskEgressRules(args.access),
        tags: { ...tags, [AWS_TAGS.app]: args.app, ...exceptionTags(egressException(args.access)) },
      },
      parent,
    );
    const databaseAccess = databaseIngress(
      childName(name, "db-ingress"),
      { app: args.app, access: args.access, clientSecurityGroupId: taskSecurityGroup.id },
      parent,
    );

    const taskDefinition = new aws.ecs.TaskDefinition(
      childName(name, "task"),
      {
        family: `${args.app}-${args.color}`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.cpu),
        memory: String(args.memory),
        executionRoleArn: args.executionRoleArn,
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        volumes: taskVolumes(args.hardening),
        containerDefinitions: pulumi.output(args.logGroupName).apply((logGroup) =>
          containerDefinitions({
            name: args.app,
            image: args.image,
            port: args.port,
            env: { ...args.env, APP_COLOR: args.color, APP_VERSION: args.version },
            secrets: args.secrets,
            logGroup,
            region: args.region,
            logStreamPrefix: args.color,
            hardening: args.hardening,
          }),
        ),
        tags: { ...tags, ...exceptionTags(args.hardening.securityException) },
      },
      parent,
    );

    this.service = new aws.ecs.Service(
      childName(name, "service"),
      {
        cluster: args.clusterArn,
        launchType: "FARGATE",
        taskDefinition: taskDefinition.arn,
        desiredCount: args.desiredCount,
        networkConfiguration: {
          subnets: args.privateSubnetIds,
          securityGroups: [taskSecurityGroup.id],
          assignPublicIp: false,
        },
        loadBalancers: [{ targetGroupArn: targetGroup.arn, containerName: args.app, containerPort: args.port }],
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        healthCheckGracePeriodSeconds: 30,
        // The gate probes this color right after; wait until ECS reports it steady.
        waitForSteadyState: args.desiredCount > 0,
        propagateTags: "SERVICE",
        tags: { ...tags, ...(args.clusterHandedIn ? { [AWS_TAGS.handedIn]: "cluster" } : {}) },
        // The test listener attaches the target group (ECS requires that) and already waits for the component's dependencies;
        // tasks start once they may reach the database.
      },
      childOptions(this, [testListener, ...(databaseAccess ? [databaseAccess] : [])]),
    );

    this.targetGroupArn = targetGroup.arn;
    this.serviceName = this.service.name;
    this.securityGroupId = taskSecurityGroup.id;
    this.testUrl = pulumi.interpolate`${https ? "https" : "http"}://${args.loadBalancerDnsName}:${args.testPort}${args.healthPath}`;
    this.registerOutputs({
      targetGroupArn: this.targetGroupArn,
      serviceName: this.serviceName,
      testUrl: this.testUrl,
      securityGroupId: this.securityGroupId,
    });
  }
}
