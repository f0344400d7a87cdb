/**
 * The local platform on Docker: no cloud account needed. Both colors, an
 * HAProxy router whose weights move live, Postgres with pre-migration
 * snapshots (pg_dump into a volume) and the migration as a container that
 * must exit 0, ordered exactly as on AWS by the shared release flow. Nothing
 * on the stack network drives the router (its runtime API answers the host
 * side only) or reaches the database without a password: the colors connect
 * as the app role, the one-off steps as the migration role.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { COLORS } from "../contracts/colors";
import { HOTFIX, PRE_MIGRATION, STEP_PURPOSES } from "../contracts/markers";
import { maintenancePage } from "../maintenance";
import { childName } from "../naming";
import { OneShotCommand } from "../oneShotCommand";
import { childOptions } from "../options";
import { colorBasics, Platform, PlatformScope } from "../platform";
import { ColorContainer } from "./colorContainer";
import type { DockerConfig } from "./config";
import { migrationSession } from "../migrationSessions";
import { LocalDatabase, SNAPSHOT_DIR } from "./localDatabase";
import { localMigration } from "./localMigration";
import { dockerRunArgs, snapshotScript } from "./postgresScripts";
import { CLIENT_ENV_NAMES } from "./postgresRoles";
import { Router } from "./router";

/** The IPv4 gateways Docker reports for the stack network; none is an error, since the router would refuse every client. */
export function networkGateways(network: string, configs: readonly { gateway?: string }[] | undefined): string[] {
  const gateways = (configs ?? []).flatMap((c) =>
    c.gateway && /^\d+\.\d+\.\d+\.\d+$/.test(c.gateway) ? [c.gateway] : [],
  );
  if (gateways.length === 0) {
    throw new Error(
      `Docker reported no IPv4 gateway for network ${network} (ipam config ${JSON.stringify(configs)}); ` +
        "the router's runtime API answers only the gateway. Fix: give the network an IPv4 subnet (the bridge driver's default).",
    );
  }
  return gateways;
}

/** Where the router reaches a color: its name on the stack network. */
export interface DockerBackend {
  readonly host: string;
}

export function dockerPlatform(config: DockerConfig, { name, parent }: PlatformScope): Platform<DockerBackend> {
  const app = config.app.name;
  const settings = config.docker;
  const opts = childOptions(parent);
  const network = new docker.Network(
    childName(name, "network"),
    { name: `${settings.network}-${app}`, driver: "bridge" },
    opts,
  );
  const database = new LocalDatabase(
    childName(name, "database"),
    {
      app,
      image: settings.postgresImage,
      networkName: network.name,
      ...(config.migration ? { migrationSession: migrationSession(config.migration) } : {}),
    },
    opts,
  );
  const pgEnv = database.migrationEnv();
  // The host side of the network, as the router sees Docker's published port: the runtime API's client (with any
  // `bluegreen:docker.runtimeApiClients` a stack file states a reason for).
  const gateways = pulumi
    .all([network.name, network.ipamConfigs])
    .apply(([networkName, configs]) => networkGateways(networkName, configs));

  return {
    databaseSnapshot(snapshotId, step, purpose = PRE_MIGRATION) {
      const file = `${SNAPSHOT_DIR}/${snapshotId}.dump`;
      return new OneShotCommand(
        childName(name, `${purpose}-snapshot`),
        {
          purpose: STEP_PURPOSES.snapshot,
          description: purpose === HOTFIX ? `emergency snapshot ${snapshotId} (hotfix)` : `snapshot ${snapshotId}`,
          command: pulumi.all([network.name, database.snapshotVolumeName]).apply(([networkName, volume]) =>
            dockerRunArgs({
              image: settings.postgresImage,
              network: networkName,
              volumes: [{ name: volume, mountPath: SNAPSHOT_DIR }],
              envNames: CLIENT_ENV_NAMES,
              command: ["sh", "-c", snapshotScript({ file })],
            }),
          ),
          env: pgEnv,
          timeoutSeconds: 1800,
          runKey: snapshotId,
        },
        childOptions(parent, [...step.dependsOn, database]),
      );
    },
    migration(migration, step) {
      return localMigration(
        name,
        { app, migration, database, networkName: network.name, postgresImage: settings.postgresImage, parent },
        step,
      );
    },
    colorService(color, step) {
      const service = new ColorContainer(
        childName(name, color),
        {
          ...colorBasics(config, color),
          hostPort: settings.colorPorts[color],
          networkName: network.name,
          user: config[color].user,
          databaseUrl: database.appDatabaseUrl,
        },
        childOptions(parent, [...step.dependsOn, database]),
      );
      return {
        ready: service,
        probeUrl: service.probeUrl,
        backend: { host: service.host },
        ids: { containerId: service.containerId },
      };
    },
    routing({ colors, traffic }, step) {
      const router = new Router(
        childName(name, "router"),
        {
          app,
          image: settings.routerImage,
          networkName: network.name,
          healthPath: config.app.healthPath,
          appPort: config.app.port,
          backends: { blue: colors.blue.backend.host, green: colors.green.backend.host },
          weights: { blue: traffic.blue, green: traffic.green },
          routerPort: settings.routerPort,
          adminPort: settings.adminPort,
          runtimeApiClients: gateways.apply((addresses) => [...addresses, ...settings.runtimeApiClients]),
          maintenance: {
            enabled: config.maintenance.enabled,
            page: maintenancePage(config.maintenance.message),
            retryAfterSeconds: config.maintenance.retryAfterSeconds,
          },
        },
        childOptions(parent, step.dependsOn),
      );
      return {
        url: router.url,
        trafficRoute: router.trafficRoute,
        ids: Object.fromEntries(COLORS.map((c) => [`${c}.host`, colors[c].backend.host])),
      };
    },
  };
}
