/**
 * The release flow, the same on every platform:
 *
 *   snapshot ─▶ migration ─▶ candidate color ─▶ gate (per color) ─▶ weighted routing
 *
 * The candidate (the color running the newer version) starts only after the
 * migration succeeded, and routing changes only after each color's gate has
 * passed, so a failed snapshot, migration or health check leaves the traffic
 * where it was. A weight decrease passes its gate without probing.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CoreConfig } from "./config/schema";
import { COLORS, Color, otherColor } from "./contracts/colors";
import { COMPONENT_TYPES } from "./contracts/resourceTypes";
import { snapshotIdentifier } from "./contracts/snapshots";
import { GateVerdict, PromotionGate } from "./gate/promotionGate";
import { childName } from "./naming";
import { childOptions } from "./options";
import type { ColorDeployment, PlatformFactory } from "./platform";
import { releaseView } from "./release";
import { trafficPlan, TrafficWeights } from "./traffic";

export interface BlueGreenAppArgs<Backend> {
  /** The validated stack config (see components/platforms.ts). */
  readonly config: CoreConfig;
  /** Builds the platform's resources as children of this component. */
  readonly platform: PlatformFactory<Backend>;
  /** Secret request headers for the gate's probes (e.g. an auth token). @default none */
  readonly gateHeaders?: pulumi.Input<Record<string, string>>;
  /**
   * The snapshot being restored (`bluegreen:database.restoreFromSnapshot`):
   * with it, traffic may move back to an older major version after an
   * irreversible migration. @default none
   */
  readonly restoreSnapshot?: string;
}

export class BlueGreenApp<Backend> extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly primary: Color;
  readonly weights: TrafficWeights;
  readonly percent: TrafficWeights;
  readonly versions: Record<Color, string>;
  readonly snapshotId: string | undefined;
  readonly migrationVersion: string | undefined;
  readonly ids: pulumi.Output<Record<string, string>>;
  readonly gateVerdicts: Record<Color, pulumi.Output<GateVerdict>>;
  /** Where each color alone answers, as its gate probes it. */
  readonly probeUrls: Record<Color, pulumi.Output<string | undefined>>;
  /** Security groups an existing database must admit (the platform's, when it has them). */
  readonly databaseClientSecurityGroups: pulumi.Output<Record<string, string> | undefined>;

  constructor(name: string, args: BlueGreenAppArgs<Backend>, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.app, name, {}, opts);
    const { config } = args;
    const platform = args.platform({ name, parent: this });
    const plan = trafficPlan(config.traffic);
    const release = releaseView(config);

    const snapshotId = config.migration ? snapshotIdentifier(config.app.name, config.migration.version) : undefined;
    const snapshot = snapshotId ? platform.databaseSnapshot(snapshotId, { dependsOn: [] }) : undefined;
    const migration = config.migration
      ? platform.migration(config.migration, { dependsOn: snapshot ? [snapshot] : [] })
      : undefined;

    const colors = {} as Record<Color, ColorDeployment<Backend>>;
    for (const color of COLORS) {
      const waitsForMigration = migration !== undefined && color === release.candidate;
      colors[color] = platform.colorService(color, { dependsOn: waitsForMigration ? [migration] : [] });
    }

    const gates = {} as Record<Color, PromotionGate>;
    for (const color of COLORS) {
      const { probeUrl, ready } = colors[color];
      gates[color] = new PromotionGate(
        childName(name, `${color}-gate`),
        {
          app: config.app.name,
          color,
          version: config[color].version,
          image: config[color].image,
          otherVersion: config[otherColor(color)].version,
          otherImage: config[otherColor(color)].image,
          weight: config.traffic[color],
          totalWeight: plan.total,
          rollback: config.traffic.rollback,
          targets: pulumi
            .output(probeUrl)
            .apply((url) => [...(url === undefined ? [] : [url]), ...(config.gate.targets[color] ?? [])]),
          settings: config.gate,
          headers: args.gateHeaders,
          ...(config.migration && !config.migration.reversible
            ? {
                irreversibleMigration: {
                  version: config.migration.version,
                  restoreConfigured: args.restoreSnapshot !== undefined,
                },
              }
            : {}),
        },
        childOptions(this, [opts.dependsOn, ready, ...(migration ? [migration] : [])]),
      );
    }

    const routing = platform.routing(
      { colors, traffic: config.traffic },
      { dependsOn: COLORS.map((color) => gates[color]) },
    );

    this.url = pulumi.output(routing.url);
    this.primary = plan.primary;
    this.weights = { ...plan.weights };
    this.percent = { ...plan.percent };
    this.versions = { blue: config.blue.version, green: config.green.version };
    this.snapshotId = snapshotId;
    this.migrationVersion = config.migration?.version;
    this.ids = pulumi.output({
      ...Object.fromEntries(
        COLORS.flatMap((color) => Object.entries(colors[color].ids).map(([key, id]) => [`${color}.${key}`, id])),
      ),
      ...routing.ids,
    }) as pulumi.Output<Record<string, string>>;
    this.gateVerdicts = { blue: gates.blue.verdict, green: gates.green.verdict };
    this.probeUrls = { blue: pulumi.output(colors.blue.probeUrl), green: pulumi.output(colors.green.probeUrl) };
    this.databaseClientSecurityGroups = pulumi.output(
      platform.outputs?.().databaseClientSecurityGroups,
    ) as pulumi.Output<Record<string, string> | undefined>;
    this.registerOutputs({
      url: this.url,
      ids: this.ids,
      gateVerdicts: this.gateVerdicts,
      probeUrls: this.probeUrls,
      databaseClientSecurityGroups: this.databaseClientSecurityGroups,
    });
  }
}
