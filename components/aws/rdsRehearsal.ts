/**
 * The migration rehearsal on AWS (`bluegreen:migration.rehearse`): the
 * pre-migration snapshot restored into a small RDS instance
 * `<app>-rehearsal-<version>` in the real database's subnet group and
 * security groups, the migration task and every check run against it
 * (PGHOST/PGPORT overridden; a DATABASE_URL from Secrets Manager rewritten in
 * the container, see secretUrlRewrite), and the instance deleted whatever
 * happens. Instances `<app>-rehearsal-*` left by an interrupted run are
 * deleted first. The real migration waits for this resource, so it runs only
 * if the rehearsal and its checks passed. Aurora clusters are refused by the
 * config (components/rds/config.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { AWS_TAGS, PURPOSE_TAG, STEP_PURPOSES } from "../contracts/markers";
import { DYNAMIC_TYPES } from "../contracts/resourceTypes";
import { rehearsalLeftovers, rehearsalName, scratchDatabaseUrl, secretUrlRewrite } from "../rehearsal";
import { EcsTaskTarget, runEcsTask } from "./ecsTaskRun";
import { MigrationCheck, runChecks } from "./migrationChecks";
import { checkMigrationInputs } from "./migrationInputs";

/** Plain inputs as the provider receives them. */
export interface RdsRehearsalInputs extends EcsTaskTarget {
  app: string;
  migrationVersion: string;
  /** The migration's command (the task definition's, repeated: the rehearsal wraps it). */
  command: string[];
  checks: MigrationCheck[];
  /** The real database: its subnet group, security groups and port are the copy's. */
  sourceInstance: string;
  /** The pre-migration snapshot restored into the copy. */
  snapshotId: string;
  /** The copy's class: small, it lives for one rehearsal. */
  instanceClass: string;
  /** DATABASE_URL comes from a secret: rewrite it in the container (needs sh and sed in the image). */
  secretDatabaseUrl: boolean;
  /** A plain DATABASE_URL of the migration's environment, rewritten here. @default none */
  databaseUrl?: string;
  /** Limit for the restore, in seconds. @default 3600 */
  restoreTimeoutSeconds?: number;
  /** RDS API endpoint override (tests). @default the SDK's regional endpoint */
  rdsEndpoint?: string;
}

export interface RdsRehearsalOutputs {
  migrationVersion: string;
  instance: string;
  migrationTaskArn: string;
  checks: string[];
}

const DEFAULT_RESTORE_TIMEOUT_SECONDS = 3600;
/** Statuses a restore never leaves on its own. */
const FAILED_STATUSES = [
  "failed",
  "incompatible-restore",
  "incompatible-parameters",
  "incompatible-network",
  "storage-full",
];

async function rehearse(inputs: RdsRehearsalInputs): Promise<RdsRehearsalOutputs> {
  const rds: typeof import("@aws-sdk/client-rds") = require("@aws-sdk/client-rds");
  const crypto: typeof import("node:crypto") = require("node:crypto");
  const client = new rds.RDSClient({
    region: inputs.region,
    ...(inputs.rdsEndpoint ? { endpoint: inputs.rdsEndpoint } : {}),
  });
  const name = rehearsalName(inputs.app, inputs.migrationVersion);
  const what = `Rehearsal of migration "${inputs.migrationVersion}" on RDS instance ${name}`;
  const pollMs = (inputs.pollIntervalSeconds ?? 6) * 1000;
  const sleep = () => new Promise((resolve) => setTimeout(resolve, pollMs));
  const describe = async (id: string) =>
    (await client.send(new rds.DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  const gone = async (id: string) =>
    describe(id).then(
      () => false,
      (error: Error) => {
        if (error.name === "DBInstanceNotFoundFault" || error.name === "DBInstanceNotFound") return true;
        throw error;
      },
    );
  const remove = (id: string) =>
    client.send(
      new rds.DeleteDBInstanceCommand({
        DBInstanceIdentifier: id,
        SkipFinalSnapshot: true,
        DeleteAutomatedBackups: true,
      }),
    );
  let restored = false;
  const deadline = Date.now() + (inputs.restoreTimeoutSeconds ?? DEFAULT_RESTORE_TIMEOUT_SECONDS) * 1000;
  const late = (state: string) => new Error(`${what}: ${state} after restoreTimeoutSeconds`);
  try {
    const all = (await client.send(new rds.DescribeDBInstancesCommand({}))).DBInstances ?? [];
    for (const leftover of rehearsalLeftovers(
      inputs.app,
      all.map((i) => i.DBInstanceIdentifier ?? ""),
    )) {
      const status = all.find((i) => i.DBInstanceIdentifier === leftover)?.DBInstanceStatus;
      if (status !== "deleting") await remove(leftover);
      // The copy of this version must be gone before its name is restored again.
      while (leftover === name && !(await gone(leftover))) {
        if (Date.now() > deadline) throw late(`the leftover ${name} is still being deleted`);
        await sleep();
      }
    }
    const source = await describe(inputs.sourceInstance);
    await client.send(
      new rds.RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: name,
        DBSnapshotIdentifier: inputs.snapshotId,
        DBInstanceClass: inputs.instanceClass,
        DBSubnetGroupName: source?.DBSubnetGroup?.DBSubnetGroupName,
        VpcSecurityGroupIds: (source?.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? ""),
        MultiAZ: false,
        PubliclyAccessible: false,
        DeletionProtection: false,
        Tags: [
          { Key: AWS_TAGS.app, Value: inputs.app },
          { Key: PURPOSE_TAG, Value: STEP_PURPOSES.rehearsal },
        ],
      }),
    );
    restored = true;
    let copy = await describe(name);
    while (copy?.DBInstanceStatus !== "available") {
      const status = copy?.DBInstanceStatus ?? "unknown";
      if (FAILED_STATUSES.includes(status))
        throw new Error(`${what}: the restore of snapshot ${inputs.snapshotId} ended in status "${status}"`);
      if (Date.now() > deadline) throw late(`the restore of snapshot ${inputs.snapshotId} is still "${status}"`);
      await sleep();
      copy = await describe(name);
    }
    const target = { host: copy.Endpoint?.Address ?? "", port: copy.Endpoint?.Port ?? 5432 };
    const environment: Record<string, string> = {
      PGHOST: target.host,
      PGPORT: String(target.port),
      ...(inputs.databaseUrl ? { DATABASE_URL: scratchDatabaseUrl(inputs.databaseUrl, target) } : {}),
    };
    const wrap = (command: string[]) => (inputs.secretDatabaseUrl ? secretUrlRewrite(command) : command);
    const migration = await runEcsTask(inputs, {
      migrationVersion: inputs.migrationVersion,
      step: `${what} (the real database was not touched)`,
      clientToken: `bluegreen-rehearsal-${crypto.randomUUID()}`,
      command: wrap(inputs.command),
      environment,
    });
    const where = `on the rehearsal copy ${name} (the real database was not touched)`;
    const checks = await runChecks(inputs, inputs.migrationVersion, inputs.checks, { where, environment, wrap });
    return {
      migrationVersion: inputs.migrationVersion,
      instance: name,
      migrationTaskArn: migration.taskArn,
      checks: checks.map((c) => c.name),
    };
  } catch (error) {
    const e = error as Error;
    // Messages of this rehearsal and of its ECS runs already say what failed; an RDS API error gets named here.
    if (e.message.startsWith(what) || e.message.includes(" failed on ECS cluster ")) throw error;
    throw new Error(`${what} failed: ${e.name}: ${e.message}`, { cause: error });
  } finally {
    // Whatever happened: a copy left behind is deleted by the next rehearsal.
    if (restored) await remove(name).catch(() => undefined);
    client.destroy();
  }
}

function rehearsalFailures(news: Record<string, unknown>) {
  const failures = checkMigrationInputs(news);
  for (const key of ["app", "sourceInstance", "snapshotId"]) {
    if (typeof news[key] !== "string" || news[key] === "")
      failures.push({ property: key, reason: `must be a non-empty string, got ${JSON.stringify(news[key])}` });
  }
  if (typeof news.instanceClass !== "string" || !news.instanceClass.startsWith("db.")) {
    failures.push({
      property: "instanceClass",
      reason: `must be an RDS instance class such as "db.t4g.micro", got ${JSON.stringify(news.instanceClass)}`,
    });
  }
  if (!Array.isArray(news.command) || news.command.length === 0) {
    failures.push({
      property: "command",
      reason: "must be the migration's command as a list (the rehearsal runs it against the copy)",
    });
  }
  return failures;
}

export const rdsRehearsalProvider: pulumi.dynamic.ResourceProvider<RdsRehearsalInputs, RdsRehearsalOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: rehearsalFailures(news as unknown as Record<string, unknown>) };
  },
  // Once per migration version, like the migration it rehearses.
  async diff(_id, olds, news) {
    return { changes: olds.migrationVersion !== news.migrationVersion, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs) {
    const outs = await rehearse(inputs);
    return { id: `${inputs.app}/${inputs.migrationVersion}/rehearsal`, outs };
  },
  async update(_id, olds, news) {
    return { outs: olds.migrationVersion === news.migrationVersion ? olds : await rehearse(news) };
  },
  // No delete: the copy is gone once the rehearsal ends.
};

export interface RdsRehearsalArgs {
  readonly app: string;
  readonly region: pulumi.Input<string>;
  readonly cluster: pulumi.Input<string>;
  /** The migration's task definition: the rehearsal runs its image with its environment and secrets. */
  readonly taskDefinitionArn: pulumi.Input<string>;
  readonly containerName: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly migrationVersion: string;
  /** The migration's command (`bluegreen:migration.command`). */
  readonly command: string[];
  /** `bluegreen:migration.validate`, run on the copy after the migration. */
  readonly checks: MigrationCheck[];
  /** The real database's instance identifier: the copy gets its subnet group and security groups. */
  readonly sourceInstance: string;
  /** The pre-migration snapshot restored into the copy. */
  readonly snapshotId: string;
  /** The copy's class. @default "db.t4g.micro" */
  readonly instanceClass?: string;
  /** The migration's DATABASE_URL comes from a secret (rewritten in the container). */
  readonly secretDatabaseUrl: boolean;
  /** A plain DATABASE_URL of the migration's environment. @default none */
  readonly databaseUrl?: string;
  /** Limit for the migration task and each check, in seconds. */
  readonly timeoutSeconds: pulumi.Input<number>;
  /** awslogs group of the migration container, to point failures at the logs. @default none */
  readonly logGroup?: pulumi.Input<string>;
  /** awslogs stream prefix; required with logGroup. @default none */
  readonly logStreamPrefix?: pulumi.Input<string>;
}

/** The rehearsal (`DYNAMIC_TYPES.rdsRehearsal`); order it after the snapshot and before the real migration. */
export class RdsRehearsal extends pulumi.dynamic.Resource {
  declare readonly instance: pulumi.Output<string>;

  constructor(name: string, args: RdsRehearsalArgs, opts?: pulumi.CustomResourceOptions) {
    const { module, name: type } = DYNAMIC_TYPES.rdsRehearsal;
    const props = { instanceClass: "db.t4g.micro", ...args, instance: undefined, migrationTaskArn: undefined };
    super(rdsRehearsalProvider, name, props, opts, module, type);
  }
}
