/**
 * The real program (index.ts) for the real AWS stack files, under
 * deterministic mocks: the resource graph the engine would receive.
 */
import { describe, expect, it } from "vitest";
import { runWith } from "../../testkit/analyzerCases";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { changedResources, named, ofType, waitsFor } from "./graph";

const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

function forwardGroups(run: ProgramRun): { arn: string; weight: number }[] {
  const listener = named(run, "api-traffic-listener");
  const [action] = listener.inputs.defaultActions as { forward: { targetGroups: { arn: string; weight: number }[] } }[];
  return action.forward.targetGroups;
}

function forwardWeights(run: ProgramRun): number[] {
  return forwardGroups(run).map((group) => group.weight);
}

describe.each(["staging", "production"])("Pulumi.%s.yaml on AWS", (stack) => {
  it("forwards to both target groups with the configured weights", async () => {
    const run = await runProgram(stack);
    const traffic = JSON.parse(run.config.values["bluegreen:traffic"]);
    expect(forwardWeights(run)).toEqual([traffic.blue, traffic.green]);
    const [blue, green] = forwardGroups(run).map((group) => group.arn);
    expect(blue).toMatch(/:targetgroup\/api-blue-tg-\w+\//);
    expect(green).toMatch(/:targetgroup\/api-green-tg-\w+\//);
    expect(ofType(run, TARGET_GROUP).map((tg) => tg.name)).toEqual(["api-blue-tg", "api-green-tg"]);
    const listener = named(run, "api-traffic-listener");
    expect(listener.inputs).toMatchObject({
      port: 443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    });
  });

  it("gives each color a target group with a fast health check on the app's health path", async () => {
    const run = await runProgram(stack);
    for (const tg of ofType(run, TARGET_GROUP)) {
      expect(tg.inputs).toMatchObject({
        deregistrationDelay: 15,
        targetType: "ip",
        healthCheck: {
          enabled: true,
          path: "/healthz",
          matcher: "200",
          interval: 10,
          healthyThreshold: 2,
          unhealthyThreshold: 2,
        },
      });
    }
  });

  it("parents every resource under its component, down to the app", async () => {
    const run = await runProgram(stack);
    const root = run.resources.find((r) => r.type === "bluegreen:index:BlueGreenApp")!;
    const components = new Set(run.resources.filter((r) => !r.custom).map((r) => r.urn));
    for (const resource of run.resources) {
      if (resource === root) continue;
      expect(components.has(resource.parent), `${resource.type} ${resource.name} has parent ${resource.parent}`).toBe(
        true,
      );
      expect(resource.name.startsWith("api-"), resource.name).toBe(true);
    }
  });

  it("orders the release: snapshot, migration, candidate color, gate, listener", async () => {
    const run = await runProgram(stack);
    const snapshot = named(run, "api-pre-migration-snapshot");
    const migration = named(run, "api-migration-run");
    const green = named(run, "api-green-service");
    const blue = named(run, "api-blue-service");
    const greenGate = named(run, "api-green-gate-check");
    const listener = named(run, "api-traffic-listener");
    expect(waitsFor(run, migration, snapshot)).toBe(true);
    expect(waitsFor(run, green, migration)).toBe(true);
    expect(waitsFor(run, blue, migration)).toBe(false); // the stable color keeps running during the migration
    expect(waitsFor(run, greenGate, green)).toBe(true);
    expect(waitsFor(run, greenGate, migration)).toBe(true);
    expect(waitsFor(run, listener, greenGate)).toBe(true);
    expect(waitsFor(run, listener, named(run, "api-blue-gate-check"))).toBe(true);
  });

  it("names the snapshot after the migration version and retains it on delete", async () => {
    const run = await runProgram(stack);
    const snapshot = named(run, "api-pre-migration-snapshot");
    expect(snapshot.inputs.dbSnapshotIdentifier).toBe("api-pre-2026-11-20-orders-index");
    expect(snapshot.retainOnDelete).toBe(true);
  });

  it("changes only the listener and the gates when only the weights change", async () => {
    const before = await runProgram(stack);
    const after = await runProgram(stack, {
      overrides: { "bluegreen:traffic": { blue: 75, green: 25, stickinessSeconds: 300 } },
    });
    expect(forwardWeights(after)).toEqual([75, 25]);
    expect(
      changedResources(before, after)
        .map((urn) => urn.split("::").pop())
        .sort(),
    ).toEqual(["api-blue-gate-check", "api-green-gate-check", "api-traffic-listener"]);
  });

  it("re-runs nothing for an unchanged migration version and snapshots anew for a new one", async () => {
    const before = await runProgram(stack);
    const same = await runProgram(stack);
    expect(changedResources(before, same)).toEqual([]);
    const migration = JSON.parse(before.config.values["bluegreen:migration"]);
    const next = await runProgram(stack, {
      overrides: { "bluegreen:migration": { ...migration, version: "2026-12-01-drop-legacy" } },
    });
    expect(named(next, "api-pre-migration-snapshot").inputs.dbSnapshotIdentifier).toBe(
      "api-pre-2026-12-01-drop-legacy",
    );
    expect(named(next, "api-migration-run").inputs.migrationVersion).toBe("2026-12-01-drop-legacy");
  });

  it("exports url, primary color, weights, versions and target group ARNs", async () => {
    const run = await runProgram(stack);
    expect(run.outputs.url).toMatch(/^https:\/\/api-lb-alb-\w+-\w+\.eu-west-1\.elb\.amazonaws\.com$/);
    expect(run.outputs.versions).toEqual({ blue: "1.4.2", green: "1.5.0" });
    const ids = run.outputs.resourceIds as Record<string, string>;
    expect(ids["blue.targetGroupArn"]).toMatch(/^arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup\//);
    expect(ids["green.targetGroupArn"]).toMatch(/^arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup\//);
  });
});

describe("stack-specific choices", () => {
  it("production uses the existing VPC and database, and probes Prometheus", async () => {
    const run = await runProgram("production");
    expect(ofType(run, "aws:ec2/vpc:Vpc")).toEqual([]);
    expect(ofType(run, "aws:rds/instance:Instance")).toEqual([]);
    expect(named(run, "api-green-gate-check").inputs.settings).toMatchObject({
      maxStep: 25,
      prometheus: { maxErrorRate: 0.01 },
    });
    expect(run.outputs.primaryColor).toBe("blue");
  });

  it("restores a named snapshot into a new, equally safe instance and leaves the original alone", async () => {
    const database = JSON.parse((await runProgram("production")).config.values["bluegreen:database"]);
    const run = await runProgram("production", {
      overrides: { "bluegreen:database": { ...database, restoreFromSnapshot: "api-pre-2026-11-20-orders-index" } },
    });
    const [restored] = ofType(run, "aws:rds/instance:Instance");
    expect(restored.name).toBe("api-database-restored");
    expect(restored.inputs).toMatchObject({
      identifier: "api-production-restored",
      snapshotIdentifier: "api-pre-2026-11-20-orders-index",
      storageEncrypted: true,
      publiclyAccessible: false,
      deletionProtection: true,
    });
    expect(restored.protect).toBe(true);
    expect(restored.retainOnDelete).toBe(true);
  });

  it("staging creates an encrypted, private, backed-up database", async () => {
    const run = await runProgram("staging");
    const [db] = ofType(run, "aws:rds/instance:Instance");
    expect(db.inputs).toMatchObject({
      storageEncrypted: true,
      publiclyAccessible: false,
      backupRetentionPeriod: 7,
      manageMasterUserPassword: true,
    });
    expect(db.retainOnDelete).toBe(true);
    expect(ofType(run, "aws:ec2/subnet:Subnet")).toHaveLength(4);
  });
});

describe("rehearsal and checks on AWS (Pulumi.staging.yaml with rehearse and validate)", () => {
  const validate = [{ name: "orders-have-currency", command: ["npm", "run", "check:currency"] }];

  it("rehearses after the snapshot, migrates after the rehearsal, checks after the migration, and starts the candidate after the checks", async () => {
    const run = await runWith("staging", "bluegreen:migration", { rehearse: true, validate });
    const [snapshot, rehearsal, migration, checks, green] = [
      "api-pre-migration-snapshot",
      "api-migration-rehearsal",
      "api-migration-run",
      "api-migration-checks",
      "api-green-service",
    ].map((name) => named(run, name));
    expect(waitsFor(run, rehearsal, snapshot)).toBe(true);
    expect(waitsFor(run, migration, rehearsal)).toBe(true);
    expect(waitsFor(run, checks, migration)).toBe(true);
    expect(waitsFor(run, green, checks)).toBe(true);
    expect(waitsFor(run, named(run, "api-blue-service"), rehearsal)).toBe(false);
    expect(rehearsal.inputs).toMatchObject({
      app: "api",
      migrationVersion: "2026-11-20-orders-index",
      sourceInstance: "api-staging",
      snapshotId: "api-pre-2026-11-20-orders-index",
      instanceClass: "db.t4g.micro",
      command: ["npm", "run", "migrate"],
      checks: validate,
      containerName: "api-migrate",
    });
    expect(rehearsal.inputs.taskDefinitionArn).toBe(migration.inputs.taskDefinitionArn);
    expect(checks.inputs).toMatchObject({ checks: validate, taskDefinitionArn: migration.inputs.taskDefinitionArn });
  });

  it("runs the rehearsal in a group of its own that no rule of the real database admits, against a copy in a group that admits only it", async () => {
    const run = await runWith("staging", "bluegreen:migration", { rehearse: true, validate });
    const [rehearsal, migration, database, realGroup, taskGroup, copyGroup] = [
      "api-migration-rehearsal",
      "api-migration-run",
      "api-database-db",
      "api-database-db-sg",
      "api-migration-rehearsal-sg",
      "api-migration-rehearsal-db-sg",
    ].map((name) => named(run, name));
    // The rehearsal's tasks and its copy: their own groups, by reference (and never the migration's or the database's).
    expect(rehearsal.propertyDependencies.securityGroupIds).toEqual([taskGroup.urn]);
    expect(rehearsal.propertyDependencies.copySecurityGroupIds).toEqual([copyGroup.urn]);
    expect(migration.propertyDependencies.securityGroupIds).toEqual([named(run, "api-migration-sg").urn]);
    expect(database.propertyDependencies.vpcSecurityGroupIds).toEqual([realGroup.urn]);
    expect(rehearsal.inputs.stack).toBe("bluegreen/staging");
    // Who each group admits, by every ingress rule registered.
    const admits = (group: RegisteredResource) =>
      ofType(run, INGRESS_RULE)
        .filter((rule) => rule.propertyDependencies.securityGroupId?.includes(group.urn))
        .map((rule) => [rule.propertyDependencies.referencedSecurityGroupId, rule.inputs.fromPort, rule.inputs.toPort])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(admits(realGroup)).toEqual(
      ["api-blue-tasks-sg", "api-green-tasks-sg", "api-migration-sg"].map((name) => [
        [named(run, name).urn],
        5432,
        5432,
      ]),
    );
    expect(admits(copyGroup)).toEqual([[[taskGroup.urn], 5432, 5432]]);
    expect(copyGroup.inputs.ingress ?? []).toEqual([]);
    expect(copyGroup.inputs.egress ?? []).toEqual([]);
    // The tasks reach HTTPS and the copy, nothing else.
    expect(taskGroup.inputs.egress).toEqual([
      expect.objectContaining({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }),
      {
        protocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        securityGroups: [expect.any(String)],
        description: "the rehearsal copy",
      },
    ]);
    expect(taskGroup.propertyDependencies.egress).toEqual([copyGroup.urn]);
    for (const group of [taskGroup, copyGroup]) {
      expect(group.inputs.tags).toEqual({ "bluegreen:app": "api", "bluegreen:purpose": "migration-rehearsal" });
    }
    // The copy answers before the rehearsal's tasks start.
    expect(waitsFor(run, rehearsal, named(run, "api-migration-rehearsal-db-ingress"))).toBe(true);
  });

  it("on an existing database: the rehearsal group is not among the groups its owner admits, and its tasks reach the copy only", async () => {
    const run = await runWith("production", "bluegreen:migration", { rehearse: true, validate });
    const taskGroup = named(run, "api-migration-rehearsal-sg");
    expect(Object.keys(run.outputs.databaseClientSecurityGroups as object).sort()).toEqual([
      "blue",
      "green",
      "migration",
    ]);
    expect(JSON.stringify(run.outputs)).not.toContain(taskGroup.urn);
    expect((taskGroup.inputs.egress as { cidrBlocks?: string[] }[]).map((rule) => rule.cidrBlocks)).toEqual([
      ["0.0.0.0/0"],
      undefined,
    ]);
    expect(named(run, "api-migration-rehearsal").inputs.sourceInstance).toBe(
      JSON.parse(run.config.values["bluegreen:database"]).identifier,
    );
  });

  it("refuses at preview a plain DATABASE_URL the rehearsal could not point at the copy", async () => {
    const file = (key: string) => JSON.parse(readStackConfig("staging").values[key]);
    const env = { DATABASE_URL: "mysql://api@db.internal/api" };
    await expect(
      runProgram("staging", {
        overrides: {
          "bluegreen:migration": { ...file("bluegreen:migration"), rehearse: true },
          "bluegreen:blue": { ...file("bluegreen:blue"), env },
          "bluegreen:green": { ...file("bluegreen:green"), env },
        },
      }),
    ).rejects.toThrow(
      "bluegreen:green.env.DATABASE_URL: cannot be pointed at the rehearsal's copy (`bluegreen:migration.rehearse`): DATABASE_URL is a URL of another scheme (only postgres:// and postgresql:// are rewritten)",
    );
  });

  it("adds neither when the migration asks for neither", async () => {
    const run = await runProgram("staging");
    expect(run.resources.filter((r) => /rehearsal|checks/.test(r.name)).map((r) => r.name)).toEqual([]);
  });
});
