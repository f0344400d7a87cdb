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
import type { MigrationStep, StepOptions } from "../platform";
import { asRehearsalReport } from "../contracts/rehearsalReport";
import { rehearsalName } from "../rehearsal";
import type { LocalDatabase } from "./localDatabase";
import { SNAPSHOT_DIR } from "./localDatabase";
import { dockerRunArgs } from "./postgresScripts";
import {
  lockRetryCommand,
  lockRetryEnv,
  migrationSession,
  migrationSessionEnv,
  SESSION_ENV,
} from "../migrationSessions";
import { CLIENT_ENV_NAMES, migrationRoleSettingsSql } from "./postgresRoles";
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

/** Builds the steps: the last one, which the new color waits for, and the rehearsal's report. */
export function localMigration(name: string, args: LocalMigrationArgs, step: StepOptions): MigrationStep {
  const { app, migration, database, parent } = args;
  // Every session of the migration and its checks: a lock timeout and a statement timeout (migrationSessions.ts).
  const session = migrationSession(migration);
  const envNames = [...CLIENT_ENV_NAMES, SESSION_ENV];
  const pgEnv = database
    .migrationEnv()
    .apply((env) => ({ ...env, ...migrationSessionEnv(session, env), ...lockRetryEnv(session) }));
  const run = (image: string, command: readonly string[], volumes: { name: string; mountPath: string }[] = []) =>
    args.networkName.apply((network) => dockerRunArgs({ image, network, volumes, envNames, command }));
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
        migrationVersion: migration.version,
        roles: database.roles,
        roleSettings: migrationRoleSettingsSql(database.roles.migration, session),
        server: dockerScratchServer(scratchSpec),
        migration: lockRetryCommand(dockerScratchRun(scratchSpec, migration.image, envNames, migration.command)),
        validations: migration.validate.map((check) => ({
          name: check.name,
          command: dockerScratchRun(scratchSpec, migration.image, envNames, check.command),
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
        env: { ...migrationSessionEnv(session), ...lockRetryEnv(session) },
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
      // Run again after a lock timeout when transactional (a failed run applied nothing); otherwise once.
      command: run(migration.image, migration.command).apply(lockRetryCommand),
      env: pgEnv,
      timeoutSeconds: migration.timeoutSeconds,
      runKey: migration.version,
      schemaChange: { reversible: migration.reversible, breaking: migration.breaking },
    },
    childOptions(parent, [...step.dependsOn, database, ...(rehearsal ? [rehearsal] : [])]),
  );
  const report = rehearsal?.report.apply(asRehearsalReport);
  if (migration.validate.length === 0) return { done: real, rehearsal: report };
  const validation = new OneShotCommand(
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
  return { done: validation, rehearsal: report };
}
