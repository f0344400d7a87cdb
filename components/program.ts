/**
 * The whole program as a function: load and validate the stack config, load
 * the chosen platform, build the release as the library components do,
 * return the stack outputs. index.ts exports it for the engine to run; the
 * offline plan and the tests call it the same way.
 */
import * as pulumi from "@pulumi/pulumi";
import { secretConfigKeys } from "./config/engineSecrets";
import type { StackOutputValues } from "./contracts/outputs";
import { startRelease } from "./library/release";
import { platformFor } from "./platformFactories";
import { BlueGreenConfig, parseConfig } from "./platforms";

/**
 * Reads the running stack's config from the Pulumi engine and validates it.
 * `unreadableSecrets`: where a runner without the stack's passphrase (the
 * offline plan) holds a placeholder for an encrypted value; the engine
 * decrypts every value, so a real run has none.
 */
export function loadConfig(unreadableSecrets: readonly (readonly string[])[] = []): BlueGreenConfig {
  const raw = pulumi.runtime.allConfig();
  return parseConfig(raw, pulumi.getStack(), secretConfigKeys(raw), unreadableSecrets);
}

export async function blueGreenStack(config: BlueGreenConfig = loadConfig()): Promise<StackOutputValues> {
  const platform = await platformFor(config);
  // The same flow as the library components (library/release.ts), at the top of the stack as before.
  const app = startRelease(config.app.name, config, platform, config.gateHeaders);
  return {
    url: app.url,
    platform: config.platform,
    primaryColor: app.primary,
    weights: app.weights,
    trafficPercent: app.percent,
    versions: app.versions,
    snapshotId: app.snapshotId,
    migrationVersion: app.migrationVersion,
    rehearsal: app.rehearsal,
    hotfix: app.hotfix,
    gateVerdicts: app.gateVerdicts,
    resourceIds: app.ids,
    probeUrls: app.probeUrls,
    trafficRoute: app.trafficRoute,
    databaseClientSecurityGroups: app.databaseClientSecurityGroups,
  };
}
