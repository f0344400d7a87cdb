/**
 * What every platform (aws, kubernetes, docker) provides to the neutral
 * release flow in `blueGreenApp.ts`. The flow owns the ordering (snapshot →
 * migration → new color → gate → routing); a platform only knows how to
 * build each step on its own infrastructure. Data flows forward: deploying a
 * color returns what its gate and the router need, and routing receives both
 * colors' deployments with the traffic settings.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CoreConfig, MigrationConfig, TrafficConfig } from "./config/schema";
import type { Color } from "./contracts/colors";
import type { SnapshotPurpose } from "./contracts/markers";
import type { TrafficRouteInput } from "./contracts/outputs";
import type { RehearsalReport } from "./contracts/rehearsalReport";

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

export function colorBasics(config: CoreConfig, color: Color): ColorBasics {
  const { version, image, env } = config[color];
  return { app: config.app.name, color, version, image, env, port: config.app.port, healthPath: config.app.healthPath };
}

/** A deployed color: what its gate and the router need. */
export interface ColorDeployment<Backend> {
  /** The running color: the gate probes it only once this is ready. */
  readonly ready: pulumi.Resource;
  /** Where this color alone answers, health path included (not through the weighted route); undefined when the platform has no such URL. */
  readonly probeUrl: pulumi.Input<string> | undefined;
  /** What the router sends this color's traffic to (a target group ARN, a Service name, a host). */
  readonly backend: Backend;
  /** Platform ids worth exporting (target group ARN, Service name, container id...). */
  readonly ids: Record<string, pulumi.Input<string>>;
}

/** What the weighted route is built from. */
export interface RoutingRequest<Backend> {
  readonly colors: Readonly<Record<Color, ColorDeployment<Backend>>>;
  /** Weights and stickiness. */
  readonly traffic: TrafficConfig;
}

export interface RoutingDeployment {
  /** Where users reach the app through the weighted route. */
  readonly url: pulumi.Input<string>;
  /** Where the weighted route lives, for a rollback's direct move (the `trafficRoute` output). */
  readonly trafficRoute: TrafficRouteInput;
  readonly ids: Record<string, pulumi.Input<string>>;
}

/** What a step waits for. */
export interface StepOptions {
  readonly dependsOn: readonly pulumi.Resource[];
}

/** The migration step: what later steps wait for, and what its rehearsal measured. */
export interface MigrationStep {
  /** Done once the migration and its checks succeeded. */
  readonly done: pulumi.Resource;
  /** The rehearsal's report (duration, locks per table); undefined when the platform does not measure one. */
  readonly rehearsal?: pulumi.Output<RehearsalReport | undefined>;
}

/** Stack outputs only some platforms have (see components/contracts/outputs.ts). */
export interface PlatformOutputs {
  /** Security groups an existing database must admit, by client (blue, green, migration). */
  readonly databaseClientSecurityGroups?: Record<string, pulumi.Input<string>>;
}

/** Builds one release's resources on a platform; every method is called once per purpose, in the flow's order. */
export interface Platform<Backend> {
  /**
   * A database snapshot named `snapshotId`, taken before the migration (`pre-migration`, once) or as a hotfix's
   * emergency snapshot (`hotfix`, even without a migration; @default pre-migration); undefined when the platform has no
   * database to snapshot.
   */
  databaseSnapshot(snapshotId: string, step: StepOptions, purpose?: SnapshotPurpose): pulumi.Resource | undefined;
  migration(migration: MigrationConfig, step: StepOptions): MigrationStep;
  colorService(color: Color, step: StepOptions): ColorDeployment<Backend>;
  routing(request: RoutingRequest<Backend>, step: StepOptions): RoutingDeployment;
  /** The platform's own outputs, asked for after routing; a platform without any leaves it out. */
  outputs?(): PlatformOutputs;
}

/** Where a platform's resources go: named from the app component's name, parented to it. */
export interface PlatformScope {
  readonly name: string;
  readonly parent: pulumi.ComponentResource;
}

/** Creates the platform's shared base (cluster, network, router...) in `scope`. */
export type PlatformFactory<Backend> = (scope: PlatformScope) => Platform<Backend>;
