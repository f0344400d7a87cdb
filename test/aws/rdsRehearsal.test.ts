/**
 * The AWS rehearsal and the checks after the real migration, each provider
 * serialized and run in Pulumi's REAL dynamic-provider host, driving the real
 * `@aws-sdk/client-rds` and `@aws-sdk/client-ecs` against local stand-in
 * endpoints (testkit/rdsServer.ts, testkit/ecsServer.ts), as the ECS
 * migration run is tested.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ecsMigrationChecksProvider } from "../../components/aws/migrationChecks";
import { rdsRehearsalProvider, RdsRehearsalInputs } from "../../components/aws/rdsRehearsal";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { secretUrlRewrite } from "../../components/rehearsal";
import { EcsServer, TaskPlay } from "../../testkit/ecsServer";
import { providerFailure } from "../../testkit/providerFailure";
import { ProviderHost, serializeProvider } from "../../testkit/providerHost";
import { RdsServer } from "../../testkit/rdsServer";

const REHEARSAL = DYNAMIC_TYPES.rdsRehearsal.token;
const CHECKS = DYNAMIC_TYPES.ecsMigrationChecks.token;
const TASK_DEF = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-migrate:7";
const COPY = "shop-rehearsal-0042";
const COPY_HOST = `${COPY}.abc123.us-east-1.rds.amazonaws.com`;

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
    region: "us-east-1",
    cluster: "prod",
    taskDefinitionArn: TASK_DEF,
    containerName: "shop-migrate",
    subnetIds: ["subnet-0a1b2c3d4e5f60718"],
    securityGroupIds: ["sg-0123456789abcdef0"],
    migrationVersion: "0042",
    command: ["npm", "run", "migrate"],
    checks: [
      { name: "orders-have-currency", command: ["npm", "run", "check:currency"] },
      { name: "row-counts", command: ["npm", "run", "check:counts"] },
    ],
    sourceInstance: "shop-production",
    snapshotId: "shop-pre-0042",
    instanceClass: "db.t4g.micro",
    secretDatabaseUrl: true,
    timeoutSeconds: 10,
    pollIntervalSeconds: 0.05,
    logGroup: "/ecs/shop",
    logStreamPrefix: "migration",
    endpoint: ecs.endpoint,
    rdsEndpoint: rds.endpoint,
    ...overrides,
  });

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
    rds.instances.clear();
    rds.restoreOutcome = "available";
    rds.seed({
      id: "shop-production",
      port: 5432,
      subnetGroup: "shop-db-subnets",
      securityGroups: ["sg-0dbdbdbdbdbdbdbd0"],
    });
  });

  it("loads only the two SDK clients and crypto, at run time", () => {
    expect([...rehearsalText.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).sort()).toEqual([
      "@aws-sdk/client-ecs",
      "@aws-sdk/client-rds",
      "node:crypto",
      "node:crypto",
    ]);
  });

  it("GIVEN a leftover copy WHEN the rehearsal passes THEN the leftover is deleted, the snapshot restored small in the real database's network, the migration and checks pointed at the copy, and the copy deleted", async () => {
    rds.seed({ id: "shop-rehearsal-0041", status: "available" });
    rds.seed({ id: "other-rehearsal-1", status: "available" });
    [exits(0), exits(0), exits(0)].forEach((play) => ecs.play(play));

    const created = await host.create(REHEARSAL, rehearsalText, { ...inputs() });

    expect(rds.actions().filter((a) => !a.startsWith("DescribeDBInstances"))).toEqual([
      "DeleteDBInstance shop-rehearsal-0041",
      `RestoreDBInstanceFromDBSnapshot ${COPY}`,
      `DeleteDBInstance ${COPY}`,
    ]);
    const restore = rds.requests.find((r) => r.action === "RestoreDBInstanceFromDBSnapshot")!.params;
    expect(restore).toMatchObject({
      DBSnapshotIdentifier: "shop-pre-0042",
      DBInstanceClass: "db.t4g.micro",
      DBSubnetGroupName: "shop-db-subnets",
      "VpcSecurityGroupIds.VpcSecurityGroupId.1": "sg-0dbdbdbdbdbdbdbd0",
      MultiAZ: "false",
      PubliclyAccessible: "false",
      DeletionProtection: "false",
      "Tags.Tag.1.Key": "bluegreen:app",
      "Tags.Tag.1.Value": "shop",
      "Tags.Tag.2.Key": "bluegreen:purpose",
      "Tags.Tag.2.Value": "migration-rehearsal",
    });
    expect([...rds.instances.keys()].sort()).toEqual(["other-rehearsal-1", "shop-production"]);
    const runs = ecs.calls("RunTask").map((r) => r.overrides.containerOverrides[0]);
    expect(runs.map((o) => o.command.slice(4))).toEqual([
      ["npm", "run", "migrate"],
      ["npm", "run", "check:currency"],
      ["npm", "run", "check:counts"],
    ]);
    for (const run of runs) {
      expect(run.command.slice(0, 4)).toEqual(secretUrlRewrite([]));
      expect(run.environment).toEqual([
        { name: "PGHOST", value: COPY_HOST },
        { name: "PGPORT", value: "5432" },
      ]);
    }
    expect(created.outs).toMatchObject({ instance: COPY, checks: ["orders-have-currency", "row-counts"] });
  });

  it("GIVEN a check that fails on the copy THEN the rehearsal fails naming the check and its logs, and the copy is still deleted", async () => {
    [exits(0), exits(3)].forEach((play) => ecs.play(play));
    const error = await providerFailure(host.create(REHEARSAL, rehearsalText, { ...inputs() }));
    expect(error.details).toMatch(
      new RegExp(
        `^Validation check "orders-have-currency" of migration "0042" on the rehearsal copy ${COPY} \\(the real database was not touched\\) failed on ECS cluster "prod": .*exit.*3`,
      ),
    );
    expect(error.details).toContain("  logs: /ecs/shop/migration/shop-migrate/");
    expect(ecs.calls("RunTask")).toHaveLength(2);
    expect(rds.actions().at(-1)).toBe(`DeleteDBInstance ${COPY}`);
    expect(rds.instances.has(COPY)).toBe(false);
  });

  it("GIVEN a copy of this very version left over THEN it is deleted and gone before the snapshot is restored under its name again", async () => {
    rds.seed({ id: COPY, status: "available" });
    [exits(0), exits(0), exits(0)].forEach((play) => ecs.play(play));
    await host.create(REHEARSAL, rehearsalText, { ...inputs() });
    expect(rds.actions()).toEqual([
      "DescribeDBInstances",
      `DeleteDBInstance ${COPY}`,
      `DescribeDBInstances ${COPY}`,
      "DescribeDBInstances shop-production",
      `RestoreDBInstanceFromDBSnapshot ${COPY}`,
      ...Array(3).fill(`DescribeDBInstances ${COPY}`),
      `DeleteDBInstance ${COPY}`,
    ]);
  });

  it("GIVEN an RDS API error THEN the message names the rehearsal and the error, and nothing runs", async () => {
    const error = await providerFailure(
      host.create(REHEARSAL, rehearsalText, { ...inputs({ sourceInstance: "shop-gone" }) }),
    );
    expect(error.details).toBe(
      `Rehearsal of migration "0042" on RDS instance ${COPY} failed: DBInstanceNotFoundFault: DBInstance shop-gone not found.`,
    );
    expect(ecs.calls("RunTask")).toEqual([]);
  });

  it("GIVEN a plain DATABASE_URL THEN it is rewritten to the copy's host and port, and the command is not wrapped", async () => {
    [exits(0)].forEach((play) => ecs.play(play));
    await host.create(REHEARSAL, rehearsalText, {
      ...inputs({
        checks: [],
        secretDatabaseUrl: false,
        databaseUrl:
          "postgres://shop_migration@shop-production.abc123.us-east-1.rds.amazonaws.com:5432/shop?sslmode=require",
      }),
    });
    const [override] = ecs.calls("RunTask")[0].overrides.containerOverrides;
    expect(override.command).toEqual(["npm", "run", "migrate"]);
    expect(override.environment).toContainEqual({
      name: "DATABASE_URL",
      value: `postgres://shop_migration@${COPY_HOST}:5432/shop?sslmode=require`,
    });
  });

  it("GIVEN a restore that ends in a failed status THEN nothing runs on ECS and the copy is deleted", async () => {
    rds.restoreOutcome = "incompatible-restore";
    const error = await providerFailure(host.create(REHEARSAL, rehearsalText, { ...inputs() }));
    expect(error.details).toBe(
      `Rehearsal of migration "0042" on RDS instance ${COPY}: the restore of snapshot shop-pre-0042 ended in status "incompatible-restore"`,
    );
    expect(ecs.calls("RunTask")).toEqual([]);
    expect(rds.instances.has(COPY)).toBe(false);
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

describe("secretUrlRewrite, as sh runs it in the migration image", () => {
  it("points a DATABASE_URL injected from a secret at PGHOST:PGPORT, keeping user, password, database and query", () => {
    const [sh, ...args] = secretUrlRewrite(["printenv", "DATABASE_URL"]);
    const env = {
      PATH: process.env.PATH,
      DATABASE_URL: "postgres://api:S3cr%40t@api-production.abc.eu-west-1.rds.amazonaws.com:5432/api?sslmode=require",
      PGHOST: "api-rehearsal-42.abc.eu-west-1.rds.amazonaws.com",
      PGPORT: "5432",
    };
    expect(execFileSync(sh, args, { env, encoding: "utf8" })).toBe(
      "postgres://api:S3cr%40t@api-rehearsal-42.abc.eu-west-1.rds.amazonaws.com:5432/api?sslmode=require\n",
    );
    expect(
      execFileSync(sh, [...args.slice(0, -2), "sh", "-c", 'echo "[${DATABASE_URL:-}]"'], {
        env: { PATH: process.env.PATH },
        encoding: "utf8",
      }),
    ).toBe("[]\n");
  });
});
