/**
 * The AWS platform: ECS Fargate colors behind one ALB whose production
 * listener forwards to both target groups by weight, RDS snapshots and an ECS
 * migration task.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { BlueGreenConfig } from "../config";
import { COLORS, Color, childName } from "../naming";
import { Platform, PlatformFactory, colorBasics } from "../platform";
import { migrationTarget } from "../release";
import { EcsPlacement, ServiceCluster } from "./cluster";
import { ColorService } from "./colorService";
import { Database, MigrationSnapshot } from "./database";
import { LoadBalancer } from "./loadBalancer";
import { MigrationTask } from "./migrationTask";
import { Network } from "./network";
import { WeightedListener } from "./weightedListener";

/** ALB matcher syntax for the gate's expected statuses ("200,204"). */
export function healthMatcher(expectedStatus: number[]): string {
  return [...new Set(expectedStatus)].sort((a, b) => a - b).join(",");
}

export const awsPlatform: PlatformFactory = (config: BlueGreenConfig, parent): Platform => {
  const app = config.app.name;
  const listener = config.listener!;
  const production = config.environment === "production";
  // Presence checked by parseConfig with the other config problems.
  const region = aws.config.region!;
  const opts = { parent };
  const migrationColor = migrationTarget(config);

  const network = new Network(childName(app, "network"), config.network!, opts);
  const secretArns = [...new Set(COLORS.flatMap((color) => Object.values(config[color].secrets)))].sort();
  const cluster = new ServiceCluster(childName(app, "ecs"), { secretArns }, opts);
  const loadBalancer = new LoadBalancer(childName(app, "lb"), {
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    ingressCidrs: listener.ingressCidrs,
    testPorts: COLORS.map((color) => listener.testPorts[color]),
    testIngressCidrs: listener.testIngressCidrs,
    https: listener.certificateArn !== undefined,
  }, opts);
  const database = config.database
    ? new Database(childName(app, "database"), {
        database: config.database,
        production,
        vpcId: network.vpcId,
        vpcCidr: network.cidrBlock,
        privateSubnetIds: network.privateSubnetIds,
      }, opts)
    : undefined;

  const placement: EcsPlacement = {
    region,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    clusterArn: cluster.clusterArn,
    logGroupName: cluster.logGroupName,
    executionRoleArn: cluster.executionRoleArn,
  };
  const targetGroupArns = {} as Record<Color, pulumi.Output<string>>;

  return {
    databaseSnapshot(snapshotId, step) {
      return new MigrationSnapshot(childName(app, "pre-migration"), { database: config.database!, snapshotId }, {
        parent,
        dependsOn: [...step.dependsOn, ...(database ? [database] : [])],
      });
    },
    migration(migration, step) {
      return new MigrationTask(childName(app, "migration"), {
        app,
        migration,
        ...placement,
        env: config[migrationColor].env,
        secrets: config[migrationColor].secrets,
      }, { parent, dependsOn: step.dependsOn });
    },
    colorService(color, step) {
      const settings = config[color];
      const service = new ColorService(childName(app, color), {
        ...colorBasics(config, color),
        ...placement,
        desiredCount: settings.desiredCount,
        cpu: settings.cpu,
        memory: settings.memory,
        healthMatcher: healthMatcher(config.gate.expectedStatus),
        secrets: settings.secrets,
        loadBalancerArn: loadBalancer.arn,
        loadBalancerDnsName: loadBalancer.dnsName,
        loadBalancerSecurityGroupId: loadBalancer.securityGroupId,
        testPort: listener.testPorts[color],
        certificateArn: listener.certificateArn,
        sslPolicy: listener.sslPolicy,
      }, { parent, dependsOn: step.dependsOn });
      targetGroupArns[color] = service.targetGroupArn;
      return {
        ready: service,
        gateTargets: [service.testUrl],
        ids: { targetGroupArn: service.targetGroupArn, serviceName: service.serviceName },
      };
    },
    routing(weights, step) {
      const weighted = new WeightedListener(childName(app, "traffic"), {
        loadBalancerArn: loadBalancer.arn,
        loadBalancerDnsName: loadBalancer.dnsName,
        targetGroupArns,
        weights,
        stickinessSeconds: config.traffic.stickinessSeconds,
        certificateArn: listener.certificateArn,
        sslPolicy: listener.sslPolicy,
      }, { parent, dependsOn: step.dependsOn });
      return { url: weighted.url, ids: { listenerArn: weighted.listenerArn, loadBalancerDnsName: loadBalancer.dnsName } };
    },
  };
};
