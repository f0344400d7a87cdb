/**
 * The database side of a release on AWS: an RDS instance the program owns
 * (created with safe settings) and the restore path into a new instance.
 * The snapshot before each migration is in components/rds (kubernetes takes
 * it too).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AWS_TAGS } from "../contracts/markers";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import type { DatabaseConfig } from "../rds/config";
import { childName } from "../naming";
import { childOptions } from "../options";

export interface DatabaseArgs {
  /** The app: tags the database's security group as the app's (AWS_TAGS.app). */
  readonly app: string;
  readonly database: DatabaseConfig;
  readonly production: boolean;
  readonly vpcId: pulumi.Input<string>;
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** The port each engine listens on: what the database's clients are admitted to. */
export const ENGINE_PORT = { postgres: 5432, mysql: 3306 } as const;

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
    // Production survives the loss of a zone; the policy pack checks it (database-production-safeguards).
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
  /** The security group of the instances the stack owns (created or restored); clients add their ingress rule to it. */
  readonly securityGroupId: pulumi.Output<string> | undefined;

  constructor(name: string, args: DatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsDatabase, name, {}, opts);
    const { database, production } = args;
    const needsNetwork = database.mode === "create" || database.restoreFromSnapshot !== undefined;
    const network = needsNetwork ? this.network(name, args, opts) : undefined;
    // Databases outlive releases: protected in production, kept in AWS if removed from the program.
    const keep = childOptions(this, opts.dependsOn, { protect: production, retainOnDelete: true });

    if (database.mode === "create" && network) {
      const instance = new aws.rds.Instance(
        childName(name, "db"),
        {
          identifier: database.identifier,
          ...safeInstanceSettings(database, production),
          dbSubnetGroupName: network.subnetGroup.name,
          vpcSecurityGroupIds: [network.securityGroup.id],
        },
        keep,
      );
      this.endpoint = instance.endpoint;
    }

    if (database.restoreFromSnapshot !== undefined && network) {
      const restored = new aws.rds.Instance(
        childName(name, "restored"),
        {
          identifier: `${database.identifier}-restored`,
          snapshotIdentifier: database.restoreFromSnapshot,
          ...safeInstanceSettings({ ...database, identifier: `${database.identifier}-restored` }, production),
          dbSubnetGroupName: network.subnetGroup.name,
          vpcSecurityGroupIds: [network.securityGroup.id],
        },
        keep,
      );
      this.restoredEndpoint = restored.endpoint;
    }
    this.securityGroupId = network?.securityGroup.id;
    this.registerOutputs({
      endpoint: this.endpoint,
      restoredEndpoint: this.restoredEndpoint,
      securityGroupId: this.securityGroupId,
    });
  }

  private network(name: string, args: DatabaseArgs, opts: pulumi.ComponentResourceOptions) {
    const parent = childOptions(this, opts.dependsOn);
    return {
      subnetGroup: new aws.rds.SubnetGroup(childName(name, "subnets"), { subnetIds: args.privateSubnetIds }, parent),
      // No inline rules: each client (a color's tasks, the migration task) adds its own ingress rule
      // (taskNetwork.ts), and nothing else gets in. The description changed with that, which replaces
      // a group created before: the whole-VPC rule it carried goes with it. No egress: RDS needs none.
      securityGroup: new aws.ec2.SecurityGroup(
        childName(name, "db-sg"),
        {
          vpcId: args.vpcId,
          description: "bluegreen database: the app's tasks and migration task only",
          tags: { [AWS_TAGS.app]: args.app },
        },
        parent,
      ),
    };
  }
}
