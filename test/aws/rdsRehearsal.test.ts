/**
 * The AWS rehearsal and the checks after the real migration, each provider
 * serialized and run in Pulumi's REAL dynamic-provider host, driving the real
 * `@aws-sdk/client-rds` and `@aws-sdk/client-ecs` against local stand-in
 * endpoints (testkit/rdsServer.ts, testkit/ecsServer.ts), as the ECS
 * migration run is tested. The fakes record what isolates the rehearsal: the
 * copy's security groups, tags and password reset (RDS), each task's network
 * configuration and overrides (ECS); what RunTask carried is then run by
 * `sh` as the container would, with the secret the task definition injects.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ecsMigrationChecksProvider } from "../../components/aws/migrationChecks";
import { rdsRehearsalProvider, RdsRehearsalInputs } from "../../components/aws/rdsRehearsal";
import { copyName, sortLeftovers } from "../../components/aws/rehearsalCopy";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { connectionPrelude } from "../../components/rehearsal";
import { EcsServer, TaskPlay } from "../../testkit/ecsServer";
import { providerFailure } from "../../testkit/providerFailure";
import { ProviderHost, serializeProvider } from "../../testkit/providerHost";
import { RdsServer } from "../../testkit/rdsServer";

const REHEARSAL = DYNAMIC_TYPES.rdsRehearsal.token;
const CHECKS = DYNAMIC_TYPES.ecsMigrationChecks.token;
const TASK_DEF = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-migrate:7";
const STACK = "bluegreen/production";
const COPY = "shop-rehearsal-0042";
const COPY_HOST = `${COPY}.abc123.us-east-1.rds.amazonaws.com`;
const REAL_HOST = "shop-production.abc123.us-east-1.rds.amazonaws.com";
const REAL_GROUP = "sg-0dbdbdbdbdbdbdbd0";
const REHEARSAL_TASKS = "sg-0ee0ee0ee0ee0ee00";
const COPY_GROUP = "sg-0cc0cc0cc0cc0cc00";
const OURS = {
  "bluegreen:app": "shop",
  "bluegreen:purpose": "migration-rehearsal",
  "bluegreen:stack": STACK,
  "bluegreen:migration-version": "0041",
};
const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

const exits = (exitCode: number): TaskPlay => ({
  container: "shop-migrate",
  statuses: ["PROVISIONING", "RUNNING", "STOPPED"],
  exitCode,
});

describe("RdsRehearsal and EcsMigrationChecks through the real provider host", () => {
  let ecs: EcsServer;
  let rds: RdsServer;
  let host: ProviderHost;
  let rehearsalText: string;
  let checksText: string;

  const inputs = (overrides: Partial<RdsRehearsalInputs> = {}): RdsRehearsalInputs => ({
    app: "shop",
    stack: STACK,
    region: "us-east-1",
    cluster: "prod",
    taskDefinitionArn: TASK_DEF,
    containerName: "shop-migrate",
    subnetIds: ["subnet-0a1b2c3d4e5f60718"],
    securityGroupIds: [REHEARSAL_TASKS],
    copySecurityGroupIds: [COPY_GROUP],
    migrationVersion: "0042",
    command: ["npm", "run", "migrate"],
    checks: [
      { name: "orders-have-currency", command: ["npm", "run", "check:currency"] },
      { name: "row-counts", command: ["npm", "run", "check:counts"] },
    ],
    sourceInstance: "shop-production",
    snapshotId: "shop-pre-0042",
    instanceClass: "db.t4g.micro",
    timeoutSeconds: 10,
    pollIntervalSeconds: 0.05,
    logGroup: "/ecs/shop",
    logStreamPrefix: "migration",
    endpoint: ecs.endpoint,
    rdsEndpoint: rds.endpoint,
    ...overrides,
  });
  const rehearse = (overrides: Partial<RdsRehearsalInputs> = {}) =>
    host.create(REHEARSAL, rehearsalText, { ...inputs(overrides) });
  /** What the rehearsal changed in RDS (reads left out). */
  const otherActions = () => rds.actions().filter((a) => !/^(DescribeDBInstances|ListTagsForResource)/.test(a));

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = "AKIDBLUEGREENTEST";
    process.env.AWS_SECRET_ACCESS_KEY = "bluegreen-test-secret-key";
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    [ecs, rds, host] = await Promise.all([EcsServer.start(), RdsServer.start(), ProviderHost.start()]);
    [rehearsalText, checksText] = await Promise.all([
      serializeProvider(rdsRehearsalProvider),
      serializeProvider(ecsMigrationChecksProvider),
    ]);
  });
  afterAll(async () => {
    await host?.stop();
    await Promise.all([ecs?.stop(), rds?.stop()]);
  });
  beforeEach(() => {
    ecs.reset();
    rds.requests.length = 0;
    rds.deleted.length = 0;
    rds.instances.clear();
    rds.onRequest = undefined;
    rds.restoreOutcome = "available";
    rds.restoreManagesPassword = false;
    rds.seedSnapshot({ id: "shop-pre-0042", masterUsername: "bluegreen" });
    rds.seed({
      id: "shop-production",
      port: 5432,
      subnetGroup: "shop-db-subnets",
      securityGroups: [REAL_GROUP],
      managedPassword: true,
    });
  });

  it("loads only the two SDK clients and crypto, at run time", () => {
    const required = [...rehearsalText.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect([...new Set(required)].sort()).toEqual(["@aws-sdk/client-ecs", "@aws-sdk/client-rds", "node:crypto"]);
  });

  it("GIVEN the rehearsal passes THEN the copy is restored into its own group, tagged, its master password reset, the tasks run in the rehearsal group alone with the copy's credentials, and the copy is deleted", async () => {
    [exits(0), exits(0), exits(0)].forEach((play) => ecs.play(play));

    const created = await rehearse();

    expect(otherActions()).toEqual([
      `RestoreDBInstanceFromDBSnapshot ${COPY}`,
      `ModifyDBInstance ${COPY}`,
      `DeleteDBInstance ${COPY}`,
    ]);
    const restore = rds.requests.find((r) => r.action === "RestoreDBInstanceFromDBSnapshot")!.params;
    expect(restore).toMatchObject({
      DBSnapshotIdentifier: "shop-pre-0042",
      DBInstanceClass: "db.t4g.micro",
      DBSubnetGroupName: "shop-db-subnets",
      "VpcSecurityGroupIds.VpcSecurityGroupId.1": COPY_GROUP,
      MultiAZ: "false",
      PubliclyAccessible: "false",
      DeletionProtection: "false",
    });
    expect(Object.keys(restore).filter((k) => k.startsWith("VpcSecurityGroupIds"))).toHaveLength(1);
    const [copy] = rds.deleted;
    expect(copy).toMatchObject({ id: COPY, securityGroups: [COPY_GROUP] });
    expect(Object.fromEntries(copy.tags.map((t) => [t.Key, t.Value]))).toEqual({
      ...OURS,
      "bluegreen:migration-version": "0042",
    });

    // Credentials only the copy accepts: reset on the copy alone, applied before any task ran.
    const modify = rds.requests.find((r) => r.action === "ModifyDBInstance")!.params;
    expect(modify).toMatchObject({ DBInstanceIdentifier: COPY, ApplyImmediately: "true" });
    expect(modify.ManageMasterUserPassword).toBeUndefined();
    const password = copy.masterPassword!;
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(modify.MasterUserPassword).toBe(password);
    expect(
      rds.requests.filter((r) => r.action === "ModifyDBInstance" && r.params.DBInstanceIdentifier !== COPY),
    ).toEqual([]);

    const runs = ecs.calls("RunTask");
    expect(runs).toHaveLength(3);
    for (const run of runs) {
      expect(run.networkConfiguration).toEqual({
        awsvpcConfiguration: {
          subnets: ["subnet-0a1b2c3d4e5f60718"],
          securityGroups: [REHEARSAL_TASKS],
          assignPublicIp: "DISABLED",
        },
      });
      const [override] = run.overrides.containerOverrides;
      expect(override.environment).toEqual([
        { name: "BLUEGREEN_REHEARSAL_HOST", value: COPY_HOST },
        { name: "BLUEGREEN_REHEARSAL_PASSWORD", value: password },
        { name: "BLUEGREEN_REHEARSAL_PORT", value: "5432" },
        { name: "BLUEGREEN_REHEARSAL_REAL_HOSTS", value: REAL_HOST },
        { name: "BLUEGREEN_REHEARSAL_USER", value: "bluegreen" },
      ]);
    }
    expect(runs.map((r) => r.overrides.containerOverrides[0].command)).toEqual([
      connectionPrelude(["npm", "run", "migrate"]),
      connectionPrelude(["npm", "run", "check:currency"]),
      connectionPrelude(["npm", "run", "check:counts"]),
    ]);
    expect(created.outs).toMatchObject({ instance: COPY, checks: ["orders-have-currency", "row-counts"], kept: [] });
    // The password is in no output and no state.
    expect(JSON.stringify(created.outs)).not.toContain(password);
  });

  it("GIVEN what RunTask carried WHEN sh runs it with the secret DATABASE_URL the task definition injects THEN the migration connects to the copy with its credentials, as its own role", async () => {
    ecs.play(exits(0));
    await rehearse({ checks: [] });
    const [override] = ecs.calls("RunTask")[0].overrides.containerOverrides;
    const password = rds.deleted[0].masterPassword!;
    const [sh, ...args] = override.command.slice(0, -3).concat(["printenv", "DATABASE_URL"]);
    const environment = Object.fromEntries(
      override.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    const out = execFileSync(sh, args, {
      env: {
        PATH: process.env.PATH,
        // Injected from Secrets Manager at task start: the real host and the migration role's real password.
        DATABASE_URL: `postgresql://shop_migration:the-real-pw@${REAL_HOST}:5432/shop?sslmode=verify-full`,
        ...environment,
      },
      encoding: "utf8",
    });
    expect(out).toBe(
      `postgresql://bluegreen:${password}@${COPY_HOST}:5432/shop?sslmode=verify-full&options=-c%20role%3Dshop_migration\n`,
    );
  });

  it("GIVEN leftovers WHEN they carry this stack's tags THEN they are deleted; an untagged one, another stack's and another app's are kept and reported, never deleted", async () => {
    rds.seed({ id: "shop-rehearsal-0041", tags: tagList(OURS) });
    rds.seed({ id: "shop-rehearsal-0040", status: "deleting", tags: tagList(OURS) });
    rds.seed({ id: "shop-rehearsal-manual" });
    rds.seed({ id: "shop-rehearsal-0039", tags: tagList({ ...OURS, "bluegreen:stack": "bluegreen/staging" }) });
    rds.seed({ id: "shop-rehearsal-0038", tags: tagList({ ...OURS, "bluegreen:migration-version": "" }) });
    rds.seed({ id: "other-rehearsal-1", tags: tagList({ ...OURS, "bluegreen:app": "other" }) });
    [exits(0), exits(0), exits(0)].forEach((play) => ecs.play(play));

    const created = await rehearse();

    expect(otherActions().filter((a) => a.startsWith("DeleteDBInstance"))).toEqual([
      "DeleteDBInstance shop-rehearsal-0041",
      `DeleteDBInstance ${COPY}`,
    ]);
    expect(rds.requests.filter((r) => r.action === "ListTagsForResource").map((r) => r.params.ResourceName)).toEqual(
      ["0041", "0040", "manual", "0039", "0038"].map(
        (v) => `arn:aws:rds:us-east-1:123456789012:db:shop-rehearsal-${v}`,
      ),
    );
    expect(created.outs.kept).toEqual([
      {
        instance: "shop-rehearsal-manual",
        reason:
          "no bluegreen:app tag, no bluegreen:purpose tag, no bluegreen:stack tag, no bluegreen:migration-version tag",
      },
      { instance: "shop-rehearsal-0039", reason: 'bluegreen:stack="bluegreen/staging"' },
      { instance: "shop-rehearsal-0038", reason: "no bluegreen:migration-version tag" },
    ]);
    expect([...rds.instances.keys()].sort()).toEqual([
      "other-rehearsal-1",
      "shop-production",
      "shop-rehearsal-0038",
      "shop-rehearsal-0039",
      "shop-rehearsal-0040",
      "shop-rehearsal-manual",
    ]);
    expect(host.log).toContain(
      'bluegreen: rehearsal of migration "0042": kept RDS instance shop-rehearsal-manual, named like a rehearsal copy but not this stack\'s (no bluegreen:app tag',
    );
  });

  it("GIVEN an instance of another stack holds the copy's name THEN it is kept and the copy is restored under a name that does not collide", async () => {
    rds.seed({
      id: COPY,
      tags: tagList({ ...OURS, "bluegreen:stack": "bluegreen/staging", "bluegreen:migration-version": "0042" }),
    });
    [exits(0), exits(0), exits(0)].forEach((play) => ecs.play(play));
    const created = await rehearse();
    expect(otherActions()).toEqual([
      `RestoreDBInstanceFromDBSnapshot ${COPY}-2`,
      `ModifyDBInstance ${COPY}-2`,
      `DeleteDBInstance ${COPY}-2`,
    ]);
    expect(created.outs).toMatchObject({ instance: `${COPY}-2`, kept: [{ instance: COPY }] });
    expect(rds.instances.has(COPY)).toBe(true);
    expect(ecs.calls("RunTask")[0].overrides.containerOverrides[0].environment).toContainEqual({
      name: "BLUEGREEN_REHEARSAL_HOST",
      value: `${COPY}-2.abc123.us-east-1.rds.amazonaws.com`,
    });
  });

  it("GIVEN someone else creates the name between the listing and the restore THEN the next name is used; GIVEN no free name THEN it fails naming the instances in the way", async () => {
    rds.onRequest = (action, params) => {
      if (action === "RestoreDBInstanceFromDBSnapshot" && params.DBInstanceIdentifier === COPY) rds.seed({ id: COPY });
    };
    [exits(0), exits(0), exits(0)].forEach((play) => ecs.play(play));
    expect((await rehearse()).outs.instance).toBe(`${COPY}-2`);

    rds.onRequest = undefined;
    rds.instances.delete(COPY);
    ecs.reset();
    rds.requests.length = 0;
    for (const n of [1, 2, 3, 4, 5]) rds.seed({ id: copyName(COPY, n) });
    const error = await providerFailure(rehearse());
    expect(error.details).toBe(
      `Rehearsal of migration "0042" on RDS instance ${COPY}-5: no free name: ${COPY}, ${COPY}-2, ${COPY}-3, ${COPY}-4, ${COPY}-5 are held by instances this stack's rehearsal did not create; delete them or rehearse under another migration version`,
    );
    expect(otherActions()).toEqual([]);
    expect(ecs.calls("RunTask")).toEqual([]);
  });

  it("GIVEN a leftover of this stack on the second page of DescribeDBInstances THEN it is found and deleted", async () => {
    for (let n = 0; n < 120; n++) rds.seed({ id: `unrelated-${String(n).padStart(3, "0")}` });
    rds.seed({ id: "shop-rehearsal-0041", tags: tagList(OURS) });
    [exits(0), exits(0), exits(0)].forEach((play) => ecs.play(play));
    await rehearse();
    const lists = rds.requests.filter(
      (r) => r.action === "DescribeDBInstances" && r.params.DBInstanceIdentifier === undefined,
    );
    expect(lists.map((r) => r.params.Marker === undefined)).toEqual([true, false]);
    expect(otherActions()[0]).toBe("DeleteDBInstance shop-rehearsal-0041");
  });

  it("GIVEN a copy of this very version left over by this stack THEN it is deleted and gone before the snapshot is restored under its name again", async () => {
    rds.seed({ id: COPY, tags: tagList({ ...OURS, "bluegreen:migration-version": "0042" }) });
    [exits(0), exits(0), exits(0)].forEach((play) => ecs.play(play));
    await rehearse();
    expect(rds.actions()).toEqual([
      "DescribeDBInstances shop-production",
      "DescribeDBInstances",
      `ListTagsForResource`,
      `DeleteDBInstance ${COPY}`,
      `DescribeDBInstances ${COPY}`,
      `RestoreDBInstanceFromDBSnapshot ${COPY}`,
      ...Array(3).fill(`DescribeDBInstances ${COPY}`),
      `ModifyDBInstance ${COPY}`,
      ...Array(2).fill(`DescribeDBInstances ${COPY}`),
      `DeleteDBInstance ${COPY}`,
    ]);
  });

  it("GIVEN a copy whose master password Secrets Manager manages THEN the reset turns that off in the same call", async () => {
    rds.restoreManagesPassword = true;
    [exits(0), exits(0), exits(0)].forEach((play) => ecs.play(play));
    await rehearse();
    expect(rds.requests.find((r) => r.action === "ModifyDBInstance")!.params).toMatchObject({
      ManageMasterUserPassword: "false",
    });
    expect(rds.deleted[0].masterPassword).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it("GIVEN the prelude refuses a connection setting in the container (exit 78) THEN the message says so and the copy is deleted", async () => {
    ecs.play(exits(78));
    const error = await providerFailure(rehearse());
    expect(error.details).toMatch(
      new RegExp(
        `^Rehearsal of migration "0042" on RDS instance ${COPY} \\(the real database was not touched\\) failed on ECS cluster "prod"`,
      ),
    );
    expect(error.details).toContain(
      "  note: exit 78 is the rehearsal refusing a connection setting it cannot point at the copy, before the migration started; the log stream names the variable and its form.",
    );
    expect(rds.instances.has(COPY)).toBe(false);
  });

  it("GIVEN a check that fails on the copy THEN the rehearsal fails naming the check and its logs, and the copy is still deleted", async () => {
    [exits(0), exits(3)].forEach((play) => ecs.play(play));
    const error = await providerFailure(rehearse());
    expect(error.details).toMatch(
      new RegExp(
        `^Validation check "orders-have-currency" of migration "0042" on the rehearsal copy ${COPY} \\(the real database was not touched\\) failed on ECS cluster "prod": .*exit.*3`,
      ),
    );
    expect(error.details).toContain("  logs: /ecs/shop/migration/shop-migrate/");
    expect(error.details).not.toContain("note: exit 78");
    expect(ecs.calls("RunTask")).toHaveLength(2);
    expect(rds.actions().at(-1)).toBe(`DeleteDBInstance ${COPY}`);
    expect(rds.instances.has(COPY)).toBe(false);
  });

  it("GIVEN an RDS API error THEN the message names the rehearsal and the error, and nothing runs", async () => {
    const error = await providerFailure(rehearse({ sourceInstance: "shop-gone" }));
    expect(error.details).toBe(
      `Rehearsal of migration "0042" on RDS instance ${COPY} failed: DBInstanceNotFoundFault: DBInstance shop-gone not found.`,
    );
    expect(ecs.calls("RunTask")).toEqual([]);
  });

  it("GIVEN a MySQL database, or a rehearsal group that is the real database's THEN nothing is restored", async () => {
    rds.seed({ id: "shop-mysql", engine: "mysql", securityGroups: [REAL_GROUP] });
    expect((await providerFailure(rehearse({ sourceInstance: "shop-mysql" }))).details).toBe(
      `Rehearsal of migration "0042" on RDS instance ${COPY}: the real database shop-mysql runs mysql; the rehearsal points PostgreSQL connections at its copy and keeps the migration's role with SET ROLE, which only PostgreSQL has`,
    );
    expect((await providerFailure(rehearse({ securityGroupIds: [REAL_GROUP] }))).details).toBe(
      `Rehearsal of migration "0042" on RDS instance ${COPY}: ${REAL_GROUP} is a security group of the real database shop-production; the rehearsal's tasks and copy must be in groups of their own, which the real database does not admit`,
    );
    expect(otherActions()).toEqual([]);
  });

  it("GIVEN a restore that ends in a failed status THEN nothing runs on ECS and the copy is deleted", async () => {
    rds.restoreOutcome = "incompatible-restore";
    const error = await providerFailure(rehearse());
    expect(error.details).toBe(
      `Rehearsal of migration "0042" on RDS instance ${COPY}: the restore of snapshot shop-pre-0042 ended in status "incompatible-restore"`,
    );
    expect(ecs.calls("RunTask")).toEqual([]);
    expect(rds.instances.has(COPY)).toBe(false);
  });

  it("refuses inputs without the copy's own security group or the stack", async () => {
    const { copySecurityGroupIds: _, stack: __, ...rest } = inputs();
    const checked = await host.check(REHEARSAL, rehearsalText, {}, { ...rest });
    expect(checked.failures.map((f) => f.property).sort()).toEqual(["copySecurityGroupIds", "stack"]);
  });

  it("runs the checks after the real migration with the migration's task definition, and a failure names the check", async () => {
    const checks = inputs().checks;
    const target = { ...inputs(), checks };
    [exits(0), exits(0)].forEach((play) => ecs.play(play));
    const passed = await host.create(CHECKS, checksText, { ...target });
    expect((passed.outs.tasks as { name: string }[]).map((t) => t.name)).toEqual([
      "orders-have-currency",
      "row-counts",
    ]);
    expect(ecs.calls("RunTask").map((r) => r.overrides.containerOverrides[0])).toEqual([
      { name: "shop-migrate", command: ["npm", "run", "check:currency"] },
      { name: "shop-migrate", command: ["npm", "run", "check:counts"] },
    ]);

    ecs.reset();
    [exits(0), exits(1)].forEach((play) => ecs.play(play));
    const error = await providerFailure(host.create(CHECKS, checksText, { ...target }));
    expect(error.details).toMatch(
      /^Validation check "row-counts" of migration "0042" after the migration failed on ECS cluster "prod"/,
    );
    expect(error.details).toContain("Traffic was not moved");
  });
});

describe("what the rehearsal deletes, and the name it takes", () => {
  const own = { app: "shop", stack: STACK };

  it("deletes only what carries all four tags of this stack's rehearsals", () => {
    const found = [
      { id: "a", tags: OURS },
      { id: "b", tags: {} },
      { id: "c", tags: { ...OURS, "bluegreen:purpose": "pre-migration" } },
      { id: "d", tags: { ...OURS, "bluegreen:app": "shop2" } },
      { id: "e", tags: { ...OURS, "bluegreen:stack": "other/production" } },
    ];
    expect(sortLeftovers(found, own)).toEqual({
      ours: [found[0]],
      kept: [
        {
          instance: "b",
          reason:
            "no bluegreen:app tag, no bluegreen:purpose tag, no bluegreen:stack tag, no bluegreen:migration-version tag",
        },
        { instance: "c", reason: 'bluegreen:purpose="pre-migration"' },
        { instance: "d", reason: 'bluegreen:app="shop2"' },
        { instance: "e", reason: 'bluegreen:stack="other/production"' },
      ],
    });
  });

  it("names a copy that does not collide: a suffix within 63 characters, never a trailing or doubled hyphen", () => {
    expect(copyName("shop-rehearsal-1", 1)).toBe("shop-rehearsal-1");
    expect(copyName("shop-rehearsal-1", 3)).toBe("shop-rehearsal-1-3");
    const long = `shop-rehearsal-${"a".repeat(46)}-b`;
    expect(long).toHaveLength(63);
    expect(copyName(long, 2)).toBe(`shop-rehearsal-${"a".repeat(46)}-2`);
    expect(copyName(long, 2)).toHaveLength(63);
  });
});
