/**
 * The release guard and its memory, registered by the release flow
 * (blueGreenApp.ts) before any step:
 *
 *   release-guard-record ─▶ release-guard ─▶ snapshots ─▶ migration ─▶ migration-completed
 *          ▲                                                                │
 *          └──────────── written once the migration step completed ─────────┘
 *
 * ReleaseGuard's Check (provider.ts, rules in rules.ts) refuses at preview
 * what needs the previous state to judge: a hotfix carrying a new migration
 * version, a breaking migration in production without the maintenance page.
 *
 * Which migration already ran must not come from the guard's own state: the
 * guard's step runs before the migration, so it would remember a version
 * whose run then failed, and the next update could carry that version as a
 * hotfix or re-run a breaking one outside its window. It comes from the
 * record, which the guard reads and which moves only after the migration:
 * MigrationCompleted waits for the whole migration step (the run and its
 * checks, through Pulumi's dependsOn), and once it exists the program writes
 * its migration into the record's outputs (`registerResourceOutputs`). The
 * engine keeps a resource's outputs from one update to the next unless its
 * provider or the program writes them, so after a failed migration the record
 * still holds the migration that last completed, and the next preview judges
 * against it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CoreConfig } from "../config/schema";
import { DYNAMIC_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";
import { releaseGuardProvider } from "./provider";
import { migrationCompletedProvider, releaseGuardRecordProvider } from "./recordProviders";
import { CompletedMigration, GuardedMigration, recordedMigration, ReleaseGuardInputs } from "./rules";

/** What the guard judges, from the validated stack config. */
export function releaseGuardInputs(
  config: Pick<CoreConfig, "app" | "environment" | "migration" | "maintenance" | "release">,
): ReleaseGuardInputs {
  const { migration, release } = config;
  return {
    app: config.app.name,
    environment: config.environment,
    ...(migration ? { migration: { version: migration.version, breaking: migration.breaking } } : {}),
    maintenance: config.maintenance.enabled,
    ...(release.hotfix ? { hotfix: { reason: release.hotfix.reason } } : {}),
  };
}

/** The guard's inputs as the program gives them: the record arrives as an output of the record resource. */
export type ReleaseGuardArgs = Omit<ReleaseGuardInputs, "completedMigration"> & {
  readonly completedMigration?: pulumi.Input<CompletedMigration | undefined>;
};

export class ReleaseGuard extends pulumi.dynamic.Resource {
  constructor(name: string, inputs: ReleaseGuardArgs, opts: pulumi.CustomResourceOptions) {
    const { module, name: type } = DYNAMIC_TYPES.releaseGuard;
    super(releaseGuardProvider, name, { ...inputs }, opts, module, type);
  }
}

/** The guard's record: the migration that last completed (see the module comment). */
export class ReleaseGuardRecord extends pulumi.dynamic.Resource {
  /** The record as the last completed migration step left it; undefined until the first one. */
  declare readonly migration: pulumi.Output<CompletedMigration | undefined>;
  declare readonly app: pulumi.Output<string>;

  constructor(name: string, app: string, opts: pulumi.CustomResourceOptions) {
    const { module, name: type } = DYNAMIC_TYPES.releaseGuardRecord;
    super(releaseGuardRecordProvider, name, { app, migration: undefined }, opts, module, type);
  }

  /**
   * Writes `migration` into the record once it resolves: pass a value that
   * resolves only after the migration step succeeded. Once per update.
   */
  write(migration: pulumi.Input<CompletedMigration>): void {
    // The dynamic provider host finds the provider's code under `__provider` in the outputs (delete, refresh).
    const provider = (this as unknown as { __provider: pulumi.Output<string> }).__provider;
    pulumi.runtime.registerResourceOutputs(this, { app: this.app, migration, __provider: provider });
  }
}

/** Exists once the migration step it waits for has succeeded; its state is that migration. */
export class MigrationCompleted extends pulumi.dynamic.Resource {
  declare readonly migration: pulumi.Output<GuardedMigration>;

  constructor(name: string, args: { app: string; migration: GuardedMigration }, opts: pulumi.CustomResourceOptions) {
    const { module, name: type } = DYNAMIC_TYPES.migrationCompleted;
    super(migrationCompletedProvider, name, { ...args }, opts, module, type);
  }
}

/** The guard of one app's release, and what records the migration once it ran. */
export interface GuardedRelease {
  /** Every step before the migration (the snapshots, the migration) waits for it. */
  readonly guard: ReleaseGuard;
  /**
   * Records this update's migration as completed once `step` (the platform's
   * whole migration step) succeeded; without a migration, records that at once.
   * Call once, after the migration step is built.
   */
  recordMigration(step: pulumi.Resource | undefined): void;
}

/** Registers the record and the guard as children of `parent` (named from `name`), before any step. */
export function guardRelease(
  name: string,
  config: Pick<CoreConfig, "app" | "environment" | "migration" | "maintenance" | "release">,
  parent: pulumi.Resource,
): GuardedRelease {
  const inputs = releaseGuardInputs(config);
  const record = new ReleaseGuardRecord(childName(name, "release-guard-record"), inputs.app, childOptions(parent));
  const guard = new ReleaseGuard(
    childName(name, "release-guard"),
    { ...inputs, completedMigration: record.migration },
    childOptions(parent),
  );
  return {
    guard,
    recordMigration(step) {
      const migration = recordedMigration(inputs);
      if (migration === false) return record.write(false);
      if (step === undefined) throw new Error(`${name}: bluegreen:migration is set but no migration step was built`);
      const completed = new MigrationCompleted(
        childName(name, "migration-completed"),
        { app: inputs.app, migration },
        childOptions(parent, [step]),
      );
      record.write(completed.migration);
    },
  };
}
