/**
 * The database side of a release on AWS: an RDS instance the program owns
 * (created with safe settings) or one it only snapshots, the snapshot taken
 * before each migration, and the restore path into a new instance.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseConfig } from "../config";
import { childOptions } from "../options";
import { childName } from "../naming";

export interface DatabaseArgs {
  readonly database: DatabaseConfig;
  readonly production: boolean;
  readonly vpcId: pulumi.Input<string>;
  readonly vpcCidr: pulumi.Input<string>;
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

const ENGINE_PORT = { postgres: 5432, mysql: 3306 } as const;

/** Encrypted, private, backed up, with an RDS-managed master password (never in state or config). */
export function safeInstanceSettings(database: DatabaseConfig, production: boolean) {
  return {
    engine: database.engine,
    engineVersion: database.engineVersion,
    instanceClass: database.instanceClass,
    allocatedStorage: database.allocatedStorageGb,
    storageEncrypted: true,
    publiclyAccessible: false,
    deletionProtection: database.deletionProtection ?? production,
    backupRetentionPeriod: database.backupRetentionDays,
    copyTagsToSnapshot: true,
    manageMasterUserPassword: true,
    username: "bluegreen",
    multiAz: production,
    autoMinorVersionUpgrade: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: `${database.identifier}-final`,
  };
}

/** The instance the program owns (`database.mode: create`) and, when asked, one restored from a snapshot. */
export class Database extends pulumi.ComponentResource {
  readonly endpoint: pulumi.Output<string> | undefined;
  readonly restoredEndpoint: pulumi.Output<string> | undefined;

  constructor(name: string, args: DatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("bluegreen:aws:Database", name, {}, opts);
    const { database, production } = args;
    const needsNetwork = database.mode === "create" || database.restoreFromSnapshot !== undefined;
    const network = needsNetwork ? this.network(name, args) : undefined;
    // Databases outlive releases: protected in production, kept in AWS if removed from the program.
    const keep = { parent: this, protect: production, retainOnDelete: true };

    if (database.mode === "create" && network) {
      const instance = new aws.rds.Instance(childName(name, "db"), {
        identifier: database.identifier,
        ...safeInstanceSettings(database, production),
        dbSubnetGroupName: network.subnetGroup.name,
        vpcSecurityGroupIds: [network.securityGroup.id],
      }, keep);
      this.endpoint = instance.endpoint;
    }

    if (database.restoreFromSnapshot !== undefined && network) {
      const restored = new aws.rds.Instance(childName(name, "restored"), {
        identifier: `${database.identifier}-restored`,
        snapshotIdentifier: database.restoreFromSnapshot,
        ...safeInstanceSettings({ ...database, identifier: `${database.identifier}-restored` }, production),
        dbSubnetGroupName: network.subnetGroup.name,
        vpcSecurityGroupIds: [network.securityGroup.id],
      }, keep);
      this.restoredEndpoint = restored.endpoint;
    }
    this.registerOutputs({ endpoint: this.endpoint, restoredEndpoint: this.restoredEndpoint });
  }

  private network(name: string, args: DatabaseArgs) {
    const parent = { parent: this };
    const port = ENGINE_PORT[args.database.engine];
    return {
      subnetGroup: new aws.rds.SubnetGroup(childName(name, "subnets"), { subnetIds: args.privateSubnetIds }, parent),
      securityGroup: new aws.ec2.SecurityGroup(childName(name, "db-sg"), {
        vpcId: args.vpcId,
        description: "bluegreen database: reachable from inside the VPC only",
        ingress: [{ protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: [args.vpcCidr] }],
      }, parent),
    };
  }
}

export interface MigrationSnapshotArgs {
  readonly database: DatabaseConfig;
  /** From `snapshotIdentifier(app, migrationVersion)`: a new migration version = a new snapshot. */
  readonly snapshotId: string;
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
    super("bluegreen:aws:MigrationSnapshot", name, {}, opts);
    const retain = childOptions(this, opts, { retainOnDelete: true });
    const tags = { "bluegreen:purpose": "pre-migration" };
    this.snapshotArn =
      args.database.kind === "aurora-cluster"
        ? new aws.rds.ClusterSnapshot(childName(name, "cluster-snapshot"), {
            dbClusterIdentifier: args.database.identifier,
            dbClusterSnapshotIdentifier: args.snapshotId,
            tags,
          }, retain).dbClusterSnapshotArn
        : new aws.rds.Snapshot(childName(name, "snapshot"), {
            dbInstanceIdentifier: args.database.identifier,
            dbSnapshotIdentifier: args.snapshotId,
            tags,
          }, retain).dbSnapshotArn;
    this.snapshotId = args.snapshotId;
    this.registerOutputs({ snapshotArn: this.snapshotArn, snapshotId: this.snapshotId });
  }
}
