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
import type { BlueGreenConfig } from "./config";
import { HealthGate } from "./gate/healthGate";
import { COLORS, Color, childName, otherColor, snapshotIdentifier } from "./naming";
import type { ColorDeployment, PlatformFactory } from "./platform";
import { releaseView } from "./release";
import { trafficPlan } from "./traffic";

export interface BlueGreenAppArgs {
  readonly config: BlueGreenConfig;
  readonly platform: PlatformFactory;
  /** Secret request headers for the gate's probes (e.g. an auth token). */
  readonly gateHeaders?: pulumi.Input<Record<string, string>>;
}

export class BlueGreenApp extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly primary: Color;
  readonly weights: Record<Color, number>;
  readonly percent: Record<Color, number>;
  readonly versions: Record<Color, string>;
  readonly snapshotId: string | undefined;
  readonly migrationVersion: string | undefined;
  readonly ids: pulumi.Output<Record<string, string>>;
  readonly gateVerdicts: Record<Color, pulumi.Output<string>>;

  constructor(name: string, args: BlueGreenAppArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("bluegreen:index:BlueGreenApp", name, {}, opts);
    const { config } = args;
    const platform = args.platform(config, this);
    const plan = trafficPlan(config.traffic);
    const release = releaseView(config);

    const snapshotId = config.migration ? snapshotIdentifier(config.app.name, config.migration.version) : undefined;
    const snapshot = snapshotId ? platform.databaseSnapshot(snapshotId, { dependsOn: [] }) : undefined;
    const migration = config.migration
      ? platform.migration(config.migration, { dependsOn: snapshot ? [snapshot] : [] })
      : undefined;

    const services = {} as Record<Color, ColorDeployment>;
    for (const color of COLORS) {
      const waitsForMigration = migration !== undefined && color === release.candidate;
      services[color] = platform.colorService(color, { dependsOn: waitsForMigration ? [migration] : [] });
    }

    const gates = COLORS.map(
      (color) =>
        new HealthGate(
          childName(name, `${color}-gate`),
          {
            app: config.app.name,
            color,
            version: config[color].version,
            otherVersion: config[otherColor(color)].version,
            weight: config.traffic[color],
            totalWeight: plan.total,
            rollback: config.traffic.rollback,
            targets: pulumi
              .output(services[color].gateTargets)
              .apply((urls) => [...urls, ...(config.gate.targets[color] ?? [])]),
            settings: config.gate,
            headers: args.gateHeaders,
          },
          { parent: this, dependsOn: [services[color].ready, ...(migration ? [migration] : [])] },
        ),
    );

    const routing = platform.routing(config.traffic, { dependsOn: gates });

    this.url = pulumi.output(routing.url);
    this.primary = plan.primary;
    this.weights = { ...plan.weights };
    this.percent = { ...plan.percent };
    this.versions = { blue: config.blue.version, green: config.green.version };
    this.snapshotId = snapshotId;
    this.migrationVersion = config.migration?.version;
    this.ids = pulumi.output({
      ...Object.fromEntries(
        COLORS.flatMap((color) => Object.entries(services[color].ids).map(([key, id]) => [`${color}.${key}`, id])),
      ),
      ...routing.ids,
    }) as pulumi.Output<Record<string, string>>;
    this.gateVerdicts = { blue: gates[0].verdict, green: gates[1].verdict };
    this.registerOutputs({ url: this.url, ids: this.ids, gateVerdicts: this.gateVerdicts });
  }
}
