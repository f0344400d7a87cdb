/**
 * The local stack's Postgres: a container on the stack's private network with
 * its data in a named volume, and a second volume that keeps the
 * pre-migration snapshots (pg_dump files, one per migration version).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";

export interface LocalDatabaseArgs {
  readonly app: string;
  /** Postgres image, pinned; the config's default: "postgres:16.4". */
  readonly image: string;
  readonly networkName: pulumi.Input<string>;
}

/** Where the snapshot volume is mounted in the one-off snapshot containers. */
export const SNAPSHOT_DIR = "/snapshots";

export class LocalDatabase extends pulumi.ComponentResource {
  readonly host: string;
  readonly databaseName: string;
  readonly snapshotVolumeName: pulumi.Output<string>;
  readonly container: docker.Container;

  constructor(name: string, args: LocalDatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.dockerLocalDatabase, name, {}, opts);
    const parent = childOptions(this, opts.dependsOn);
    // Kept on delete: `pulumi destroy` of a local stack never deletes data or snapshots.
    const keep = childOptions(this, opts.dependsOn, { retainOnDelete: true });
    const data = new docker.Volume(childName(name, "data"), { name: `${args.app}-pgdata` }, keep);
    const snapshots = new docker.Volume(childName(name, "snapshots"), { name: `${args.app}-snapshots` }, keep);
    const image = new docker.RemoteImage(childName(name, "image"), { name: args.image, keepLocally: true }, parent);
    this.host = `${args.app}-postgres`;
    this.databaseName = args.app;
    this.container = new docker.Container(
      childName(name, "postgres"),
      {
        name: this.host,
        image: image.imageId,
        envs: [
          `POSTGRES_DB=${this.databaseName}`,
          // Reachable only on the stack's private network (no published port): no password to leak.
          "POSTGRES_HOST_AUTH_METHOD=trust",
        ],
        networksAdvanced: [{ name: args.networkName, aliases: [this.host] }],
        volumes: [{ volumeName: data.name, containerPath: "/var/lib/postgresql/data" }],
        healthcheck: {
          tests: ["CMD-SHELL", `pg_isready -U postgres -d ${this.databaseName}`],
          interval: "2s",
          timeout: "2s",
          retries: 15,
        },
        wait: true,
        waitTimeout: 120,
        restart: "unless-stopped",
        // Fixed name: the old container must go before its replacement starts (the data stays in its volume).
      },
      childOptions(this, opts.dependsOn, { deleteBeforeReplace: true }),
    );
    this.snapshotVolumeName = snapshots.name;
    this.registerOutputs({ host: this.host, snapshotVolumeName: this.snapshotVolumeName });
  }

  /** Connection variables for Postgres client tools in one-off containers on the same network. */
  clientEnv(): Record<string, string> {
    return { PGHOST: this.host, PGPORT: "5432", PGUSER: "postgres", PGDATABASE: this.databaseName };
  }
}
