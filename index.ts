/**
 * bluegreen: load and validate the stack config, pick the platform, build the
 * release, export where it stands. Everything else lives in components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { BlueGreenApp } from "./components/blueGreenApp";
import type { StackOutputValues } from "./components/contracts/outputs";
import { loadConfig, platformFor } from "./components/platforms";

const config = loadConfig();

const app = new BlueGreenApp(config.app.name, {
  config,
  platform: platformFor(config),
  gateHeaders: config.gateHeaders ? pulumi.secret(config.gateHeaders) : undefined,
});

/** The stack outputs contract (components/contracts/outputs.ts), every key exported below. */
const outputs: StackOutputValues = {
  url: app.url,
  platform: config.platform,
  primaryColor: app.primary,
  weights: app.weights,
  trafficPercent: app.percent,
  versions: app.versions,
  snapshotId: app.snapshotId,
  migrationVersion: app.migrationVersion,
  gateVerdicts: app.gateVerdicts,
  resourceIds: app.ids,
  probeUrls: app.probeUrls,
};

export const {
  url,
  platform,
  primaryColor,
  weights,
  trafficPercent,
  versions,
  snapshotId,
  migrationVersion,
  gateVerdicts,
  resourceIds,
  probeUrls,
} = outputs;
