/**
 * The migration rehearsal's copy in RDS (rdsRehearsal.ts runs the tasks on
 * it): this stack's leftovers deleted, anything else named like a copy
 * reported and kept; the snapshot restored under a name no other instance
 * holds, into the copy's own security groups and the real database's
 * subnet group, tagged; its master password reset to a fresh one, which
 * only the copy accepts and nothing stores; deleted whatever happens.
 * Captured by value with the provider: the SDK is `require`d inside.
 */
import { AWS_TAGS, PURPOSE_TAG, STEP_PURPOSES } from "../contracts/markers";
import { rehearsalName, rehearsalPrefix, ScratchTarget } from "../rehearsalRuntime";

/** The rehearsal's inputs that concern RDS. */
export interface CopyInputs {
  app: string;
  /** `<project>/<stack>`: tagged on the copy; leftovers are this stack's copies only. */
  stack: string;
  migrationVersion: string;
  region: string;
  /** The real database: the copy gets its subnet group; its endpoint must be named by no variable of the tasks. */
  sourceInstance: string;
  snapshotId: string;
  instanceClass: string;
  /** The rehearsal tasks' groups: neither they nor the copy's may be groups of the real database. */
  securityGroupIds: string[];
  copySecurityGroupIds: string[];
  pollIntervalSeconds?: number;
  /** Limit for the restore and the password reset, in seconds. @default 3600 */
  restoreTimeoutSeconds?: number;
  /** RDS API endpoint override (tests). @default the SDK's regional endpoint */
  rdsEndpoint?: string;
}

export interface KeptInstance {
  instance: string;
  reason: string;
}

/** An instance named `<app>-rehearsal-*`, with its tags. */
export interface FoundCopy {
  id: string;
  status?: string;
  tags: Record<string, string>;
}

/** The tags the rehearsal puts on its copy; {@link sortLeftovers} deletes only what carries all of them. */
export function rehearsalTags(marks: { app: string; stack: string; migrationVersion: string }): Record<string, string> {
  return {
    [AWS_TAGS.app]: marks.app,
    [PURPOSE_TAG]: STEP_PURPOSES.rehearsal,
    [AWS_TAGS.stack]: marks.stack,
    [AWS_TAGS.migration]: marks.migrationVersion,
  };
}

/**
 * Which instances named `<app>-rehearsal-*` are this stack's leftovers
 * (tagged with its app, the rehearsal purpose, its stack and a migration
 * version: deleted) and which are not (an untagged instance, another
 * stack's rehearsal, possibly running now: kept, with the reason). Pure.
 */
export function sortLeftovers(
  found: readonly FoundCopy[],
  own: { app: string; stack: string },
): { ours: FoundCopy[]; kept: KeptInstance[] } {
  const ours: FoundCopy[] = [];
  const kept: KeptInstance[] = [];
  const expected = { [AWS_TAGS.app]: own.app, [PURPOSE_TAG]: STEP_PURPOSES.rehearsal, [AWS_TAGS.stack]: own.stack };
  for (const copy of found) {
    const wrong = Object.entries(expected)
      .filter(([key, value]) => copy.tags[key] !== value)
      .map(([key]) => (copy.tags[key] === undefined ? `no ${key} tag` : `${key}=${JSON.stringify(copy.tags[key])}`));
    if (!copy.tags[AWS_TAGS.migration]) wrong.push(`no ${AWS_TAGS.migration} tag`);
    if (wrong.length === 0) ours.push(copy);
    else kept.push({ instance: copy.id, reason: wrong.join(", ") });
  }
  return { ours, kept };
}

/** `name`, or with `-<n>` when it is taken (cut to stay a valid identifier of at most 63 characters). */
export function copyName(name: string, attempt: number): string {
  if (attempt === 1) return name;
  const suffix = `-${attempt}`;
  return `${name.slice(0, 63 - suffix.length).replace(/-+$/, "")}${suffix}`;
}

const DEFAULT_RESTORE_TIMEOUT_SECONDS = 3600;
/** Names tried before the rehearsal gives up on a free one. */
const NAME_ATTEMPTS = 5;
/** Statuses a restore never leaves on its own. */
const FAILED_STATUSES = [
  "failed",
  "incompatible-restore",
  "incompatible-parameters",
  "incompatible-network",
  "incompatible-credentials",
  "storage-full",
];

/** The copy being prepared. */
export interface RdsCopy {
  /** `Rehearsal of migration "<version>" on RDS instance <its name so far>`: what its messages start with. */
  what(): string;
  /** Its name so far (the preferred one until a free one is chosen). */
  name(): string;
  /** Up to a copy the tasks can log in to: their target, the real database's host, the instances kept. */
  prepare(): Promise<{ target: ScratchTarget; realHosts: string[]; kept: KeptInstance[] }>;
  /** Deletes the copy if it was restored (never throws), and closes the client. */
  remove(): Promise<void>;
}

export function rdsCopy(inputs: CopyInputs): RdsCopy {
  const rds: typeof import("@aws-sdk/client-rds") = require("@aws-sdk/client-rds");
  const crypto: typeof import("node:crypto") = require("node:crypto");
  const client = new rds.RDSClient({
    region: inputs.region,
    ...(inputs.rdsEndpoint ? { endpoint: inputs.rdsEndpoint } : {}),
  });
  const preferred = rehearsalName(inputs.app, inputs.migrationVersion);
  let name = preferred;
  let restored = false;
  const what = () => `Rehearsal of migration "${inputs.migrationVersion}" on RDS instance ${name}`;
  const pollMs = (inputs.pollIntervalSeconds ?? 6) * 1000;
  const sleep = () => new Promise((resolve) => setTimeout(resolve, pollMs));
  const deadline = Date.now() + (inputs.restoreTimeoutSeconds ?? DEFAULT_RESTORE_TIMEOUT_SECONDS) * 1000;
  const late = (state: string) => new Error(`${what()}: ${state} after restoreTimeoutSeconds`);
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
  const waitAvailable = async (step: string, settled: (copy: import("@aws-sdk/client-rds").DBInstance) => boolean) => {
    let copy = await describe(name);
    while (copy?.DBInstanceStatus !== "available" || !settled(copy)) {
      const status = copy?.DBInstanceStatus ?? "unknown";
      if (FAILED_STATUSES.includes(status)) throw new Error(`${what()}: ${step} ended in status "${status}"`);
      if (Date.now() > deadline) throw late(`${step} is still "${status}"`);
      await sleep();
      copy = await describe(name);
    }
    return copy;
  };

  /** Everything named like a copy, with its tags (every page); only this stack's copies are deleted. */
  async function leftovers() {
    const named: FoundCopy[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(new rds.DescribeDBInstancesCommand({ MaxRecords: 100, Marker: marker }));
      for (const instance of page.DBInstances ?? []) {
        const id = instance.DBInstanceIdentifier ?? "";
        if (!id.startsWith(rehearsalPrefix(inputs.app))) continue;
        const listed = await client.send(new rds.ListTagsForResourceCommand({ ResourceName: instance.DBInstanceArn }));
        const tags = Object.fromEntries((listed.TagList ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
        named.push({ id, status: instance.DBInstanceStatus, tags });
      }
      marker = page.Marker;
    } while (marker);
    const sorted = sortLeftovers(named, { app: inputs.app, stack: inputs.stack });
    for (const leftover of sorted.ours) if (leftover.status !== "deleting") await remove(leftover.id);
    for (const other of sorted.kept) {
      console.error(
        `bluegreen: rehearsal of migration "${inputs.migrationVersion}": kept RDS instance ${other.instance}, named like a rehearsal copy but not this stack's (${other.reason}); it is never deleted by the rehearsal: delete it yourself if it is a leftover`,
      );
    }
    return sorted;
  }

  /** The snapshot restored under a name no other instance holds; this stack's own leftover of it is waited out. */
  async function restore(subnetGroup: string | undefined, sorted: { ours: FoundCopy[]; kept: KeptInstance[] }) {
    const taken = new Set(sorted.kept.map((k) => k.instance));
    const tags = Object.entries(rehearsalTags(inputs)).map(([Key, Value]) => ({ Key, Value }));
    for (let attempt = 1; attempt <= NAME_ATTEMPTS; attempt++) {
      name = copyName(preferred, attempt);
      if (taken.has(name)) continue;
      while (sorted.ours.some((o) => o.id === name) && !(await gone(name))) {
        if (Date.now() > deadline) throw late(`the leftover ${name} is still being deleted`);
        await sleep();
      }
      try {
        await client.send(
          new rds.RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: name,
            DBSnapshotIdentifier: inputs.snapshotId,
            DBInstanceClass: inputs.instanceClass,
            DBSubnetGroupName: subnetGroup,
            VpcSecurityGroupIds: inputs.copySecurityGroupIds,
            MultiAZ: false,
            PubliclyAccessible: false,
            DeletionProtection: false,
            Tags: tags,
          }),
        );
        restored = true;
        return;
      } catch (error) {
        // Created meanwhile by someone else (another stack rehearsing the same version): the next name.
        const code = (error as Error).name;
        if (code !== "DBInstanceAlreadyExistsFault" && code !== "DBInstanceAlreadyExists") throw error;
        taken.add(name);
      }
    }
    throw new Error(
      `${what()}: no free name: ${[...taken].join(", ")} are held by instances this stack's rehearsal did not create; delete them or rehearse under another migration version`,
    );
  }

  return {
    what,
    name: () => name,
    async prepare() {
      const source = await describe(inputs.sourceInstance);
      if (!source?.Engine?.startsWith("postgres")) {
        throw new Error(
          `${what()}: the real database ${inputs.sourceInstance} runs ${source?.Engine ?? "an unknown engine"}; the rehearsal points PostgreSQL connections at its copy and keeps the migration's role with SET ROLE, which only PostgreSQL has`,
        );
      }
      const theirs = (source.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId);
      const shared = [...inputs.securityGroupIds, ...inputs.copySecurityGroupIds].filter((id) => theirs.includes(id));
      if (shared.length > 0) {
        throw new Error(
          `${what()}: ${shared.join(", ")} is a security group of the real database ${inputs.sourceInstance}; the rehearsal's tasks and copy must be in groups of their own, which the real database does not admit`,
        );
      }
      const sorted = await leftovers();
      await restore(source.DBSubnetGroup?.DBSubnetGroupName, sorted);
      let copy = await waitAvailable(`the restore of snapshot ${inputs.snapshotId}`, () => true);
      // Credentials only the copy accepts: a fresh master password, which nothing stores.
      const password = crypto.randomBytes(24).toString("base64url").replace(/[-_]/g, "x");
      await client.send(
        new rds.ModifyDBInstanceCommand({
          DBInstanceIdentifier: name,
          MasterUserPassword: password,
          ApplyImmediately: true,
          ...(copy.MasterUserSecret ? { ManageMasterUserPassword: false } : {}),
        }),
      );
      copy = await waitAvailable(
        "the reset of its master password",
        (i) => !i.PendingModifiedValues?.MasterUserPassword,
      );
      return {
        target: {
          host: copy.Endpoint?.Address ?? "",
          port: copy.Endpoint?.Port ?? 5432,
          login: { user: copy.MasterUsername ?? "", password },
        },
        realHosts: source.Endpoint?.Address ? [source.Endpoint.Address] : [],
        kept: sorted.kept,
      };
    },
    async remove() {
      // Whatever happened: a copy left behind is deleted by the next rehearsal (its tags say it is this stack's).
      if (restored) await remove(name).catch(() => undefined);
      client.destroy();
    },
  };
}
