/**
 * `bluegreen:migration.validate` on AWS: each check a Fargate task of the
 * migration's task definition (its image, environment and secrets) with the
 * check's command, run in order after the real migration; the first one that
 * does not exit 0 fails the update, so the new color, its gate and the
 * traffic wait, exactly as for a failed migration. A dynamic provider, like
 * the migration run, so that `pulumi up` waits for the tasks.
 *
 * A check reads, it does not change: a retried update runs the checks again
 * (a fresh clientToken each time), while the migration itself never re-runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_TYPES } from "../contracts/resourceTypes";
import { EcsTaskTarget, runEcsTask } from "./ecsTaskRun";
import { checkMigrationInputs } from "./migrationInputs";

export interface MigrationCheck {
  name: string;
  command: string[];
}

/** Plain inputs as the provider receives them. */
export interface EcsMigrationChecksInputs extends EcsTaskTarget {
  migrationVersion: string;
  checks: MigrationCheck[];
}

export interface EcsMigrationChecksOutputs {
  migrationVersion: string;
  /** The checks that ran: Diff runs them again when they change. */
  checks: MigrationCheck[];
  /** Each check's task, in order. */
  tasks: { name: string; taskArn: string; durationSeconds: number }[];
}

/** Runs the checks in order; throws the first failure, naming the check. */
export async function runChecks(
  target: EcsTaskTarget,
  migrationVersion: string,
  checks: readonly MigrationCheck[],
  run: { where: string; environment?: Record<string, string>; wrap?: (command: string[]) => string[] },
): Promise<EcsMigrationChecksOutputs["tasks"]> {
  const crypto: typeof import("node:crypto") = require("node:crypto");
  const tasks: EcsMigrationChecksOutputs["tasks"] = [];
  for (const check of checks) {
    const record = await runEcsTask(target, {
      migrationVersion,
      step: `Validation check "${check.name}" of migration "${migrationVersion}" ${run.where}`,
      clientToken: `bluegreen-check-${crypto.randomUUID()}`,
      command: run.wrap ? run.wrap(check.command) : check.command,
      ...(run.environment ? { environment: run.environment } : {}),
    });
    tasks.push({ name: check.name, taskArn: record.taskArn, durationSeconds: record.durationSeconds });
  }
  return tasks;
}

function checkFailures(news: Record<string, unknown>) {
  const failures = checkMigrationInputs(news);
  const checks = news.checks;
  const valid = (c: any) =>
    typeof c?.name === "string" &&
    Array.isArray(c.command) &&
    c.command.length > 0 &&
    c.command.every((p: unknown) => typeof p === "string");
  if (!Array.isArray(checks) || checks.length === 0 || !checks.every(valid)) {
    failures.push({
      property: "checks",
      reason: `must be a non-empty list of { name, command: [..] } (bluegreen:migration.validate), got ${JSON.stringify(checks)}`,
    });
  }
  return failures;
}

export const ecsMigrationChecksProvider: pulumi.dynamic.ResourceProvider<
  EcsMigrationChecksInputs,
  EcsMigrationChecksOutputs
> = {
  async check(_olds, news) {
    return { inputs: news, failures: checkFailures(news as unknown as Record<string, unknown>) };
  },
  // The checks of a migration run once it ran: a new version, or changed checks, run them again.
  async diff(_id, olds, news) {
    const changed =
      olds.migrationVersion !== news.migrationVersion || JSON.stringify(olds.checks) !== JSON.stringify(news.checks);
    return { changes: changed, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs) {
    const tasks = await runChecks(inputs, inputs.migrationVersion, inputs.checks, { where: "after the migration" });
    return {
      id: `${inputs.cluster}/${inputs.migrationVersion}/checks`,
      outs: { migrationVersion: inputs.migrationVersion, checks: inputs.checks, tasks },
    };
  },
  async update(_id, _olds, news) {
    const tasks = await runChecks(news, news.migrationVersion, news.checks, { where: "after the migration" });
    return { outs: { migrationVersion: news.migrationVersion, checks: news.checks, tasks } };
  },
  // No delete: checks leave nothing behind.
};

export interface EcsMigrationChecksArgs {
  readonly region: pulumi.Input<string>;
  readonly cluster: pulumi.Input<string>;
  /** The migration's task definition: the checks run in its image with its environment and secrets. */
  readonly taskDefinitionArn: pulumi.Input<string>;
  readonly containerName: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly migrationVersion: pulumi.Input<string>;
  /** `bluegreen:migration.validate`, in order. */
  readonly checks: pulumi.Input<MigrationCheck[]>;
  /** Limit for each check, in seconds (the migration's timeoutSeconds). */
  readonly timeoutSeconds: pulumi.Input<number>;
  /** Seconds between DescribeTasks calls. @default 6 */
  readonly pollIntervalSeconds?: pulumi.Input<number>;
  /** awslogs group of the migration container, to point failures at the check's logs. @default none */
  readonly logGroup?: pulumi.Input<string>;
  /** awslogs stream prefix; required with logGroup. @default none */
  readonly logStreamPrefix?: pulumi.Input<string>;
  /** ECS API endpoint override (tests). @default the SDK's regional endpoint */
  readonly endpoint?: pulumi.Input<string>;
}

/** The checks after the real migration (`DYNAMIC_TYPES.ecsMigrationChecks`); the new color waits for them. */
export class EcsMigrationChecks extends pulumi.dynamic.Resource {
  declare readonly tasks: pulumi.Output<EcsMigrationChecksOutputs["tasks"]>;

  constructor(name: string, args: EcsMigrationChecksArgs, opts?: pulumi.CustomResourceOptions) {
    const { module, name: type } = DYNAMIC_TYPES.ecsMigrationChecks;
    super(ecsMigrationChecksProvider, name, { ...args, tasks: undefined }, opts, module, type);
  }
}
