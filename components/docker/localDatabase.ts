/**
 * The local stack's Postgres: a container on the stack's private network with
 * its data in a named volume, and a second volume that keeps the
 * pre-migration snapshots (pg_dump files, one per migration version).
 *
 * Nobody connects without a password: passwords are generated on the first
 * `pulumi up` and kept as Pulumi secrets, pg_hba.conf asks every network
 * client for SCRAM-SHA-256, and the superuser is reachable only from inside
 * the container. The colors connect as the app role, which can read and
 * write rows but create nothing and touch no server file; the migration, the
 * snapshot and a restore connect as the migration role, owner of the schema.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { OneShotCommand } from "../oneShotCommand";
import { childOptions } from "../options";
import type { MigrationSession } from "../migrationSessions";
import { PostgresPassword } from "./postgresPassword";
import {
  connectionUrl,
  databaseRoles,
  DatabaseRoles,
  hbaConfig,
  migrationClientEnv,
  rolesScript,
  SUPERUSER,
  VERIFIER_ENV,
} from "./postgresRoles";

export interface LocalDatabaseArgs {
  readonly app: string;
  /** Postgres image, pinned; the config's default: "postgres:16.4". */
  readonly image: string;
  readonly networkName: pulumi.Input<string>;
  /** The configured migration's session limits, set on the migration role (ALTER ROLE ... SET). @default none */
  readonly migrationSession?: MigrationSession;
}

/** Where the snapshot volume is mounted in the one-off snapshot containers. */
export const SNAPSHOT_DIR = "/snapshots";
/** Read with `-c hba_file=...`: it applies to a data volume initialised before it existed, too. */
export const HBA_FILE = "/etc/bluegreen/pg_hba.conf";
/** The image's entrypoint reads the superuser password from here (POSTGRES_PASSWORD_FILE), never from a variable. */
export const SUPERUSER_PASSWORD_FILE = "/run/secrets/postgres-password";

export class LocalDatabase extends pulumi.ComponentResource {
  readonly host: string;
  readonly databaseName: string;
  readonly roles: DatabaseRoles;
  readonly snapshotVolumeName: pulumi.Output<string>;
  readonly container: docker.Container;
  /** The colors' connection: the app role and its password; secret. */
  readonly appDatabaseUrl: pulumi.Output<string>;
  /** The step that creates the roles and sets their passwords; the database is usable once it ran. */
  readonly rolesStep: OneShotCommand;
  private readonly migrationPassword: pulumi.Output<string>;

  constructor(name: string, args: LocalDatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.dockerLocalDatabase, name, {}, opts);
    const parent = childOptions(this, opts.dependsOn);
    // Kept on delete: `pulumi destroy` of a local stack never deletes data or snapshots.
    const keep = childOptions(this, opts.dependsOn, { retainOnDelete: true });
    const data = new docker.Volume(childName(name, "data"), { name: `${args.app}-pgdata` }, keep);
    const snapshots = new docker.Volume(childName(name, "snapshots"), { name: `${args.app}-snapshots` }, keep);
    const image = new docker.RemoteImage(childName(name, "image"), { name: args.image, keepLocally: true }, parent);
    const password = (role: string) => new PostgresPassword(childName(name, `${role}-password`), {}, parent);
    const [superuser, migration, app] = [password("superuser"), password("migration"), password("app")];
    this.host = `${args.app}-postgres`;
    this.databaseName = args.app;
    this.roles = databaseRoles(args.app);
    this.container = new docker.Container(
      childName(name, "postgres"),
      {
        name: this.host,
        image: image.imageId,
        // The image's entrypoint passes these to the server, on first start too.
        command: ["postgres", "-c", `hba_file=${HBA_FILE}`, "-c", "password_encryption=scram-sha-256"],
        envs: [`POSTGRES_DB=${this.databaseName}`, `POSTGRES_PASSWORD_FILE=${SUPERUSER_PASSWORD_FILE}`],
        uploads: [
          { file: HBA_FILE, content: hbaConfig(this.databaseName, this.roles) },
          // Readable by the server's OS user, whose uid differs between images; nothing else runs in this container.
          { file: SUPERUSER_PASSWORD_FILE, content: pulumi.secret(superuser.password), permissions: "0444" },
        ],
        networksAdvanced: [{ name: args.networkName, aliases: [this.host] }],
        volumes: [{ volumeName: data.name, containerPath: "/var/lib/postgresql/data" }],
        healthcheck: {
          tests: ["CMD-SHELL", `pg_isready -U ${SUPERUSER} -d ${this.databaseName}`],
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
    // Every start of a new container (re)applies the roles: a data volume from before they existed gets them too.
    this.rolesStep = new OneShotCommand(
      childName(name, "roles"),
      {
        description: `database roles ${this.roles.app}, ${this.roles.migration}`,
        command: [
          "docker",
          "exec",
          "--user",
          SUPERUSER,
          ...Object.values(VERIFIER_ENV).flatMap((variable) => ["--env", variable]),
          this.host,
          "sh",
          "-c",
          rolesScript(this.databaseName, this.roles, args.migrationSession),
        ],
        env: { [VERIFIER_ENV.app]: app.scramVerifier, [VERIFIER_ENV.migration]: migration.scramVerifier },
        timeoutSeconds: 120,
        runKey: pulumi.interpolate`${this.container.id}/${app.id}/${migration.id}`,
      },
      childOptions(this, [this.container]),
    );
    this.snapshotVolumeName = snapshots.name;
    this.migrationPassword = pulumi.secret(migration.password);
    this.appDatabaseUrl = pulumi.secret(
      app.password.apply((secret) => connectionUrl(this.roles.app, secret, this.host, this.databaseName)),
    );
    this.registerOutputs({ host: this.host, snapshotVolumeName: this.snapshotVolumeName });
  }

  /**
   * libpq variables (and DATABASE_URL) of the migration role, for the one-off
   * snapshot, migration and restore containers; secret. The docker CLI passes
   * them by name only (`-e NAME`, CLIENT_ENV_NAMES), so no value reaches a command line.
   */
  migrationEnv(): pulumi.Output<Record<string, string>> {
    return pulumi.secret(
      this.migrationPassword.apply((secret) => migrationClientEnv(this.roles, this.host, this.databaseName, secret)),
    );
  }
}
