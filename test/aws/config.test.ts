/**
 * The aws platform's config rules, on the shipped stack files with one key
 * changed: listener ports that collide, test listeners open to everyone in
 * production, secret references that are not ARNs (never echoed), and the
 * stated reason a production load balancer needs to relax a default.
 */
import { describe, expect, it } from "vitest";
import { loadBalancerSettings, AwsConfig } from "../../components/aws/config";
import { isIpv4Cidr } from "../../components/aws/configRules";
import { admitsEveryone } from "../../components/contracts/cidrs";
import { isSecretStoreArn, secretResourceArn } from "../../components/contracts/secretRefs";
import { parseConfig } from "../../components/platforms";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { configError } from "../configErrors";

/** The stack file's values with `key`'s object patched (undefined removes a field). */
function patched(stack: string, key: string, patch: Record<string, unknown>): Record<string, string> {
  const values = { ...readStackConfig(stack).values };
  values[key] = JSON.stringify({ ...JSON.parse(values[key] ?? "{}"), ...patch });
  return values;
}

function issues(stack: string, key: string, patch: Record<string, unknown>) {
  return configError(patched(stack, key, patch), stack)?.issues ?? [];
}

describe("test listener ports", () => {
  it("refuses two colors on one port, naming both keys", () => {
    const found = issues("staging", "bluegreen:listener", { testPorts: { blue: 9000, green: 9000 } });
    expect(found.map((i) => i.key)).toEqual([
      "bluegreen:listener.testPorts.blue",
      "bluegreen:listener.testPorts.green",
    ]);
    expect(found[0].message).toBe(
      "is 9000, the same as `bluegreen:listener.testPorts.green` (each color needs a test listener of its own, and a load balancer has one listener per port). Give each color a port of its own, e.g. 8081 (the default)",
    );
  });

  it("refuses 443/443 with both problems in one message per key", () => {
    const found = issues("staging", "bluegreen:listener", { testPorts: { blue: 443, green: 443 } });
    expect(found.map((i) => i.key)).toEqual([
      "bluegreen:listener.testPorts.blue",
      "bluegreen:listener.testPorts.green",
    ]);
    expect(found[1].message).toBe(
      "is 443, the same as `bluegreen:listener.testPorts.blue` (each color needs a test listener of its own, and a load balancer has one listener per port); " +
        "and a port of the production listener (80, and 443 with `bluegreen:listener.certificateArn`): the test listener would take the port users reach, or collide with it. " +
        "Give each color a port of its own, e.g. 8082 (the default)",
    );
  });

  it.each([80, 443])("refuses a test port on the production listener's port %i", (port) => {
    const found = issues("production", "bluegreen:listener", { testPorts: { blue: 8081, green: port } });
    expect(found).toEqual([
      {
        key: "bluegreen:listener.testPorts.green",
        message: `is ${port}, a port of the production listener (80, and 443 with \`bluegreen:listener.certificateArn\`): the test listener would take the port users reach, or collide with it. Give each color a port of its own, e.g. 8082 (the default)`,
      },
    ]);
  });
});

describe("test listener ingress", () => {
  it("refuses everyone in production: 0.0.0.0/0 and any /0", () => {
    const found = issues("production", "bluegreen:listener", { testIngressCidrs: ["198.51.100.0/24", "0.0.0.0/0"] });
    expect(found).toEqual([
      {
        key: "bluegreen:listener.testIngressCidrs",
        message:
          "admits everyone (0.0.0.0/0) while `bluegreen:environment` is production: a candidate color would be open to the internet through its test listener before its gate passes. List only your deploy runners' CIDRs, or leave it empty and probe through `bluegreen:gate.targets`",
      },
    ]);
    expect(issues("production", "bluegreen:listener", { testIngressCidrs: ["10.0.0.0/0"] }).map((i) => i.key)).toEqual([
      "bluegreen:listener.testIngressCidrs",
    ]);
  });

  it("accepts everyone outside production (staging decides for itself)", () => {
    expect(issues("staging", "bluegreen:listener", { testIngressCidrs: ["0.0.0.0/0"] })).toEqual([]);
  });

  it("refuses ::/0 and malformed ranges anywhere: the load balancer's rules are IPv4", () => {
    const found = issues("staging", "bluegreen:listener", { testIngressCidrs: ["::/0", "10.0.0.300/8"] });
    expect(found.map((i) => i.key)).toEqual([
      "bluegreen:listener.testIngressCidrs.0",
      "bluegreen:listener.testIngressCidrs.1",
    ]);
    expect(found[0].message).toContain("must be an IPv4 CIDR such as 203.0.113.0/24");
  });

  it("judges CIDRs by their prefix", () => {
    expect(["0.0.0.0/0", "10.1.0.0/0", "::/0", " 0.0.0.0/00 "].map(admitsEveryone)).toEqual([true, true, true, true]);
    expect(["0.0.0.0/1", "10.0.0.0/8", "::/10"].map(admitsEveryone)).toEqual([false, false, false]);
    expect(["10.0.0.0/8", "256.0.0.0/8", "10.0.0.0/33", "10.0.0/8"].map(isIpv4Cidr)).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});

describe("secret references", () => {
  const secret = "postgres://api:s3cr3t-Passw0rd@db.internal:5432/api";

  it("refuses a value that is not a Secrets Manager or SSM ARN, naming the variable and never the value", () => {
    const error = configError(
      patched("staging", "bluegreen:green", { secrets: { DATABASE_URL: secret, API_TOKEN: "prod/api/token" } }),
      "staging",
    )!;
    expect(error.issues.map((i) => i.key)).toEqual([
      "bluegreen:green.secrets.DATABASE_URL",
      "bluegreen:green.secrets.API_TOKEN",
    ]);
    expect(error.issues[0].message).toBe(
      "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:...) or an SSM parameter ARN (arn:aws:ssm:...:parameter/...), not the secret or its name (the value is not shown here). " +
        "ECS reads the secret at start, and the execution role may read only the ARNs listed; put a plain setting in `bluegreen:green.env`",
    );
    expect(error.message).not.toContain("s3cr3t");
    expect(error.message).not.toContain("prod/api/token");
  });

  it("accepts both stores, ECS's json-key form, and grants IAM the secret itself", () => {
    const references = [
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/api/database-url-Ab12Cd",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/api/db-Ab12Cd:password::",
      "arn:aws:ssm:eu-west-1:123456789012:parameter/staging/api/feature-key",
      "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/api",
    ];
    expect(references.map(isSecretStoreArn)).toEqual([true, true, true, true]);
    expect(
      ["arn:aws:secretsmanager:eu-west-1:123:secret:x", "arn:aws:s3:::bucket/key", "/staging/api"].map(
        isSecretStoreArn,
      ),
    ).toEqual([false, false, false]);
    expect(secretResourceArn(references[1])).toBe(
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/api/db-Ab12Cd",
    );
    expect(secretResourceArn(references[2])).toBe(references[2]);
    const values = patched("staging", "bluegreen:blue", {
      secrets: { DB_PASSWORD: references[1], FLAG: references[2] },
    });
    expect(configError(values, "staging")).toBeUndefined();
  });
});

describe("the production load balancer's defaults", () => {
  const settings = (stack: string, patch: Record<string, unknown>) =>
    loadBalancerSettings(parseConfig(patched(stack, "bluegreen:listener", patch), stack) as AwsConfig);

  it("turns deletion protection and access logs on in production, off elsewhere", () => {
    expect(settings("production", {})).toEqual({
      deletionProtection: true,
      accessLogs: { bucket: undefined, prefix: "api" },
    });
    expect(settings("staging", {})).toEqual({ deletionProtection: false, accessLogs: undefined });
    expect(
      settings("staging", { accessLogs: { enabled: true, bucket: "acme-alb-logs", prefix: "api/staging" } }),
    ).toEqual({
      deletionProtection: false,
      accessLogs: { bucket: "acme-alb-logs", prefix: "api/staging" },
    });
  });

  it("needs a stated reason to relax either in production, and carries it", () => {
    const found = issues("production", "bluegreen:listener", {
      deletionProtection: false,
      accessLogs: { enabled: false },
    });
    expect(found).toEqual([
      {
        key: "bluegreen:listener.securityException",
        message:
          'is required: the production load balancer relaxes a secure default (deletionProtection: false, accessLogs.enabled: false). Say why (e.g. "decommissioning: the stack is destroyed on 2026-12-01"), or remove the setting',
      },
    ]);
    const reason = "decommissioning: destroyed on 2026-12-01";
    expect(settings("production", { deletionProtection: false, securityException: reason })).toEqual({
      deletionProtection: false,
      accessLogs: { bucket: undefined, prefix: "api" },
      securityException: reason,
    });
    // A reason with nothing relaxed reaches no resource.
    expect(settings("production", { securityException: reason }).securityException).toBeUndefined();
  });

  it("refuses a bucket or prefix AWS would refuse", () => {
    const found = issues("production", "bluegreen:listener", {
      accessLogs: { bucket: "Acme_Logs", prefix: "/api/AWSLogs" },
    });
    expect(found.map((i) => i.key)).toEqual([
      "bluegreen:listener.accessLogs.bucket",
      "bluegreen:listener.accessLogs.prefix",
    ]);
  });
});

describe("task egress", () => {
  it("needs a reason and a port range that is one", () => {
    const found = issues("staging", "bluegreen:network", {
      taskEgress: [{ port: 5672, toPort: 5600, cidrBlocks: ["10.0.0.0/8"], reason: "" }],
    });
    expect(found.map((i) => i.key)).toEqual([
      "bluegreen:network.taskEgress.0.reason",
      "bluegreen:network.taskEgress.0.toPort",
    ]);
  });
});

describe("migration rehearsal on Aurora", () => {
  it("refuses rehearse with an aurora-cluster database, saying why and what to do instead", () => {
    const values = patched("production", "bluegreen:database", { kind: "aurora-cluster" });
    values["bluegreen:migration"] = JSON.stringify({ ...JSON.parse(values["bluegreen:migration"]), rehearse: true });
    const found = configError(values, "production")?.issues ?? [];
    expect(found).toEqual([
      {
        key: "bluegreen:migration.rehearse",
        message:
          "is true, but bluegreen:database.kind is aurora-cluster: a rehearsal restores the snapshot into one RDS instance, and an Aurora copy " +
          "(RestoreDBClusterFromSnapshot, then an instance in the new cluster) is not built yet. Rehearse the migration by hand on a cluster restored " +
          "from the snapshot and set rehearse to false; in production an irreversible migration needs a rehearsal, so release it on an instance or mark it reversible (expand-only)",
      },
    ]);
    expect(issues("production", "bluegreen:migration", { rehearse: true })).toEqual([]);
  });
});

describe("migration rehearsal: what it could not point at its copy, said before anything runs", () => {
  const rehearsing = (stack: string, green: Record<string, unknown>, database: Record<string, unknown> = {}) => {
    const values = patched(stack, "bluegreen:green", green);
    values["bluegreen:migration"] = JSON.stringify({ ...JSON.parse(values["bluegreen:migration"]), rehearse: true });
    values["bluegreen:database"] = JSON.stringify({ ...JSON.parse(values["bluegreen:database"]), ...database });
    return configError(values, stack)?.issues ?? [];
  };

  it("refuses a plain connection setting of the migration's env in a form the rehearsal refuses, naming the key, never the value", () => {
    expect(
      rehearsing("staging", { env: { DATABASE_URL: "jdbc:postgresql://db.internal/api?password=hunter2" } }),
    ).toEqual([
      {
        key: "bluegreen:green.env.DATABASE_URL",
        message:
          "cannot be pointed at the rehearsal's copy (`bluegreen:migration.rehearse`): DATABASE_URL is a URL of another scheme (only postgres:// and postgresql:// are rewritten)",
      },
    ]);
    expect(rehearsing("staging", { env: { PGSERVICE: "production" } }).map((i) => i.key)).toEqual([
      "bluegreen:green.env.PGSERVICE",
    ]);
    expect(rehearsing("staging", { env: { DATABASE_URL: "host=db.internal dbname=api user=api_migration" } })).toEqual(
      [],
    );
  });

  it("refuses rehearse on MySQL: the migration's role is kept with PostgreSQL's SET ROLE", () => {
    expect(rehearsing("staging", {}, { engine: "mysql" })).toEqual([
      {
        key: "bluegreen:migration.rehearse",
        message:
          "is true, but bluegreen:database.engine is mysql: the rehearsal logs in to its copy with credentials only the copy accepts and keeps the migration's own role with PostgreSQL's SET ROLE, which MySQL has no equivalent of; rehearse by hand on an instance restored from the snapshot and set rehearse to false",
      },
    ]);
  });
});
