/**
 * bluegreen: load and validate the stack config, pick the platform, build the
 * release, export where it stands. Everything else lives in components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { BlueGreenApp } from "./components/blueGreenApp";
import { loadConfig } from "./components/loadConfig";
import { platforms } from "./components/platforms";

const config = loadConfig();

const app = new BlueGreenApp(config.app.name, {
  config,
  platform: platforms[config.platform],
  gateHeaders: config.gateHeaders ? pulumi.secret(config.gateHeaders) : undefined,
});

export const url = app.url;
export const platform = config.platform;
export const primaryColor = app.primary;
export const weights = app.weights;
export const trafficPercent = app.percent;
export const versions = app.versions;
export const snapshotId = app.snapshotId;
export const migrationVersion = app.migrationVersion;
export const gateVerdicts = app.gateVerdicts;
export const resourceIds = app.ids;
