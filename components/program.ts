/**
 * The whole program as a function: load and validate the stack config, pick
 * the platform, build the release, return the stack outputs. index.ts exports
 * what it returns; the offline plan and the tests call it the same way.
 */
import * as pulumi from "@pulumi/pulumi";
import { BlueGreenApp } from "./blueGreenApp";
import type { StackOutputValues } from "./contracts/outputs";
import { platformFor } from "./platformFactories";
import { BlueGreenConfig, loadConfig } from "./platforms";

export function blueGreenStack(config: BlueGreenConfig = loadConfig()): StackOutputValues {
  const app = new BlueGreenApp(config.app.name, {
    config,
    platform: platformFor(config),
    gateHeaders: config.gateHeaders ? pulumi.secret(config.gateHeaders) : undefined,
    restoreSnapshot: config.database?.restoreFromSnapshot,
  });
  return {
    url: app.url,
    platform: config.platform,
    primaryColor: app.primary,
    weights: app.weights,
    trafficPercent: app.percent,
    versions: app.versions,
    snapshotId: app.snapshotId,
    migrationVersion: app.migrationVersion,
    hotfix: app.hotfix,
    gateVerdicts: app.gateVerdicts,
    resourceIds: app.ids,
    probeUrls: app.probeUrls,
    databaseClientSecurityGroups: app.databaseClientSecurityGroups,
  };
}
