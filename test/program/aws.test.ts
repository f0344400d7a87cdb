/**
 * The real program (index.ts) for the real AWS stack files, under
 * deterministic mocks: the resource graph the engine would receive.
 */
import { describe, expect, it } from "vitest";
import { runWith } from "../../testkit/analyzerCases";
import { ProgramRun, runProgram } from "../../tooling/engine/offlineProgram";
import { changedResources, named, ofType, waitsFor } from "./graph";

const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";

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
      secretDatabaseUrl: true,
      containerName: "api-migrate",
    });
    expect(rehearsal.inputs.taskDefinitionArn).toBe(migration.inputs.taskDefinitionArn);
    expect(checks.inputs).toMatchObject({ checks: validate, taskDefinitionArn: migration.inputs.taskDefinitionArn });
  });

  it("adds neither when the migration asks for neither", async () => {
    const run = await runProgram("staging");
    expect(run.resources.filter((r) => /rehearsal|checks/.test(r.name)).map((r) => r.name)).toEqual([]);
  });
});
