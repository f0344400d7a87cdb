/**
 * DockerBlueGreen: the release on the local Docker engine (HAProxy router,
 * Postgres, one container per color), as a component of the user's program.
 */
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { dockerPlatform } from "../docker";
import type { DockerConfig } from "../docker/config";
import type { DatabaseArgs, ReleaseArgs } from "./args";
import { releaseOutputs, startRelease } from "./release";
import { libraryConfig } from "./settings";

/** Host ports that expose each color alone, so the gate can probe it. */
export interface DockerColorPortsArgs {
  /** @default 8081 */
  readonly blue?: number;
  /** @default 8082 */
  readonly green?: number;
}

/** The local platform's settings (`bluegreen:docker` of a stack file). */
export interface DockerSettingsArgs {
  /** Docker network of the stack. @default "bluegreen" */
  readonly network?: string;
  /** Host port of the router (the app's URL). @default 8080 */
  readonly routerPort?: number;
  /** Host port of the router's runtime API. @default 9999 */
  readonly adminPort?: number;
  /** @default blue 8081, green 8082 */
  readonly colorPorts?: DockerColorPortsArgs;
  /** @default "postgres:16.4" */
  readonly postgresImage?: string;
  /** @default "haproxy:2.8.10" */
  readonly routerImage?: string;
  /** More addresses the runtime API answers besides the network's gateway. @default [] */
  readonly runtimeApiClients?: string[];
  /** Why the runtime API answers more than the gateway: required with `runtimeApiClients`. @default none */
  readonly securityException?: string;
}

export interface DockerBlueGreenArgs extends ReleaseArgs {
  /** @default every default of the local platform */
  readonly docker?: DockerSettingsArgs;
  /** Only checked for consistency: the local platform snapshots its own Postgres. @default none */
  readonly database?: DatabaseArgs;
}

/** A blue/green release on the local Docker engine: see docs/library.md. */
export class DockerBlueGreen extends pulumi.ComponentResource {
  /** Where users reach the app through the router. */
  declare readonly url: pulumi.Output<string>;
  /** The color with the larger weight (blue on a tie). */
  declare readonly primaryColor: pulumi.Output<string>;
  /** Relative weights by color. */
  declare readonly weights: pulumi.Output<{ [color: string]: number }>;
  /** Shares by color that sum to exactly 100. */
  declare readonly trafficPercent: pulumi.Output<{ [color: string]: number }>;
  /** Version of each color. */
  declare readonly versions: pulumi.Output<{ [color: string]: string }>;
  /** The pre-migration snapshot of the configured migration. */
  declare readonly snapshotId: pulumi.Output<string | undefined>;
  /** "passed" or "skipped", by color. */
  declare readonly gateVerdicts: pulumi.Output<{ [color: string]: string }>;
  /** Where each color alone answers, as its gate probes it. */
  declare readonly probeUrls: pulumi.Output<{ [color: string]: string }>;
  /** Container and router ids. */
  declare readonly resourceIds: pulumi.Output<{ [key: string]: string }>;

  constructor(name: string, args: DockerBlueGreenArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validated before registering anything: invalid Args leave no half-built component behind.
    const { gateHeaders, ...settings } = args;
    const config = libraryConfig("DockerBlueGreen", name, "docker", settings) as DockerConfig;
    super(COMPONENT_TYPES.dockerBlueGreen, name, {}, opts);
    const app = startRelease(name, config, (scope) => dockerPlatform(config, scope), gateHeaders, { parent: this });
    // The fields are declared above for the schema; their values are the release's outputs.
    const outputs = releaseOutputs(app);
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
}
