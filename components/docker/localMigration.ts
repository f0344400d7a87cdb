/**
 * The local platform's migration step: the rehearsal on a scratch copy
 * (`bluegreen:migration.rehearse`), the real run, and the checks
 * (`bluegreen:migration.validate`) after it, each a OneShotCommand that
 * must exit 0. The real run waits for the rehearsal and the colors wait for
 * the checks, so a failure anywhere blocks the new color and its traffic.
 */
import * as pulumi from "@pulumi/pulumi";
import type { MigrationConfig } from "../config/schema";
import { STEP_PURPOSES } from "../contracts/markers";
import { snapshotIdentifier } from "../contracts/snapshots";
import { childName } from "../naming";
import { OneShotCommand } from "../oneShotCommand";
import { childOptions } from "../options";
import type { StepOptions } from "../platform";
import { rehearsalName } from "../rehearsal";
import type { LocalDatabase } from "./localDatabase";
import { SNAPSHOT_DIR } from "./localDatabase";
import { dockerRunArgs } from "./postgresScripts";
import { CLIENT_ENV_NAMES } from "./postgresRoles";
import { rehearsalScript, validationScript } from "./rehearsalScripts";
import { dockerScratchRun, dockerScratchServer } from "./scratchServer";

export interface LocalMigrationArgs {
  readonly app: string;
  readonly migration: MigrationConfig;
  readonly database: LocalDatabase;
  readonly networkName: pulumi.Output<string>;
  /** Image with the Postgres client tools (the server's image). */
  readonly postgresImage: string;
  readonly parent: pulumi.Resource;
}

/** Builds the steps; returns the last one, which the new color waits for. */
export function localMigration(name: string, args: LocalMigrationArgs, step: StepOptions): pulumi.Resource {
  const { app, migration, database, parent } = args;
  const pgEnv = database.migrationEnv();
  const run = (image: string, command: readonly string[], volumes: { name: string; mountPath: string }[] = []) =>
    args.networkName.apply((network) =>
      dockerRunArgs({ image, network, volumes, envNames: CLIENT_ENV_NAMES, command }),
    );
  const inContainer = (checks: MigrationConfig["validate"]) =>
    pulumi
      .all(checks.map((check) => run(migration.image, check.command)))
      .apply((commands) => checks.map((check, index) => ({ name: check.name, command: commands[index] })));

  let rehearsal: OneShotCommand | undefined;
  if (migration.rehearse) {
    const scratch = rehearsalName(app, migration.version);
    const scratchArgs = database.snapshotVolumeName.apply((snapshotVolume) => ({
      app,
      stack: `${pulumi.getProject()}/${pulumi.getStack()}`,
      migrationVersion: migration.version,
      scratch,
      postgresImage: args.postgresImage,
      snapshotVolume,
      snapshotDir: SNAPSHOT_DIR,
      snapshotFile: `${SNAPSHOT_DIR}/${snapshotIdentifier(app, migration.version)}.dump`,
    }));
    const script = scratchArgs.apply((scratchSpec) =>
      rehearsalScript({
        scratch,
        roles: database.roles,
        server: dockerScratchServer(scratchSpec),
        migration: dockerScratchRun(scratchSpec, migration.image, CLIENT_ENV_NAMES, migration.command),
        validations: migration.validate.map((check) => ({
          name: check.name,
          command: dockerScratchRun(scratchSpec, migration.image, CLIENT_ENV_NAMES, check.command),
        })),
      }),
    );
    rehearsal = new OneShotCommand(
      childName(name, "migration-rehearsal"),
      {
        purpose: STEP_PURPOSES.rehearsal,
        description: `rehearsal of migration ${migration.version} on scratch server ${scratch}`,
        command: script.apply((text) => ["sh", "-c", text]),
        // No credential of the real database: the rehearsal makes its own, which only the scratch server accepts.
        env: {},
        // The restore may take as long as the snapshot step (1800 s), then the migration and its checks.
        timeoutSeconds: 1800 + migration.timeoutSeconds,
        runKey: migration.version,
      },
      childOptions(parent, [...step.dependsOn, database]),
    );
  }

  const real = new OneShotCommand(
    childName(name, "migration-run"),
    {
      purpose: STEP_PURPOSES.migration,
      description: `migration ${migration.version}`,
      command: run(migration.image, migration.command),
      env: pgEnv,
      timeoutSeconds: migration.timeoutSeconds,
      runKey: migration.version,
      schemaChange: { reversible: migration.reversible, breaking: migration.breaking },
    },
    childOptions(parent, [...step.dependsOn, database, ...(rehearsal ? [rehearsal] : [])]),
  );
  if (migration.validate.length === 0) return real;
  return new OneShotCommand(
    childName(name, "migration-validation"),
    {
      purpose: STEP_PURPOSES.validation,
      description: `validation of migration ${migration.version} (${migration.validate.map((c) => c.name).join(", ")})`,
      command: inContainer(migration.validate).apply((checks) => ["sh", "-c", validationScript(checks)]),
      env: pgEnv,
      timeoutSeconds: migration.timeoutSeconds,
      runKey: migration.version,
    },
    childOptions(parent, [real]),
  );
}
