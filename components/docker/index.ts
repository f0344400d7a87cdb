/**
 * The local platform on Docker: no cloud account needed. Both colors, an
 * HAProxy router whose weights move live, Postgres with pre-migration
 * snapshots (pg_dump into a volume) and the migration as a container that
 * must exit 0, ordered exactly as on AWS by the shared release flow.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { COLORS, Color, childName } from "../naming";
import { OneShotCommand } from "../oneShotCommand";
import { Platform, PlatformFactory, colorBasics } from "../platform";
import { ColorContainer } from "./colorContainer";
import { LocalDatabase, SNAPSHOT_DIR } from "./localDatabase";
import { dockerRunArgs, snapshotScript } from "./postgresScripts";
import { Router } from "./router";

export const dockerPlatform: PlatformFactory = (config, parent): Platform => {
  const app = config.app.name;
  const settings = config.docker;
  const opts = { parent };
  const network = new docker.Network(childName(app, "network"), { name: `${settings.network}-${app}`, driver: "bridge" }, opts);
  const database = new LocalDatabase(childName(app, "database"), { app, image: settings.postgresImage, networkName: network.name }, opts);
  const pgEnv = database.clientEnv();
  const hosts = {} as Record<Color, string>;

  return {
    databaseSnapshot(snapshotId, step) {
      const file = `${SNAPSHOT_DIR}/${snapshotId}.dump`;
      return new OneShotCommand(childName(app, "pre-migration-snapshot"), {
        description: `snapshot ${snapshotId}`,
        command: pulumi.all([network.name, database.snapshotVolumeName]).apply(([networkName, volume]) =>
          dockerRunArgs({
            image: settings.postgresImage,
            network: networkName,
            volumes: [{ name: volume, mountPath: SNAPSHOT_DIR }],
            env: pgEnv,
            command: ["sh", "-c", snapshotScript({ file })],
          }),
        ),
        env: pgEnv,
        timeoutSeconds: 1800,
        runKey: snapshotId,
      }, { parent, dependsOn: [...step.dependsOn, database] });
    },
    migration(migration, step) {
      return new OneShotCommand(childName(app, "migration-run"), {
        description: `migration ${migration.version}`,
        command: network.name.apply((networkName) =>
          dockerRunArgs({ image: migration.image, network: networkName, volumes: [], env: pgEnv, command: migration.command }),
        ),
        env: pgEnv,
        timeoutSeconds: migration.timeoutSeconds,
        runKey: migration.version,
      }, { parent, dependsOn: [...step.dependsOn, database] });
    },
    colorService(color, step) {
      const service = new ColorContainer(childName(app, color), {
        ...colorBasics(config, color),
        hostPort: settings.colorPorts[color],
        networkName: network.name,
        databaseUrl: `postgres://postgres@${database.host}:5432/${database.databaseName}`,
      }, { parent, dependsOn: [...step.dependsOn, database] });
      hosts[color] = service.host;
      return { ready: service, gateTargets: [service.probeUrl], ids: { containerId: service.containerId } };
    },
    routing(weights, step) {
      const router = new Router(childName(app, "router"), {
        app,
        image: settings.routerImage,
        networkName: network.name,
        healthPath: config.app.healthPath,
        appPort: config.app.port,
        backends: { blue: hosts.blue, green: hosts.green },
        weights,
        routerPort: settings.routerPort,
        adminPort: settings.adminPort,
      }, { parent, dependsOn: step.dependsOn });
      return { url: router.url, ids: Object.fromEntries(COLORS.map((c) => [`${c}.host`, hosts[c]])) };
    },
  };
};
