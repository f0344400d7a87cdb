/**
 * The migration rehearsal on AWS (`bluegreen:migration.rehearse`): the
 * pre-migration snapshot restored into a small RDS instance
 * `<app>-rehearsal-<version>`, isolated from the real database by network
 * and by credentials, the migration task and every check run against it,
 * and the instance deleted whatever happens. The real migration waits for
 * this resource, so it runs only if the rehearsal and its checks passed.
 *
 * - Network: the copy sits in the real database's subnet group but in its
 *   own security group (`copySecurityGroupIds`), which admits only the
 *   rehearsal's task group (`securityGroupIds`); the tasks run in that group
 *   alone, which no rule of the real database admits and whose egress
 *   reaches only the copy on the database port (and HTTPS). The program
 *   creates both groups (migrationTask.ts, taskNetwork.ts); the pack's
 *   `database-ingress-from-app` refuses a real database that admits the
 *   task group.
 * - Credentials: once restored, the copy's master password is reset
 *   (ModifyDBInstance) to a fresh one generated here and never stored; the
 *   tasks log in with it as the master user and act as the migration's own
 *   role (`-c role=`), so what the migration creates is owned by that role,
 *   as in the real run. The real database does not accept that password.
 * - Connection: every task's command is wrapped in the prelude of
 *   components/rehearsalRuntime.ts (the rules of components/rehearsal.ts),
 *   which rewrites every connection setting the container really has
 *   (secrets, the image's own variables) to the copy, or refuses to start
 *   naming the form (exit 78).
 * - Clean-up: instances `<app>-rehearsal-*` carrying this stack's tags
 *   (app, purpose, stack, migration version) are leftovers of an
 *   interrupted run and deleted first; any other instance of such a name is
 *   reported and never deleted, and the copy takes a name that does not
 *   collide with it.
 *
 * Aurora clusters and MySQL are refused by the config (components/rds/config.ts)
 * and again here: the rewrite and the role are PostgreSQL's.
 */
import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_TYPES } from "../contracts/resourceTypes";
import { connectionPrelude, PRELUDE_REFUSED, preludeEnvironment } from "../rehearsalRuntime";
import { EcsTaskTarget, runEcsTask } from "./ecsTaskRun";
import { MigrationCheck, runChecks } from "./migrationChecks";
import { checkMigrationInputs } from "./migrationInputs";
import { CopyInputs, KeptInstance, rdsCopy } from "./rehearsalCopy";

/** Plain inputs as the provider receives them. `securityGroupIds`: the rehearsal tasks' group, never the migration's. */
export interface RdsRehearsalInputs extends EcsTaskTarget, CopyInputs {
  /** The migration's command (the task definition's, repeated: the rehearsal wraps it). */
  command: string[];
  checks: MigrationCheck[];
}

export interface RdsRehearsalOutputs {
  migrationVersion: string;
  instance: string;
  migrationTaskArn: string;
  checks: string[];
  /** Instances named like a copy that this stack's rehearsal did not create: reported, never deleted. */
  kept: KeptInstance[];
}

async function rehearse(inputs: RdsRehearsalInputs): Promise<RdsRehearsalOutputs> {
  const crypto: typeof import("node:crypto") = require("node:crypto");
  const copy = rdsCopy(inputs);
  try {
    const { target, realHosts, kept } = await copy.prepare();
    const environment = preludeEnvironment(target, realHosts);
    const migration = await runEcsTask(inputs, {
      migrationVersion: inputs.migrationVersion,
      step: `${copy.what()} (the real database was not touched)`,
      clientToken: `bluegreen-rehearsal-${crypto.randomUUID()}`,
      command: connectionPrelude(inputs.command),
      environment,
    });
    const checks = await runChecks(inputs, inputs.migrationVersion, inputs.checks, {
      where: `on the rehearsal copy ${copy.name()} (the real database was not touched)`,
      environment,
      wrap: connectionPrelude,
    });
    return {
      migrationVersion: inputs.migrationVersion,
      instance: copy.name(),
      migrationTaskArn: migration.taskArn,
      checks: checks.map((c) => c.name),
      kept,
    };
  } catch (error) {
    const e = error as Error;
    const refused = e.message.includes(`container exit code: ${PRELUDE_REFUSED}\n`)
      ? `\n  note: exit ${PRELUDE_REFUSED} is the rehearsal refusing a connection setting it cannot point at the copy, before the migration started; the log stream names the variable and its form.`
      : "";
    // Messages of this rehearsal and of its ECS runs already say what failed; an RDS API error gets named here.
    if (e.message.startsWith(copy.what()) || e.message.includes(" failed on ECS cluster ")) {
      if (refused === "") throw error;
      throw new Error(`${e.message}${refused}`, { cause: error });
    }
    throw new Error(`${copy.what()} failed: ${e.name}: ${e.message}`, { cause: error });
  } finally {
    await copy.remove();
  }
}

function rehearsalFailures(news: Record<string, unknown>) {
  const failures = checkMigrationInputs(news);
  for (const key of ["app", "stack", "sourceInstance", "snapshotId"]) {
    if (typeof news[key] !== "string" || news[key] === "")
      failures.push({ property: key, reason: `must be a non-empty string, got ${JSON.stringify(news[key])}` });
  }
  const copyGroups = news.copySecurityGroupIds;
  if (!Array.isArray(copyGroups) || copyGroups.length === 0 || !copyGroups.every((g) => typeof g === "string")) {
    failures.push({
      property: "copySecurityGroupIds",
      reason: `must be the copy's own security groups (at least one), got ${JSON.stringify(copyGroups)}`,
    });
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
  /** The rehearsal tasks' own security group: no rule of the real database admits it. */
  readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The copy's own security group: it admits only `securityGroupIds`. */
  readonly copySecurityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly migrationVersion: string;
  /** The migration's command (`bluegreen:migration.command`). */
  readonly command: string[];
  /** `bluegreen:migration.validate`, run on the copy after the migration. */
  readonly checks: MigrationCheck[];
  /** The real database's instance identifier: the copy gets its subnet group. */
  readonly sourceInstance: string;
  /** The pre-migration snapshot restored into the copy. */
  readonly snapshotId: string;
  /** The copy's class. @default "db.t4g.micro" */
  readonly instanceClass?: string;
  /** `<project>/<stack>`, tagged on the copy. @default this program's project and stack */
  readonly stack?: string;
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
  declare readonly kept: pulumi.Output<KeptInstance[]>;

  constructor(name: string, args: RdsRehearsalArgs, opts?: pulumi.CustomResourceOptions) {
    const { module, name: type } = DYNAMIC_TYPES.rdsRehearsal;
    const props = {
      instanceClass: "db.t4g.micro",
      stack: `${pulumi.getProject()}/${pulumi.getStack()}`,
      ...args,
      instance: undefined,
      migrationTaskArn: undefined,
      kept: undefined,
    };
    super(rdsRehearsalProvider, name, props, opts, module, type);
  }
}
