/**
 * The AWS secure defaults in the resource graph the engine receives: the
 * real program for the shipped stack files (and one key changed), under the
 * deterministic mocks. Who reaches the database, what every security group
 * sends out, the load balancer's attributes and access-log bucket, the task
 * definitions' user and root filesystem, multi-AZ in production.
 */
import { describe, expect, it } from "vitest";
import { AWS_TAGS } from "../../components/contracts/markers";
import { fakeResource } from "../../tooling/engine/mocks";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { named, ofType, waitsFor } from "../program/graph";

const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const HTTPS_OUT = {
  protocol: "tcp",
  fromPort: 443,
  toPort: 443,
  cidrBlocks: ["0.0.0.0/0"],
  description: "HTTPS: ECR image pulls, Secrets Manager and SSM, CloudWatch Logs, the app's HTTPS calls",
};

/** `stack` with `key`'s object patched (undefined removes a field). */
function runWith(stack: string, patches: Record<string, Record<string, unknown>>): Promise<ProgramRun> {
  const values = readStackConfig(stack).values;
  const overrides = Object.fromEntries(
    Object.entries(patches).map(([key, patch]) => [key, { ...JSON.parse(values[key] ?? "{}"), ...patch }]),
  );
  return runProgram(stack, { overrides });
}

const inputs = (resource: RegisteredResource) => resource.inputs as Record<string, any>;
const idOf = (resource: RegisteredResource) =>
  fakeResource(resource.type, resource.name, resource.inputs, "eu-west-1").id;
const containerOf = (run: ProgramRun, task: string) => JSON.parse(inputs(named(run, task)).containerDefinitions)[0];
const dependsOn = (resource: RegisteredResource, property: string) =>
  (resource.propertyDependencies[property] ?? []).map((urn) => urn.split("::").pop());

describe("the database the stack creates (staging)", () => {
  it("admits the colors' tasks and the migration task by security group, and nothing else", async () => {
    const run = await runProgram("staging");
    const group = named(run, "api-database-db-sg");
    expect(inputs(group)).toEqual({
      vpcId: expect.stringMatching(/^vpc-/),
      description: "bluegreen database: the app's tasks and migration task only",
      tags: { [AWS_TAGS.app]: "api" },
    });
    const rules = ofType(run, INGRESS_RULE);
    expect(rules.map((r) => r.name).sort()).toEqual([
      "api-blue-db-ingress",
      "api-green-db-ingress",
      "api-migration-db-ingress",
    ]);
    for (const rule of rules) {
      expect(inputs(rule)).toMatchObject({
        securityGroupId: idOf(group),
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
      });
      expect(inputs(rule).cidrIpv4).toBeUndefined();
    }
    const client = (rule: string) => dependsOn(named(run, rule), "referencedSecurityGroupId");
    expect(client("api-blue-db-ingress")).toEqual(["api-blue-tasks-sg"]);
    expect(client("api-green-db-ingress")).toEqual(["api-green-tasks-sg"]);
    expect(client("api-migration-db-ingress")).toEqual(["api-migration-sg"]);
  });

  it("lets each client start only once it may reach the database", async () => {
    const run = await runProgram("staging");
    expect(waitsFor(run, named(run, "api-migration-run"), named(run, "api-migration-db-ingress"))).toBe(true);
    expect(waitsFor(run, named(run, "api-green-service"), named(run, "api-green-db-ingress"))).toBe(true);
    expect(waitsFor(run, named(run, "api-blue-service"), named(run, "api-blue-db-ingress"))).toBe(true);
  });

  it("sends the tasks out on HTTPS and to the database's security group only", async () => {
    const run = await runProgram("staging");
    const database = idOf(named(run, "api-database-db-sg"));
    for (const name of ["api-blue-tasks-sg", "api-green-tasks-sg", "api-migration-sg"]) {
      expect(inputs(named(run, name)).egress).toEqual([
        HTTPS_OUT,
        { protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: [database], description: "the database" },
      ]);
    }
    expect(run.outputs.databaseClientSecurityGroups).toBeUndefined();
  });

  it("is multi-AZ in production only, restored copies included", async () => {
    expect(inputs(named(await runProgram("staging"), "api-database-db")).multiAz).toBe(false);
    const production = await runWith("production", {
      "bluegreen:database": { mode: "create", restoreFromSnapshot: "api-pre-2026-11-20-orders-index" },
    });
    expect(ofType(production, "aws:rds/instance:Instance").map((db) => [db.name, inputs(db).multiAz])).toEqual([
      ["api-database-db", true],
      ["api-database-restored", true],
    ]);
  });
});

describe("an existing database (production)", () => {
  it("exports the security groups its owner admits, and reaches it inside the VPC", async () => {
    const run = await runProgram("production");
    expect(ofType(run, INGRESS_RULE)).toEqual([]);
    expect(run.outputs.databaseClientSecurityGroups).toEqual({
      blue: idOf(named(run, "api-blue-tasks-sg")),
      green: idOf(named(run, "api-green-tasks-sg")),
      migration: idOf(named(run, "api-migration-sg")),
    });
    expect(inputs(named(run, "api-green-tasks-sg")).egress).toEqual([
      HTTPS_OUT,
      {
        protocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        cidrBlocks: ["10.0.0.0/16"],
        description: "the existing database, inside the VPC",
      },
    ]);
  });

  it("admits the clients to a restored copy the stack owns, while the tasks still reach the original", async () => {
    const run = await runWith("production", {
      "bluegreen:database": { restoreFromSnapshot: "api-pre-2026-11-20-orders-index" },
    });
    expect(
      ofType(run, INGRESS_RULE)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["api-blue-db-ingress", "api-green-db-ingress", "api-migration-db-ingress"]);
    expect(inputs(named(run, "api-blue-tasks-sg")).egress[1].cidrBlocks).toEqual(["10.0.0.0/16"]);
  });

  it("adds the stated taskEgress rules, each with its reason, and tags the groups with the reasons", async () => {
    const run = await runWith("production", {
      "bluegreen:network": {
        taskEgress: [{ port: 5672, cidrBlocks: ["10.20.0.0/16"], reason: "RabbitMQ (orders queue), ticket #42" }],
      },
    });
    for (const name of ["api-blue-tasks-sg", "api-migration-sg"]) {
      const group = inputs(named(run, name));
      expect(group.egress[2]).toEqual({
        protocol: "tcp",
        fromPort: 5672,
        toPort: 5672,
        cidrBlocks: ["10.20.0.0/16"],
        description: "bluegreen:network.taskEgress: RabbitMQ (orders queue), ticket #42",
      });
      expect(group.tags[AWS_TAGS.securityException]).toBe("RabbitMQ orders queue ticket 42");
    }
  });
});

describe("the load balancer", () => {
  it.each(["staging", "production"])(
    "%s: sends out only to the tasks' port in the VPC and drops invalid headers",
    async (stack) => {
      const run = await runProgram(stack);
      const cidr = stack === "staging" ? "10.40.0.0/16" : "10.0.0.0/16";
      expect(inputs(named(run, "api-lb-sg")).egress).toEqual([
        {
          protocol: "tcp",
          fromPort: 8080,
          toPort: 8080,
          cidrBlocks: [cidr],
          description: "the colors' tasks: requests and health checks",
        },
      ]);
      expect(inputs(named(run, "api-lb-alb")).dropInvalidHeaderFields).toBe(true);
    },
  );

  it("staging: no deletion protection, no access logs, no bucket", async () => {
    const run = await runProgram("staging");
    const alb = inputs(named(run, "api-lb-alb"));
    expect(alb.enableDeletionProtection).toBe(false);
    expect(alb.accessLogs).toBeUndefined();
    expect(ofType(run, "aws:s3/bucket:Bucket")).toEqual([]);
  });

  it("production: refuses deletion and logs to a private, TLS-only bucket it waits for, kept on delete", async () => {
    const run = await runProgram("production");
    const bucket = named(run, "api-lb-logs");
    const bucketName = idOf(bucket);
    expect(bucket.retainOnDelete).toBe(true);
    const alb = named(run, "api-lb-alb");
    expect(inputs(alb)).toMatchObject({
      enableDeletionProtection: true,
      accessLogs: { enabled: true, bucket: bucketName, prefix: "api" },
    });
    expect(inputs(alb).tags[AWS_TAGS.securityException]).toBeUndefined();
    expect(inputs(named(run, "api-lb-logs-public-access"))).toMatchObject({
      bucket: bucketName,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const policy = JSON.parse(inputs(named(run, "api-lb-logs-policy")).policy);
    expect(policy.Statement[0]).toEqual({
      Sid: "ElbLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${bucketName}/api/AWSLogs/*`,
    });
    expect(policy.Statement[1]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(waitsFor(run, alb, named(run, "api-lb-logs-policy"))).toBe(true);
  });

  it("production: logs to a given bucket without creating one, and carries a stated relaxation", async () => {
    const run = await runWith("production", {
      "bluegreen:listener": {
        accessLogs: { bucket: "acme-alb-logs-eu-west-1", prefix: "api/production" },
        deletionProtection: false,
        securityException: "decommissioning, destroyed on 2026-12-01 (CHG-7)",
      },
    });
    expect(ofType(run, "aws:s3/bucket:Bucket")).toEqual([]);
    expect(inputs(named(run, "api-lb-alb"))).toMatchObject({
      enableDeletionProtection: false,
      accessLogs: { enabled: true, bucket: "acme-alb-logs-eu-west-1", prefix: "api/production" },
      tags: { [AWS_TAGS.securityException]: "decommissioning destroyed on 2026-12-01 CHG-7" },
    });
  });
});

describe("the task definitions", () => {
  const tmpMount = [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }];

  it.each(["api-blue-task", "api-green-task", "api-migration-task"])(
    "%s runs as uid 10001 on a read-only root filesystem with a writable /tmp, unprivileged",
    async (task) => {
      const run = await runProgram("production");
      const container = containerOf(run, task);
      expect(container).toMatchObject({ user: "10001", readonlyRootFilesystem: true, mountPoints: tmpMount });
      expect(container.privileged).toBeUndefined();
      expect(container.linuxParameters).toBeUndefined();
      expect(inputs(named(run, task)).volumes).toEqual([{ name: "tmp" }]);
      expect(inputs(named(run, task)).tags?.[AWS_TAGS.securityException]).toBeUndefined();
    },
  );

  it("relaxes a color with its stated reason, and the migration follows the candidate color", async () => {
    const reason = "the image writes its cache to /var/cache/app";
    const run = await runWith("staging", {
      "bluegreen:green": { readOnlyRootFilesystem: false, user: "0", securityException: reason },
    });
    for (const task of ["api-green-task", "api-migration-task"]) {
      const container = containerOf(run, task);
      expect(container).toMatchObject({ user: "0", readonlyRootFilesystem: false });
      expect(container.mountPoints).toBeUndefined();
      expect(inputs(named(run, task)).volumes).toBeUndefined();
      expect(inputs(named(run, task)).tags[AWS_TAGS.securityException]).toBe(reason);
    }
    expect(containerOf(run, "api-blue-task")).toMatchObject({ user: "10001", readonlyRootFilesystem: true });
  });

  it("gives no service a public IP", async () => {
    const run = await runProgram("production");
    for (const service of ofType(run, "aws:ecs/service:Service")) {
      expect(inputs(service).networkConfiguration.assignPublicIp).toBe(false);
    }
  });

  it("lets the execution role read a json-key secret by the secret's own ARN", async () => {
    const reference = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/api/db-Ab12Cd:password::";
    const run = await runWith("staging", { "bluegreen:blue": { secrets: { DB_PASSWORD: reference } } });
    const policy = JSON.parse(inputs(named(run, "api-ecs-read-secrets")).policy);
    expect(policy.Statement[0].Resource).toEqual([
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/api/database-url-Ab12Cd",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/api/db-Ab12Cd",
    ]);
    expect(containerOf(run, "api-blue-task").secrets).toEqual([{ name: "DB_PASSWORD", valueFrom: reference }]);
  });
});
