/**
 * `bluegreen:database`: the RDS instance or Aurora cluster that is
 * snapshotted before each migration (aws and kubernetes), and on aws
 * optionally created and restored by the program.
 */
import { z } from "zod";
import { CONFIG_NAMESPACE, ConfigIssue, fullKey } from "../config/issues";
import type { MigrationConfig } from "../config/schema";

export const databaseSchema = z
  .object({
    /** `existing`: snapshot an instance/cluster the program does not own; `create`: the program owns it. */
    mode: z.enum(["existing", "create"]),
    identifier: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be an RDS identifier: lowercase letters, digits, '-'"),
    kind: z.enum(["instance", "aurora-cluster"]).default("instance"),
    engine: z.enum(["postgres", "mysql"]).default("postgres"),
    engineVersion: z.string().optional(),
    instanceClass: z.string().default("db.t4g.medium"),
    allocatedStorageGb: z.number().int().min(20).max(65_536).default(20),
    backupRetentionDays: z.number().int().min(0).max(35).default(7),
    deletionProtection: z.boolean().optional(),
    /** Restore path: a snapshot identifier to restore into a new instance (see README, "Restoring"). */
    restoreFromSnapshot: z.string().min(1).optional(),
  })
  .strict();

export type DatabaseConfig = z.infer<typeof databaseSchema>;

/** The config key, shared by every platform that snapshots RDS. */
export const databaseConfigShape = { database: databaseSchema.optional() };

export interface DatabaseSection {
  readonly database?: DatabaseConfig;
  readonly migration?: MigrationConfig;
}

type DatabaseRule = (config: DatabaseSection) => ConfigIssue[];

/**
 * The database rules, one verdict each: a migration needs a database to
 * snapshot (`snapshotsRds`: the platform snapshots RDS before it); Aurora is
 * snapshot-only and not rehearsed.
 */
export function databaseRules(snapshotsRds: boolean): readonly DatabaseRule[] {
  return [
    (config) =>
      snapshotsRds && config.migration !== undefined && config.database === undefined
        ? [
            {
              key: fullKey(["database"]),
              message: `is required with \`${CONFIG_NAMESPACE}:migration\`: the database is snapshotted before every migration`,
            },
          ]
        : [],
    (config) =>
      config.database?.mode === "create" && config.database.kind === "aurora-cluster"
        ? [
            {
              key: fullKey(["database", "kind"]),
              message:
                "aurora-cluster works with mode `existing` (snapshot only); create the cluster outside this program, or use kind `instance`",
            },
          ]
        : [],
    (config) =>
      config.migration?.rehearse && config.database?.kind === "aurora-cluster"
        ? [
            {
              key: fullKey(["migration", "rehearse"]),
              message:
                "is true, but bluegreen:database.kind is aurora-cluster: a rehearsal restores the snapshot into one RDS instance, and an Aurora copy " +
                "(RestoreDBClusterFromSnapshot, then an instance in the new cluster) is not built yet. Rehearse the migration by hand on a cluster restored " +
                "from the snapshot and set rehearse to false; in production an irreversible migration needs a rehearsal, so release it on an instance or mark it reversible (expand-only)",
            },
          ]
        : [],
  ];
}

/** Every database rule's issues. */
export function databaseIssues(config: DatabaseSection, snapshotsRds: boolean): ConfigIssue[] {
  return databaseRules(snapshotsRds).flatMap((rule) => rule(config));
}
