/**
 * KubernetesBlueGreen: the release on the user's cluster (a Deployment and a
 * Service per color, an HTTPRoute with weighted backendRefs on the user's
 * Gateway), as a component of the user's program. The cluster is the
 * Kubernetes provider the user passes (`providers` / `provider` option) or
 * the default one.
 */
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { kubernetesPlatform } from "../kubernetes";
import type { KubernetesConfig } from "../kubernetes/config";
import type { DatabaseArgs, ReleaseArgs } from "./args";
import { engineConfig, releaseOutputs, startRelease } from "./release";
import { libraryConfig } from "./settings";

/** An existing Gateway the routes attach to, by name. */
export interface GatewayRefArgs {
  /** The Gateway's name. */
  readonly name: string;
  /** Its namespace. @default the app's namespace */
  readonly namespace?: string;
  /** The listener to attach to. @default every listener that allows the route */
  readonly sectionName?: string;
}

/** An extra route per color, so the gate can probe each alone. */
export interface ColorRoutesArgs {
  /** Hostname containing {color}, e.g. "{color}.api.internal.example.com". */
  readonly hostname: string;
  /** @default `gateway` */
  readonly gateway?: GatewayRefArgs;
}

/** A CPU and memory quantity. */
export interface ComputeArgs {
  /** e.g. "250m". */
  readonly cpu: string;
  /** e.g. "256Mi". */
  readonly memory: string;
}

/** Requests and limits of every app container and of the migration Job. */
export interface PodResourcesArgs {
  /** @default cpu "250m", memory "256Mi" */
  readonly requests?: ComputeArgs;
  /** @default cpu "1", memory "512Mi" */
  readonly limits?: ComputeArgs;
}

/** The kubernetes platform's settings (`bluegreen:kubernetes` of a stack file). */
export interface KubernetesSettingsArgs {
  /** The existing namespace (or one to create). @default "default" */
  readonly namespace?: string;
  /** Create the namespace (kept on destroy). @default false */
  readonly createNamespace?: boolean;
  /** The user's Gateway that carries user traffic. */
  readonly gateway: GatewayRefArgs;
  /** Hostnames of the weighted route; the first is the app's URL. */
  readonly hostnames: string[];
  /** `https` or `http`. @default "https" */
  readonly scheme?: string;
  /** Port of each color's Service. @default 80 */
  readonly servicePort?: number;
  /** @default none */
  readonly colorRoutes?: ColorRoutesArgs;
  /** Base URL where the gate reaches one color, containing {color}. @default from `colorRoutes` */
  readonly gateUrlTemplate?: string;
  /** @default requests 250m/256Mi, limits 1/512Mi */
  readonly resources?: PodResourcesArgs;
}

export interface KubernetesBlueGreenArgs extends ReleaseArgs {
  readonly kubernetes: KubernetesSettingsArgs;
  /** The RDS instance snapshotted before each migration (mode `existing`; needs `aws:region`). @default none */
  readonly database?: DatabaseArgs;
}

/** A blue/green release on the user's Kubernetes cluster and Gateway: see docs/library.md. */
export class KubernetesBlueGreen extends pulumi.ComponentResource {
  /** Where users reach the app through the weighted route. */
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
  /** Service and route names. */
  declare readonly resourceIds: pulumi.Output<{ [key: string]: string }>;

  constructor(name: string, args: KubernetesBlueGreenArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validated before registering anything: invalid Args leave no half-built component behind.
    const { gateHeaders, ...settings } = args;
    const config = libraryConfig(
      "KubernetesBlueGreen",
      name,
      "kubernetes",
      settings,
      engineConfig(),
    ) as KubernetesConfig;
    super(COMPONENT_TYPES.kubernetesBlueGreen, name, {}, opts);
    const app = startRelease(name, config, (scope) => kubernetesPlatform(config, scope), gateHeaders, {
      parent: this,
    });
    // The fields are declared above for the schema; their values are the release's outputs.
    const outputs = releaseOutputs(app);
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
}
