/**
 * What every platform (aws, kubernetes, docker) provides to the
 * platform-neutral release flow in `blueGreenApp.ts`. The flow owns the
 * ordering (snapshot → migration → new color → gate → routing); a platform
 * only knows how to build each step on its own infrastructure.
 */
import * as pulumi from "@pulumi/pulumi";
import type { BlueGreenConfig, MigrationConfig } from "./config";
import type { Color } from "./naming";
import type { Weights } from "./traffic";

/** What every platform's color is built from, whatever runs it. */
export interface ColorBasics {
  readonly app: string;
  readonly color: Color;
  /** Semver of the release this color runs. */
  readonly version: string;
  /** Pinned container image. */
  readonly image: string;
  readonly port: number;
  readonly healthPath: string;
  /** Plain environment variables of this color. */
  readonly env: Record<string, string>;
}

export function colorBasics(config: BlueGreenConfig, color: Color): ColorBasics {
  const { version, image, env } = config[color];
  return { app: config.app.name, color, version, image, env, port: config.app.port, healthPath: config.app.healthPath };
}

export interface ColorDeployment {
  /** The running color: the gate probes it only once this is ready. */
  readonly ready: pulumi.Resource;
  /** URLs where the gate reaches this color alone (not through the weighted route). */
  readonly gateTargets: pulumi.Input<pulumi.Input<string>[]>;
  /** Platform ids worth exporting (target group ARN, Service name, container id...). */
  readonly ids: Record<string, pulumi.Input<string>>;
}

export interface RoutingDeployment {
  /** Where users reach the app through the weighted route. */
  readonly url: pulumi.Input<string>;
  readonly ids: Record<string, pulumi.Input<string>>;
}

export interface StepOptions {
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Builds one release's resources on a platform; every method is called once, in the flow's order. */
export interface Platform {
  /** The snapshot taken before the migration, named `snapshotId`; undefined when the platform has no database to snapshot. */
  databaseSnapshot(snapshotId: string, opts: StepOptions): pulumi.Resource | undefined;
  migration(migration: MigrationConfig, opts: StepOptions): pulumi.Resource;
  colorService(color: Color, opts: StepOptions): ColorDeployment;
  routing(weights: Weights, opts: StepOptions): RoutingDeployment;
}

/** Creates the platform's shared base (cluster, network, router...) as children of `parent`. */
export type PlatformFactory = (config: BlueGreenConfig, parent: pulumi.ComponentResource) => Platform;
