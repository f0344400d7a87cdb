/**
 * The AWS secure-default rules through the real analyzer (the pack process
 * the Pulumi CLI starts): each broken on purpose, by a config the program
 * accepts or by registrations changed the way a faulty program would make
 * them, and each stated exception honored unless the pack's config says not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EditableResource, handMade, mutate, runWith, Seen, seen } from "../../testkit/analyzerCases";
import type { RegisteredResource } from "../../tooling/engine/offlineProgram";
import { ProgramRun, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";

let analyzer: PolicyAnalyzer;
let staging: ProgramRun;
let production: ProgramRun;

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  staging = await runProgram("staging");
  production = await runProgram("production");
  analyzer = await starting;
});
afterAll(() => analyzer?.stop());

/** Production is judged with the pack's defaults, staging with its shipped config file. */
async function check(resources: readonly RegisteredResource[], config: Record<string, unknown> = {}): Promise<Seen[]> {
  return seen(await analyzer.analyze(resources, { config }));
}
const onStaging = (resources: readonly RegisteredResource[], extra: Record<string, unknown> = {}) =>
  check(resources, { ...readPolicyConfig("staging"), ...extra });
/** Only the violations of `policy`. */
const of = (policy: string, lines: Seen[]) => lines.filter(([name]) => name === policy);

/** A task definition's first container, changed by `change`. */
function container(change: (definition: Record<string, any>) => void) {
  return (r: EditableResource) => {
    const definitions = JSON.parse(r.inputs.containerDefinitions);
    change(definitions[0]);
    r.inputs.containerDefinitions = JSON.stringify(definitions);
  };
}

describe("load-balancer-safeguards", () => {
  it("rejects a load balancer that passes invalid header fields on, in any environment", async () => {
    const resources = mutate(staging.resources, "api-lb-alb", (r) => (r.inputs.dropInvalidHeaderFields = false));
    expect(await onStaging(resources)).toEqual([
      [
        "load-balancer-safeguards",
        "mandatory",
        "api-lb-alb",
        "Load balancer api-lb-alb must drop invalid header fields, so a malformed header never reaches the app (request smuggling): dropInvalidHeaderFields is false. Set dropInvalidHeaderFields: true (components/aws/loadBalancer.ts).",
      ],
    ]);
  });

  it("rejects a production load balancer without deletion protection or access logs", async () => {
    const resources = mutate(production.resources, "api-lb-alb", (r) => {
      r.inputs.enableDeletionProtection = false;
      delete r.inputs.accessLogs;
    });
    expect(await check(resources)).toEqual([
      [
        "load-balancer-safeguards",
        "mandatory",
        "api-lb-alb",
        "Load balancer api-lb-alb must refuse deletion in production: enableDeletionProtection is false. Remove `bluegreen:listener.deletionProtection: false` (it defaults to true in production), or state why in `bluegreen:listener.securityException`.",
      ],
      [
        "load-balancer-safeguards",
        "mandatory",
        "api-lb-alb",
        "Load balancer api-lb-alb must write access logs in production: accessLogs.enabled is not set. Remove `bluegreen:listener.accessLogs.enabled: false` (logs go to a bucket the stack creates, or `bluegreen:listener.accessLogs.bucket`), or state why in `bluegreen:listener.securityException`.",
      ],
    ]);
    expect(await check(resources, { "load-balancer-safeguards": { production: false } })).toEqual([]);
  });

  it("honors the stated reason of a relaxed production load balancer, unless told not to", async () => {
    const run = await runWith("production", "bluegreen:listener", {
      deletionProtection: false,
      accessLogs: { enabled: false },
      securityException: "decommissioning: destroyed on 2026-12-01",
    });
    expect(await check(run.resources)).toEqual([]);
    const strict = await check(run.resources, { "load-balancer-safeguards": { allowStackExceptions: false } });
    expect(strict.map(([policy, , resource]) => `${policy} ${resource}`)).toEqual([
      "load-balancer-safeguards api-lb-alb",
      "load-balancer-safeguards api-lb-alb",
    ]);
  });
});

describe("test-listeners-not-public", () => {
  const openTestPort = (resources: readonly RegisteredResource[]) =>
    mutate(resources, "api-lb-sg", (r) => (r.inputs.ingress[3].cidrBlocks = ["198.51.100.0/24", "0.0.0.0/0"]));

  it("rejects a production test listener that admits everyone", async () => {
    const violations = of("test-listeners-not-public", await check(openTestPort(production.resources)));
    expect(violations).toEqual([
      [
        "test-listeners-not-public",
        "mandatory",
        "api-green-test-listener",
        "Test listener api-green-test-listener must not be open to the internet in production: port 8082 admits 0.0.0.0/0, so a candidate color answers everyone before its gate passes. " +
          "List only your deploy runners in `bluegreen:listener.testIngressCidrs` (or leave it empty and probe through `bluegreen:gate.targets`). " +
          "Stack policies run after an update's changes: if this fails `pulumi up` after its preview passed (a value unknown at preview), the rule that opens port 8082 already exists: " +
          "remove the range from its rule and run `pulumi up` again.",
      ],
    ]);
  });

  it("leaves a non-production stack to its own config", async () => {
    expect(of("test-listeners-not-public", await onStaging(openTestPort(staging.resources)))).toEqual([]);
  });
});

describe("security-group-egress-scoped", () => {
  const fix =
    "The program opens HTTPS, the database port and the listed `bluegreen:network.taskEgress` rules (each with its reason); add a destination there, or extend this policy's internetPorts.";

  it("rejects egress of every protocol, and the internet on a port that is not HTTPS", async () => {
    const resources = mutate(production.resources, "api-blue-tasks-sg", (r) =>
      r.inputs.egress.push(
        { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
      ),
    );
    expect(await check(resources)).toEqual([
      [
        "security-group-egress-scoped",
        "mandatory",
        "api-blue-tasks-sg",
        `Security group api-blue-tasks-sg must name a protocol and ports: an egress rule allows every protocol to 0.0.0.0/0. ${fix}`,
      ],
      [
        "security-group-egress-scoped",
        "mandatory",
        "api-blue-tasks-sg",
        `Security group api-blue-tasks-sg must reach the internet only on 443: an egress rule opens tcp port 80 to 0.0.0.0/0. ${fix}`,
      ],
    ]);
    const allowed = await check(resources, { "security-group-egress-scoped": { internetPorts: [443, 80] } });
    expect(allowed.map(([, , , message]) => message.split(":")[0])).toEqual([
      "Security group api-blue-tasks-sg must name a protocol and ports",
    ]);
  });

  it("judges an egress rule of its own like an inline one", async () => {
    const rule = handMade("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "api-extra-egress", {
      securityGroupId: "sg-0123456789abcdef0",
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
      tags: { "bluegreen:app": "api" },
    });
    expect(await check([...production.resources, rule])).toEqual([
      [
        "security-group-egress-scoped",
        "mandatory",
        "api-extra-egress",
        `Security group rule api-extra-egress must name a protocol and ports: an egress rule allows every protocol to 0.0.0.0/0. ${fix}`,
      ],
    ]);
  });

  it("rejects a rule open on every port of a protocol", async () => {
    const resources = mutate(staging.resources, "api-lb-sg", (r) =>
      r.inputs.egress.push({ protocol: "udp", fromPort: 0, toPort: 65535, cidrBlocks: ["10.40.0.0/16"] }),
    );
    expect(await onStaging(resources)).toEqual([
      [
        "security-group-egress-scoped",
        "mandatory",
        "api-lb-sg",
        `Security group api-lb-sg must name its ports: an egress rule allows every udp port to 10.40.0.0/16. ${fix}`,
      ],
    ]);
  });

  it("accepts a stated taskEgress rule to the internet, unless exceptions are not honored", async () => {
    const run = await runWith("production", "bluegreen:network", {
      taskEgress: [
        { port: 587, cidrBlocks: ["0.0.0.0/0"], reason: "mail through the provider's SMTP submission port" },
      ],
    });
    expect(await check(run.resources)).toEqual([]);
    const strict = await check(run.resources, { "security-group-egress-scoped": { allowStackExceptions: false } });
    expect(strict.map(([, , resource]) => resource)).toEqual([
      "api-blue-tasks-sg",
      "api-green-tasks-sg",
      "api-migration-sg",
    ]);
  });
});

describe("database-ingress-from-app", () => {
  const fix =
    "The program admits each client by its own rule (components/aws/taskNetwork.ts); give another client its own security group and rule, or list its range in this policy's allowedCidrs. " +
    "Stack policies run after an update's changes: if this fails `pulumi up` after its preview passed (a value unknown at preview), the rule already exists: remove it and run `pulumi up` again.";

  it("rejects a database security group that admits an address range, unless the range is allowed", async () => {
    const resources = mutate(staging.resources, "api-database-db-sg", (r) => {
      r.inputs.ingress = [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.40.0.0/16"] }];
    });
    expect(await onStaging(resources)).toEqual([
      [
        "database-ingress-from-app",
        "mandatory",
        "api-database-db-sg",
        `Security group api-database-db-sg of RDS instance api-database-db must admit only the app's tasks and migration task: it admits 10.40.0.0/16, so anything in that range or group reaches the database. ${fix}`,
      ],
    ]);
    expect(await onStaging(resources, { "database-ingress-from-app": { allowedCidrs: ["10.40.0.0/16"] } })).toEqual([]);
  });

  it("rejects an ingress rule, of its own, from a range or from a group no task uses", async () => {
    const lbGroup = staging.resources.find((r) => r.name === "api-lb-sg")!.urn;
    const fromRange = mutate(staging.resources, "api-blue-db-ingress", (r) => {
      delete r.inputs.referencedSecurityGroupId;
      r.inputs.cidrIpv4 = "0.0.0.0/0";
      r.propertyDependencies = { ...r.propertyDependencies, referencedSecurityGroupId: [] };
    });
    expect(of("database-ingress-from-app", await onStaging(fromRange)).map(([, , , m]) => m.split(": it")[1])).toEqual([
      ` admits 0.0.0.0/0, so anything in that range or group reaches the database. ${fix}`,
    ]);
    const fromLoadBalancer = mutate(staging.resources, "api-green-db-ingress", (r) => {
      r.propertyDependencies = { ...r.propertyDependencies, referencedSecurityGroupId: [lbGroup] };
      r.dependencies = [...r.dependencies, lbGroup];
    });
    expect(await onStaging(fromLoadBalancer)).toEqual([
      [
        "database-ingress-from-app",
        "mandatory",
        "api-database-db-sg",
        `Security group api-database-db-sg of RDS instance api-database-db must admit only the app's tasks and migration task: it admits security group api-lb-sg, which no ECS service or migration run of the app uses. ${fix}`,
      ],
    ]);
  });

  it("rejects an instance in no security group of the stack", async () => {
    const resources = mutate(staging.resources, "api-database-db", (r) => {
      r.propertyDependencies = { ...r.propertyDependencies, vpcSecurityGroupIds: [] };
    });
    expect(await onStaging(resources)).toEqual([
      [
        "database-ingress-from-app",
        "mandatory",
        "api-database-db",
        `RDS instance api-database-db must sit in a security group of this stack that admits only the app's tasks: vpcSecurityGroupIds names none, so RDS uses groups whose rules this stack does not control. ${fix}`,
      ],
    ]);
  });
});

describe("database-production-safeguards: multi-AZ", () => {
  it("rejects a single-AZ production database", async () => {
    const run = await runWith("production", "bluegreen:database", { mode: "create" });
    expect(await check(run.resources)).toEqual([]);
    const single = mutate(run.resources, "api-database-db", (r) => (r.inputs.multiAz = false));
    expect(await check(single)).toEqual([
      [
        "database-production-safeguards",
        "mandatory",
        "api-database-db",
        "RDS instance api-database-db must run multi-AZ in production, so losing a zone does not lose the database: multiAz is false. " +
          "The program sets it when `bluegreen:environment` is production (safeInstanceSettings in components/aws/database.ts); a stack that cannot afford a standby is not production.",
      ],
    ]);
  });
});

describe("database-backups-enabled", () => {
  it("advises backups outside production", async () => {
    const run = await runWith("staging", "bluegreen:database", { backupRetentionDays: 0 });
    expect(await onStaging(run.resources)).toEqual([
      [
        "database-backups-enabled",
        "advisory",
        "api-database-db",
        "RDS instance api-database-db should keep automated backups for at least 1 day: backupRetentionPeriod is 0, so a bad migration outside production can only be undone from its snapshot. Set `bluegreen:database.backupRetentionDays` (default 7).",
      ],
    ]);
  });
});

describe("ecs-task-hardening", () => {
  const relaxed = (task: string, keys: string, container: string, user: string) => [
    [
      "ecs-task-hardening",
      "mandatory",
      task,
      `Task definition ${task} must keep the root filesystem read-only: container "${container}" has readonlyRootFilesystem false. Remove \`${keys}.readOnlyRootFilesystem: false\` (the task mounts a writable /tmp), or state why in \`${keys}.securityException\`.`,
    ],
    [
      "ecs-task-hardening",
      "mandatory",
      task,
      `Task definition ${task} must run as a non-root user: container "${container}"'s user is ${user}. Set \`${keys}.user\` to a numeric uid such as "10001" (the default), or state why in \`${keys}.securityException\`.`,
    ],
  ];

  it("rejects a writable root filesystem and root, naming the color's keys (the migration's: the candidate color's)", async () => {
    const green = mutate(
      production.resources,
      "api-green-task",
      container((c) => Object.assign(c, { readonlyRootFilesystem: false, user: "0:0" })),
    );
    expect(await check(green)).toEqual(relaxed("api-green-task", "bluegreen:green", "api", '"0:0" (root)'));
    const migration = mutate(
      production.resources,
      "api-migration-task",
      container((c) => ((c.readonlyRootFilesystem = false), delete c.user)),
    );
    expect(await check(migration)).toEqual(
      relaxed(
        "api-migration-task",
        "bluegreen:<candidate color>",
        "api-migrate",
        "not set, so the image's user runs (root unless the image sets one)",
      ),
    );
  });

  it("honors a color's stated reason for both, unless told not to", async () => {
    const run = await runWith("staging", "bluegreen:green", {
      readOnlyRootFilesystem: false,
      user: "0",
      securityException: "the image writes its cache to /var/cache/app",
    });
    expect(await onStaging(run.resources)).toEqual([]);
    const strict = await onStaging(run.resources, { "ecs-task-hardening": { allowStackExceptions: false } });
    expect(strict.map(([, , resource]) => resource)).toEqual([
      "api-green-task",
      "api-green-task",
      "api-migration-task",
      "api-migration-task",
    ]);
  });

  it("rejects privileged containers and added capabilities, whatever the reason", async () => {
    const run = await runWith("staging", "bluegreen:blue", {
      readOnlyRootFilesystem: false,
      securityException: "writes to /srv/data",
    });
    const resources = mutate(
      run.resources,
      "api-blue-task",
      container((c) =>
        Object.assign(c, { privileged: true, linuxParameters: { capabilities: { add: ["NET_ADMIN"] } } }),
      ),
    );
    expect(await onStaging(resources)).toEqual([
      [
        "ecs-task-hardening",
        "mandatory",
        "api-blue-task",
        'Task definition api-blue-task must not be privileged: container "api" has privileged: true (Fargate refuses it; nothing in this program needs it).',
      ],
      [
        "ecs-task-hardening",
        "mandatory",
        "api-blue-task",
        'Task definition api-blue-task must add no Linux capability: container "api" adds NET_ADMIN.',
      ],
    ]);
  });

  it("rejects a service whose tasks get a public IP", async () => {
    const resources = mutate(
      production.resources,
      "api-blue-service",
      (r) => (r.inputs.networkConfiguration.assignPublicIp = true),
    );
    expect(await check(resources)).toEqual([
      [
        "ecs-task-hardening",
        "mandatory",
        "api-blue-service",
        "ECS service api-blue-service must not give its tasks a public IP: networkConfiguration.assignPublicIp is true, so each task is reachable around the load balancer. " +
          "Run tasks in private subnets without one (components/aws/colorService.ts); they reach the internet through the NAT gateway.",
      ],
    ]);
  });
});

describe("ecs-secrets-are-arns", () => {
  it("rejects a secret that is not an ARN, never quoting it", async () => {
    const pasted = "postgres://api:hunter2-s3cret@db:5432/api";
    const resources = mutate(
      production.resources,
      "api-green-task",
      container((c) => (c.secrets = [{ name: "DATABASE_URL", valueFrom: pasted }])),
    );
    const violations = await analyzer.analyze(resources);
    expect(seen(violations)).toEqual([
      [
        "ecs-secrets-are-arns",
        "mandatory",
        "api-green-task",
        'Task definition api-green-task must read secret DATABASE_URL of container "api" from a Secrets Manager secret ARN (arn:aws:secretsmanager:...) or an SSM parameter ARN (arn:aws:ssm:...:parameter/...): its valueFrom is not one (the value is not shown). Set `bluegreen:green.secrets.DATABASE_URL` to the secret\'s ARN.',
      ],
    ]);
    expect(JSON.stringify(violations)).not.toContain("hunter2");
    expect(await check(resources, { "ecs-secrets-are-arns": { allowedNames: ["DATABASE_URL"] } })).toEqual([]);
  });
});
