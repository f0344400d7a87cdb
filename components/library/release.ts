/**
 * The release every entry point builds: the program (program.ts) and each
 * library component start the same BlueGreenApp flow from a validated config
 * and a platform factory, so gate, snapshot, migration and release rules are
 * the same code whichever way the components are used.
 */
import * as pulumi from "@pulumi/pulumi";
import { BlueGreenApp } from "../blueGreenApp";
import type { CoreConfig } from "../config/schema";
import type { DatabaseSection } from "../rds/config";
import type { PlatformFactory } from "../platform";

/** Starts the release flow named `name` (its children are named from it). */
export function startRelease<Backend>(
  name: string,
  config: CoreConfig & DatabaseSection,
  platform: PlatformFactory<Backend>,
  gateHeaders: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined,
  opts: pulumi.ComponentResourceOptions = {},
): BlueGreenApp<Backend> {
  return new BlueGreenApp(
    name,
    {
      config,
      platform,
      // Probe credentials: secret in state whichever way they were given.
      gateHeaders: gateHeaders === undefined ? undefined : pulumi.secret(gateHeaders),
      restoreSnapshot: config.database?.restoreFromSnapshot,
    },
    opts,
  );
}

/** The engine's config: rules read keys of other namespaces there (`aws:region`, as the AWS provider does). */
export function engineConfig(): Record<string, string> {
  return pulumi.runtime.allConfig();
}

/** A component's typed outputs, the stack outputs' meaning (contracts/outputs.ts). */
export interface ReleaseOutputs {
  readonly url: pulumi.Output<string>;
  readonly primaryColor: pulumi.Output<string>;
  readonly weights: pulumi.Output<{ [color: string]: number }>;
  readonly trafficPercent: pulumi.Output<{ [color: string]: number }>;
  readonly versions: pulumi.Output<{ [color: string]: string }>;
  readonly snapshotId: pulumi.Output<string | undefined>;
  readonly gateVerdicts: pulumi.Output<{ [color: string]: string }>;
  readonly probeUrls: pulumi.Output<{ [color: string]: string }>;
  readonly resourceIds: pulumi.Output<{ [key: string]: string }>;
}

/** The outputs of a started release, as a library component exposes them. */
export function releaseOutputs<Backend>(app: BlueGreenApp<Backend>): ReleaseOutputs {
  return {
    url: app.url,
    primaryColor: pulumi.output(app.primary),
    weights: pulumi.output<{ [color: string]: number }>({ ...app.weights }),
    trafficPercent: pulumi.output<{ [color: string]: number }>({ ...app.percent }),
    versions: pulumi.output<{ [color: string]: string }>({ ...app.versions }),
    snapshotId: pulumi.output(app.snapshotId),
    gateVerdicts: pulumi.all(app.gateVerdicts).apply((verdicts): { [color: string]: string } => ({ ...verdicts })),
    // A platform without a per-color URL leaves that color out.
    probeUrls: pulumi
      .all(app.probeUrls)
      .apply(
        (urls) =>
          Object.fromEntries(Object.entries(urls).filter(([, url]) => url !== undefined)) as Record<string, string>,
      ),
    resourceIds: app.ids,
  };
}
