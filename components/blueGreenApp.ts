/**
 * The release flow, the same on every platform:
 *
 *   guard ─▶ snapshot ─▶ migration ─▶ candidate color ─▶ gate (per color) ─▶ weighted routing
 *     │  └─▶ emergency snapshot (hotfix) ──┘
 *     └─ reads its record, which moves only once the migration completed
 *
 * The candidate (the color running the newer version) starts only after the
 * migration succeeded, and routing changes only after each color's gate has
 * passed, so a failed snapshot, migration or health check leaves the traffic
 * where it was. A weight decrease passes its gate without probing. The
 * release guard's Check refuses, at preview and before any step, what needs
 * the previous state (a hotfix with a new migration, a breaking migration in
 * production without the maintenance page), judged against the migration that
 * last completed (guard/releaseGuard.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import type { CoreConfig } from "./config/schema";
import { COLORS, Color, otherColor } from "./contracts/colors";
import { resourceIdOf } from "./contracts/outputs";
import { COMPONENT_TYPES } from "./contracts/resourceTypes";
import { HOTFIX } from "./contracts/markers";
import type { TrafficRoute } from "./contracts/outputs";
import type { RehearsalReport } from "./contracts/rehearsalReport";
import { hotfixSnapshotIdentifier, snapshotIdentifier } from "./contracts/snapshots";
import { GateVerdict, PromotionGate } from "./gate/promotionGate";
import { guardRelease } from "./guard/releaseGuard";
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
  /** `bluegreen:release.hotfix`: its reason and emergency snapshot; undefined for a regular release. */
  readonly hotfix: { readonly reason: string; readonly snapshotId: string } | undefined;
  readonly ids: pulumi.Output<Record<string, string>>;
  readonly gateVerdicts: Record<Color, pulumi.Output<GateVerdict>>;
  /** Where each color alone answers, as its gate probes it. */
  readonly probeUrls: Record<Color, pulumi.Output<string | undefined>>;
  /** Where the weighted route lives, for a rollback's direct move. */
  readonly trafficRoute: pulumi.Output<TrafficRoute>;
  /** What the migration's rehearsal measured on the copy; undefined without a rehearsal or where none is measured. */
  readonly rehearsal: pulumi.Output<RehearsalReport | undefined>;
  /** Security groups an existing database must admit (the platform's, when it has them). */
  readonly databaseClientSecurityGroups: pulumi.Output<Record<string, string> | undefined>;

  constructor(name: string, args: BlueGreenAppArgs<Backend>, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.app, name, {}, opts);
    const { config } = args;
    // Registered first, so that its Check refuses before the platform's first step.
    const { guard, recordMigration } = guardRelease(name, config, this);
    const platform = args.platform({ name, parent: this });
    const plan = trafficPlan(config.traffic);
    const release = releaseView(config);
    const afterGuard = { dependsOn: [guard] };

    const snapshotId = config.migration ? snapshotIdentifier(config.app.name, config.migration.version) : undefined;
    const snapshot = snapshotId ? platform.databaseSnapshot(snapshotId, afterGuard) : undefined;
    const migration = config.migration
      ? platform.migration(config.migration, snapshot ? { dependsOn: [snapshot] } : afterGuard)
      : undefined;
    // The guard's record moves to this migration only once the whole migration step succeeded.
    recordMigration(migration?.done);
    // The hotfix rule makes the candidate a patch release of the stable color, so there is one.
    const hotfixVersion = config.release.hotfix && release.candidate ? config[release.candidate].version : undefined;
    const hotfixSnapshotId = hotfixVersion && hotfixSnapshotIdentifier(config.app.name, hotfixVersion);
    const emergencySnapshot = hotfixSnapshotId
      ? platform.databaseSnapshot(hotfixSnapshotId, afterGuard, HOTFIX)
      : undefined;

    const colors = {} as Record<Color, ColorDeployment<Backend>>;
    for (const color of COLORS) {
      const waitsFor = color === release.candidate ? [migration?.done, emergencySnapshot] : [];
      colors[color] = platform.colorService(color, {
        dependsOn: waitsFor.filter((step): step is pulumi.Resource => step !== undefined),
      });
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
          ...(config.release.hotfix ? { hotfix: true } : {}),
          // Not diffed by the gate: switching maintenance alone re-probes nothing (it is neither a promotion nor a step).
          ...(config.maintenance.enabled ? { maintenance: true } : {}),
          ...(config.migration && !config.migration.reversible
            ? {
                irreversibleMigration: {
                  version: config.migration.version,
                  restoreConfigured: args.restoreSnapshot !== undefined,
                },
              }
            : {}),
        },
        childOptions(this, [opts.dependsOn, ready, ...(migration ? [migration.done] : [])]),
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
    this.hotfix =
      config.release.hotfix && hotfixSnapshotId
        ? { reason: config.release.hotfix.reason, snapshotId: hotfixSnapshotId }
        : undefined;
    this.ids = pulumi.output({
      ...Object.fromEntries(
        COLORS.flatMap((color) => Object.entries(colors[color].ids).map(([key, id]) => [resourceIdOf(color, key), id])),
      ),
      ...routing.ids,
    }) as pulumi.Output<Record<string, string>>;
    this.gateVerdicts = { blue: gates.blue.verdict, green: gates.green.verdict };
    this.probeUrls = { blue: pulumi.output(colors.blue.probeUrl), green: pulumi.output(colors.green.probeUrl) };
    this.trafficRoute = pulumi.output(routing.trafficRoute) as pulumi.Output<TrafficRoute>;
    this.rehearsal = pulumi.output(migration?.rehearsal);
    this.databaseClientSecurityGroups = pulumi.output(
      platform.outputs?.().databaseClientSecurityGroups,
    ) as pulumi.Output<Record<string, string> | undefined>;
    this.registerOutputs({
      url: this.url,
      ids: this.ids,
      gateVerdicts: this.gateVerdicts,
      probeUrls: this.probeUrls,
      trafficRoute: this.trafficRoute,
      databaseClientSecurityGroups: this.databaseClientSecurityGroups,
      rehearsal: this.rehearsal,
    });
  }
}
