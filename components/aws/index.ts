/**
 * The AWS platform: ECS Fargate colors behind one ALB whose production
 * listener forwards to both target groups by weight, RDS snapshots and an ECS
 * migration task; or the same on the user's VPC, load balancer (a rule on
 * its listener, or a listener of the app's own) and ECS cluster.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { relaxedDefaults } from "../config/hardening";
import type { ColorConfig } from "../config/schema";
import { Color, COLORS } from "../contracts/colors";
import { PRE_MIGRATION } from "../contracts/markers";
import { AWS_RESOURCE_IDS } from "../contracts/outputs";
import { secretResourceArn } from "../contracts/secretRefs";
import { snapshotIdentifier } from "../contracts/snapshots";
import { maintenanceResponse } from "../maintenance";
import { childName } from "../naming";
import { childOptions } from "../options";
import { colorBasics, Platform, PlatformScope } from "../platform";
import { MigrationSnapshot } from "../rds/migrationSnapshot";
import { migrationTarget } from "../release";
import { EcsPlacement, ServiceCluster } from "./cluster";
import { ColorService } from "./colorService";
import { AwsConfig, DEFAULT_SSL_POLICY, ListenerConfig, loadBalancerSettings } from "./config";
import { Database, ENGINE_PORT } from "./database";
import {
  AwsExistingInfrastructure,
  ExistingLoadBalancer,
  existingInfrastructureFrom,
  isListenerRule,
} from "./infrastructure";
import { LoadBalancer } from "./loadBalancer";
import { MigrationTask } from "./migrationTask";
import { Network } from "./network";
import { LoadBalancerRefs, rulePlacement, usersLoadBalancer } from "./sharedLoadBalancer";
import type { ContainerHardening } from "./taskDefinition";
import type { TaskAccess } from "./taskNetwork";
import { WeightedListener } from "./weightedListener";

/** What the weighted listener forwards a color's traffic to. */
export interface AwsBackend {
  readonly targetGroupArn: pulumi.Output<string>;
}

/** ALB matcher syntax for the gate's expected statuses ("200,204"). */
export function healthMatcher(expectedStatus: number[]): string {
  return [...new Set(expectedStatus)].sort((a, b) => a - b).join(",");
}

/** A color's user and root filesystem; its stated reason only when it relaxes one of them. */
export function containerHardening(color: ColorConfig): ContainerHardening {
  const relaxed = relaxedDefaults(color).length > 0;
  return {
    readOnlyRootFilesystem: color.readOnlyRootFilesystem,
    user: color.user,
    ...(relaxed ? { securityException: color.securityException } : {}),
  };
}

/** The app's own traffic listener: port 80/443 on its load balancer, the stated port on a user's. */
export function trafficListener(
  shared: ExistingLoadBalancer | undefined,
  listener: Pick<ListenerConfig, "certificateArn" | "sslPolicy">,
): { port?: number; certificateArn?: string; sslPolicy: string } {
  if (shared === undefined || isListenerRule(shared.listener)) {
    return { certificateArn: listener.certificateArn, sslPolicy: listener.sslPolicy };
  }
  const own = shared.listener;
  return { port: own.port, certificateArn: own.certificateArn, sslPolicy: own.sslPolicy ?? DEFAULT_SSL_POLICY };
}

/**
 * The platform on what `existing` names (the user's VPC, load balancer, ECS
 * cluster; infrastructure.ts) and on what it creates for the rest. The
 * program takes `existing` from the stack config; the library from its Args.
 */
export function awsPlatform(
  config: AwsConfig,
  { name, parent }: PlatformScope,
  existing: AwsExistingInfrastructure = existingInfrastructureFrom(config),
): Platform<AwsBackend> {
  const { listener } = config;
  const production = config.environment === "production";
  // Presence checked with the other config problems (AWS_CONFIG_RULES).
  const region = aws.config.region!;
  const opts = childOptions(parent);
  const migrationColor = migrationTarget(config);

  const network = new Network(
    childName(name, "network"),
    { cidrBlock: config.network.cidrBlock, availabilityZones: config.network.availabilityZones, ...existing.network },
    opts,
  );
  const secretArns = [
    ...new Set(COLORS.flatMap((color) => Object.values(config[color].secrets).map(secretResourceArn))),
  ].sort();
  const cluster = new ServiceCluster(
    childName(name, "ecs"),
    { secretArns, ...(existing.clusterArn !== undefined ? { existingClusterArn: existing.clusterArn } : {}) },
    opts,
  );
  const shared = existing.loadBalancer;
  const loadBalancer: LoadBalancerRefs = shared
    ? usersLoadBalancer(
        childName(name, "lb"),
        {
          app: config.app.name,
          existing: shared,
          testPorts: listener.testPorts,
          testIngressCidrs: listener.testIngressCidrs,
        },
        opts,
      )
    : new LoadBalancer(
        childName(name, "lb"),
        {
          app: config.app.name,
          vpcId: network.vpcId,
          vpcCidr: network.cidrBlock,
          appPort: config.app.port,
          publicSubnetIds: network.publicSubnetIds,
          ingressCidrs: listener.ingressCidrs,
          testPorts: COLORS.map((color) => listener.testPorts[color]),
          testIngressCidrs: listener.testIngressCidrs,
          https: listener.certificateArn !== undefined,
          settings: loadBalancerSettings(config),
        },
        opts,
      );
  const database = config.database
    ? new Database(
        childName(name, "database"),
        {
          app: config.app.name,
          database: config.database,
          production,
          vpcId: network.vpcId,
          privateSubnetIds: network.privateSubnetIds,
        },
        opts,
      )
    : undefined;

  const access: TaskAccess = {
    vpcCidr: network.cidrBlock,
    database: config.database && {
      port: ENGINE_PORT[config.database.engine],
      securityGroupId: database?.securityGroupId,
      existing: config.database.mode === "existing",
    },
    extraEgress: config.network.taskEgress,
  };
  const placement: EcsPlacement = {
    region,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    clusterArn: cluster.clusterArn,
    clusterHandedIn: existing.clusterArn !== undefined,
    logGroupName: cluster.logGroupName,
    executionRoleArn: cluster.executionRoleArn,
    access,
  };
  // Security groups an existing database must admit, filled in as the steps create them.
  const databaseClients: Partial<Record<Color | "migration", pulumi.Output<string>>> = {};

  return {
    databaseSnapshot(snapshotId, step, purpose = PRE_MIGRATION) {
      return new MigrationSnapshot(
        childName(name, purpose),
        { database: config.database!, snapshotId, purpose },
        childOptions(parent, [...step.dependsOn, ...(database ? [database] : [])]),
      );
    },
    migration(migration, step) {
      const task = new MigrationTask(
        childName(name, "migration"),
        {
          app: config.app.name,
          migration,
          ...placement,
          env: config[migrationColor].env,
          secrets: config[migrationColor].secrets,
          hardening: containerHardening(config[migrationColor]),
          ...(migration.rehearse && config.database
            ? {
                rehearsal: {
                  sourceInstance: config.database.identifier,
                  snapshotId: snapshotIdentifier(config.app.name, migration.version),
                },
              }
            : {}),
        },
        // The task logs to the cluster's log group, named before it exists: wait for the cluster.
        childOptions(parent, [...step.dependsOn, cluster]),
      );
      databaseClients.migration = task.securityGroupId;
      // The rehearsal's task logs go to CloudWatch, which the program does not read back: no report here.
      return { done: task };
    },
    colorService(color, step) {
      const settings = config[color];
      const service = new ColorService(
        childName(name, color),
        {
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
          hardening: containerHardening(settings),
        },
        childOptions(parent, [...step.dependsOn, cluster]),
      );
      databaseClients[color] = service.securityGroupId;
      return {
        ready: service,
        // With no testIngressCidrs nobody outside the VPC reaches the test listener: only gate.targets are probed.
        probeUrl: listener.testIngressCidrs.length > 0 ? service.testUrl : undefined,
        backend: { targetGroupArn: service.targetGroupArn },
        ids: { [AWS_RESOURCE_IDS.targetGroupArn]: service.targetGroupArn, serviceName: service.serviceName },
      };
    },
    routing({ colors, traffic }, step) {
      const weighted = new WeightedListener(
        childName(name, "traffic"),
        {
          app: config.app.name,
          loadBalancerArn: loadBalancer.arn,
          loadBalancerDnsName: loadBalancer.dnsName,
          targetGroupArns: { blue: colors.blue.backend.targetGroupArn, green: colors.green.backend.targetGroupArn },
          weights: { blue: traffic.blue, green: traffic.green },
          stickinessSeconds: traffic.stickinessSeconds,
          ...trafficListener(shared, listener),
          maintenance: maintenanceResponse(config.maintenance),
          ...(shared
            ? {
                rule: rulePlacement(shared, loadBalancer.dnsName, parent),
                declaredTestPorts: COLORS.map((color) => listener.testPorts[color]),
              }
            : {}),
        },
        childOptions(parent, step.dependsOn),
      );
      return {
        url: weighted.url,
        trafficRoute: weighted.trafficRoute,
        ids: {
          // With each color's target group ARN, where CloudWatch has the colors' metrics (the watch reads them).
          [AWS_RESOURCE_IDS.loadBalancerArn]: loadBalancer.arn,
          listenerArn: weighted.listenerArn,
          ...(weighted.ruleArn ? { listenerRuleArn: weighted.ruleArn } : {}),
          loadBalancerDnsName: loadBalancer.dnsName,
        },
      };
    },
    outputs() {
      // The stack admits its own clients to a database it owns; an existing one's owner does (README, "Security defaults").
      return config.database?.mode === "existing" ? { databaseClientSecurityGroups: databaseClients } : {};
    },
  };
}
