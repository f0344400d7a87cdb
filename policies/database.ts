/**
 * Database rules: every migration runs after a snapshot of the database it
 * changes, each snapshot is named after its migration version, and the
 * databases the program owns are encrypted, private and (in production)
 * hard to lose.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { KUBERNETES_LABELS, STEP_PURPOSES } from "./contracts/markers";
import { snapshotIdentifier } from "./contracts/snapshots";
import { COMPONENT_TYPES } from "./contracts/resourceTypes";
import { TYPES, configOf, dependencyClosure, shown } from "./shared";
import { createdByApp, createdInside } from "./structure";

export interface ResourceView {
  readonly urn?: string;
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, any>;
}

export interface SnapshotFacts {
  readonly identifier: unknown;
  /** The database it copies, when the resource names it. */
  readonly database?: unknown;
}

/** A pre-migration snapshot: RDS instance/cluster snapshots, or the local platform's `snapshot <id>` step. */
export function snapshotFacts(resource: ResourceView): SnapshotFacts | undefined {
  const { props } = resource;
  switch (resource.type) {
    case TYPES.rdsSnapshot:
      return { identifier: props.dbSnapshotIdentifier, database: props.dbInstanceIdentifier };
    case TYPES.rdsClusterSnapshot:
      return { identifier: props.dbClusterSnapshotIdentifier, database: props.dbClusterIdentifier };
    case TYPES.oneShotCommand:
      return props.purpose === STEP_PURPOSES.snapshot ? { identifier: props.runKey } : undefined;
    default:
      return undefined;
  }
}

/** A migration run and the migration version it applies (undefined when the resource does not say). */
export function migrationFacts(resource: ResourceView): { version?: unknown } | undefined {
  const { props } = resource;
  switch (resource.type) {
    case TYPES.ecsMigration:
      return { version: props.migrationVersion };
    case TYPES.oneShotCommand:
      return props.purpose === STEP_PURPOSES.migration ? { version: props.runKey } : undefined;
    case TYPES.job: {
      // The kubernetes platform labels migration Jobs with their version (as a label value, which maps to the same snapshot name).
      const version = props.metadata?.labels?.[KUBERNETES_LABELS.migration];
      if (version !== undefined) return { version };
      // A Job the app's MigrationJob component created is a migration run whatever its labels say.
      const inComponent =
        resource.urn !== undefined && createdInside(resource.urn, COMPONENT_TYPES.kubernetesMigrationJob);
      return inComponent || /migrat/i.test(props.metadata?.name ?? resource.name) ? {} : undefined;
    }
    default:
      return undefined;
  }
}

/** Identifiers of the RDS instances this stack owns (restored copies excluded). */
export function ownedDatabases(resources: readonly ResourceView[]): string[] {
  return resources
    .filter(
      (r) =>
        r.type === TYPES.rdsInstance &&
        r.props.snapshotIdentifier === undefined &&
        typeof r.props.identifier === "string",
    )
    .map((r) => r.props.identifier as string);
}

/** The app's name as the gates (or the `app` tags) carry it. */
export function appName(resources: readonly ResourceView[]): string | undefined {
  const gate = resources.find((r) => r.type === TYPES.promotionGate && typeof r.props.app === "string");
  if (gate) return gate.props.app;
  const tagged = resources.find((r) => typeof r.props.tags?.app === "string");
  return tagged?.props.tags.app;
}

function snapshotsBefore(run: PolicyResource): PolicyResource[] {
  return [...dependencyClosure(run)].filter((r) => snapshotFacts(r) !== undefined);
}

export const migrationAfterSnapshot: StackValidationPolicy = {
  name: "migration-after-snapshot",
  description: "Checks whether every migration run waits for a snapshot of the database it migrates.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const databases = ownedDatabases(args.resources.filter((r) => createdByApp(r.urn)));
    for (const run of args.resources.filter((r) => createdByApp(r.urn) && migrationFacts(r) !== undefined)) {
      const snapshots = snapshotsBefore(run);
      const report = (message: string) =>
        reportViolation(
          `Migration run ${run.name} must wait for a snapshot of the database it migrates: ${message}`,
          run.urn,
        );
      if (snapshots.length === 0) {
        report(
          "it depends on no pre-migration snapshot, so a failed migration could not be undone. " +
            "Keep the migration behind the snapshot (the release flow passes platform.databaseSnapshot to platform.migration as dependsOn) and keep `bluegreen:database` set.",
        );
        continue;
      }
      const copied = snapshots
        .map((s) => ({ name: s.name, database: snapshotFacts(s)!.database }))
        .filter((s) => s.database !== undefined);
      if (databases.length > 0 && copied.length > 0 && !copied.some((s) => databases.includes(s.database as string))) {
        const what = copied.map((s) => `snapshot ${s.name} copies ${shown(s.database)}`).join(", ");
        report(
          `${what}, but this stack's database is ${databases.map((d) => shown(d)).join(", ")}. Snapshot the migrated database: set \`bluegreen:database.identifier\` to it.`,
        );
      }
    }
  },
};

export const snapshotNamedForMigration: StackValidationPolicy = {
  name: "snapshot-named-for-migration",
  description:
    "Checks whether each pre-migration snapshot is named <app>-pre-<migration version>, so every new migration version takes a new snapshot.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const app = appName(args.resources);
    if (app === undefined) return;
    for (const run of args.resources.filter((r) => createdByApp(r.urn))) {
      const version = migrationFacts(run)?.version;
      if (typeof version !== "string") continue;
      const expected = snapshotIdentifier(app, version);
      const snapshots = snapshotsBefore(run);
      if (snapshots.some((s) => snapshotFacts(s)!.identifier === expected)) continue;
      for (const snapshot of snapshots) {
        reportViolation(
          `Snapshot ${snapshot.name} must be named after the migration it protects: it is ${shown(snapshotFacts(snapshot)!.identifier)}, expected "${expected}" ` +
            `(app "${app}", \`bluegreen:migration.version\` ${version}). A name that does not change with the migration version keeps the old snapshot and takes no new one ` +
            "before this migration; derive it with snapshotIdentifier (components/contracts/snapshots.ts).",
          snapshot.urn,
        );
      }
    }
  },
};

export const databaseEncryptedPrivate: ResourceValidationPolicy = {
  name: "database-encrypted-private",
  description: "Checks whether RDS instances are encrypted at rest and not publicly accessible.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.rdsInstance) return;
    if (args.props.storageEncrypted !== true) {
      reportViolation(
        `RDS instance ${args.name} must be encrypted at rest: storageEncrypted is ${shown(args.props.storageEncrypted)}. ` +
          "Set storageEncrypted: true (safeInstanceSettings in components/aws/database.ts); an existing unencrypted database is encrypted by restoring an encrypted copy of a snapshot (`bluegreen:database.restoreFromSnapshot`).",
      );
    }
    if (args.props.publiclyAccessible === true) {
      reportViolation(
        `RDS instance ${args.name} must not be publicly accessible: publiclyAccessible is true. ` +
          "Set publiclyAccessible: false (safeInstanceSettings in components/aws/database.ts); the app reaches it from inside the VPC.",
      );
    }
  },
};

export const databaseProductionSafeguards: ResourceValidationPolicy = {
  name: "database-production-safeguards",
  description:
    "Checks whether production RDS instances have deletion protection, enough backup retention, a standby in another zone (multi-AZ) and the protect resource option.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      production: {
        type: "boolean",
        default: true,
        description: "Whether the stack is production; set false for staging and development stacks.",
      },
      minBackupRetentionDays: {
        type: "integer",
        minimum: 1,
        maximum: 35,
        default: 7,
        description: "Fewest days of automated backups.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.rdsInstance) return;
    const { production, minBackupRetentionDays } = configOf<{ production: boolean; minBackupRetentionDays: number }>(
      databaseProductionSafeguards.configSchema!,
      args.getConfig(),
    );
    if (!production) return;
    if (args.props.deletionProtection !== true) {
      reportViolation(
        `RDS instance ${args.name} must have deletion protection in production: deletionProtection is ${shown(args.props.deletionProtection)}. ` +
          "Set `bluegreen:database.deletionProtection` to true, or remove it (it defaults to true when `bluegreen:environment` is production).",
      );
    }
    const retention = args.props.backupRetentionPeriod;
    if (!(Number(retention) >= minBackupRetentionDays)) {
      reportViolation(
        `RDS instance ${args.name} must keep automated backups for at least ${minBackupRetentionDays} days in production: backupRetentionPeriod is ${shown(retention)}. ` +
          `Set \`bluegreen:database.backupRetentionDays\` to ${minBackupRetentionDays} or more.`,
      );
    }
    if (args.props.multiAz !== true) {
      reportViolation(
        `RDS instance ${args.name} must run multi-AZ in production, so losing a zone does not lose the database: multiAz is ${shown(args.props.multiAz)}. ` +
          "The program sets it when `bluegreen:environment` is production (safeInstanceSettings in components/aws/database.ts); a stack that cannot afford a standby is not production.",
      );
    }
    if (args.opts.protect !== true) {
      reportViolation(
        `RDS instance ${args.name} must be protected from deletion by Pulumi in production: the protect option is off. ` +
          "The program protects databases when `bluegreen:environment` is production; set it (or give this policy production: false for a non-production stack).",
      );
    }
  },
};

export const databaseBackupsEnabled: ResourceValidationPolicy = {
  name: "database-backups-enabled",
  description:
    "Checks whether RDS instances keep automated backups in every environment (production's retention is database-production-safeguards' concern).",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      minBackupRetentionDays: {
        type: "integer",
        minimum: 1,
        maximum: 35,
        default: 1,
        description: "Fewest days of automated backups outside production.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.rdsInstance) return;
    const { minBackupRetentionDays } = configOf<{ minBackupRetentionDays: number }>(
      databaseBackupsEnabled.configSchema!,
      args.getConfig(),
    );
    const retention = args.props.backupRetentionPeriod;
    if (Number(retention) >= minBackupRetentionDays) return;
    reportViolation(
      `RDS instance ${args.name} should keep automated backups for at least ${minBackupRetentionDays} day${minBackupRetentionDays === 1 ? "" : "s"}: backupRetentionPeriod is ${shown(retention)}, so a bad migration outside production can only be undone from its snapshot. ` +
        "Set `bluegreen:database.backupRetentionDays` (default 7).",
    );
  },
};
