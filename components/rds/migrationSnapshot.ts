/**
 * The RDS snapshot taken before a migration (or a hotfix's emergency
 * snapshot), on every platform that keeps its database in RDS (aws, and
 * kubernetes with `bluegreen:database`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PRE_MIGRATION, PURPOSE_TAG, SnapshotPurpose } from "../contracts/markers";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";
import type { DatabaseConfig } from "./config";

export interface MigrationSnapshotArgs {
  readonly database: DatabaseConfig;
  /** From `snapshotIdentifier(app, migrationVersion)`: a new migration version = a new snapshot. */
  readonly snapshotId: string;
  /** Tagged as `bluegreen:purpose`; `hotfix` for a hotfix's emergency snapshot. @default pre-migration */
  readonly purpose?: SnapshotPurpose;
}

/**
 * The snapshot taken before a migration. Retained on delete: `pulumi destroy`,
 * a later migration (which replaces this resource in state) or removing the
 * migration from config never deletes the snapshot in AWS. It is not
 * `protect`ed because each new migration version replaces it in state, and
 * protection would block every following release.
 */
export class MigrationSnapshot extends pulumi.ComponentResource {
  readonly snapshotArn: pulumi.Output<string>;
  readonly snapshotId: string;

  constructor(name: string, args: MigrationSnapshotArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.rdsMigrationSnapshot, name, {}, opts);
    const retain = childOptions(this, opts.dependsOn, { retainOnDelete: true });
    const tags = { [PURPOSE_TAG]: args.purpose ?? PRE_MIGRATION };
    this.snapshotArn =
      args.database.kind === "aurora-cluster"
        ? new aws.rds.ClusterSnapshot(
            childName(name, "cluster-snapshot"),
            {
              dbClusterIdentifier: args.database.identifier,
              dbClusterSnapshotIdentifier: args.snapshotId,
              tags,
            },
            retain,
          ).dbClusterSnapshotArn
        : new aws.rds.Snapshot(
            childName(name, "snapshot"),
            {
              dbInstanceIdentifier: args.database.identifier,
              dbSnapshotIdentifier: args.snapshotId,
              tags,
            },
            retain,
          ).dbSnapshotArn;
    this.snapshotId = args.snapshotId;
    this.registerOutputs({ snapshotArn: this.snapshotArn, snapshotId: this.snapshotId });
  }
}
