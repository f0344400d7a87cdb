/**
 * Every policy that applies to the AWS platform, broken on purpose: the real
 * program with a config override where the program allows the unsafe value,
 * or its captured registrations changed the way a faulty program would
 * register them. One analyzer (the real pack process) serves the file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegisteredResource } from "../../tooling/engine/offlineProgram";
import { ProgramRun, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { POLICY_PACK_DIR } from "../../tooling/paths";
import { mutate, runWith, Seen, seen, withoutDependencyOn } from "../../testkit/analyzerCases";
import { undoRoute } from "../../policies/traffic";

/** A stack's `--policy-pack-config` file, as CI and the offline plan pass it. */
const policyConfig = (stack: string) =>
  JSON.parse(fs.readFileSync(path.join(POLICY_PACK_DIR, "config", `${stack}.json`), "utf8"));
const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const FOREIGN_TG =
  "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/billing-green-1a2b3c4/0123456789abcdef";

let analyzer: PolicyAnalyzer;
let staging: ProgramRun;
let production: ProgramRun;

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  // One program at a time: runProgram drives Pulumi's process-wide runtime.
  staging = await runProgram("staging");
  production = await runProgram("production");
  analyzer = await starting;
});
afterAll(() => analyzer?.stop());

/** Staging is judged with its shipped policy config, production with the defaults. */
async function check(resources: readonly RegisteredResource[], config?: Record<string, unknown>): Promise<Seen[]> {
  return seen(await analyzer.analyze(resources, config ? { config } : {}));
}
const onStaging = (resources: readonly RegisteredResource[], extra: Record<string, unknown> = {}) =>
  check(resources, { ...policyConfig("staging"), ...extra });
const forward = (r: { inputs: Record<string, any> }) => r.inputs.defaultActions[0].forward.targetGroups;

describe("listener-forward-weights-valid", () => {
  it("rejects a target group of another stack", async () => {
    const resources = mutate(staging.resources, "api-traffic-listener", (r) => (forward(r)[1].arn = FOREIGN_TG));
    expect(await onStaging(resources)).toEqual([
      [
        "listener-forward-weights-valid",
        "mandatory",
        "api-traffic-listener",
        `Listener api-traffic-listener must forward only to target groups of this stack: "${FOREIGN_TG}" is none of them (this stack's: api-blue-tg, api-green-tg). Forward to the app's own colors only; another app gets its own listener.`,
      ],
      // And no gate vouches for a target of unknown color that gets traffic.
      [
        "traffic-requires-promotion-gate",
        "mandatory",
        "api-traffic-listener",
        `Listener api-traffic-listener must send traffic only to a color: "${FOREIGN_TG}" gets weight 10 but no promotion gate waits for it, so no gate vouches for it ` +
          `(a color's target is what its gate waits for). Route only to the app's colors, as the program builds them. ${undoRoute("api-traffic-listener", true)}`,
      ],
    ]);
  });

  it("rejects a weight above 999 and a fractional one", async () => {
    const resources = mutate(
      staging.resources,
      "api-traffic-listener",
      (r) => ((forward(r)[0].weight = 2.5), (forward(r)[1].weight = 1200)),
    );
    expect(await onStaging(resources)).toEqual([
      [
        "listener-forward-weights-valid",
        "mandatory",
        "api-traffic-listener",
        "Listener api-traffic-listener must give each target group a whole weight from 0 to 999: target group api-blue-tg has 2.5. Set `bluegreen:traffic.blue` to a whole number from 0 to 999.",
      ],
      [
        "listener-forward-weights-valid",
        "mandatory",
        "api-traffic-listener",
        "Listener api-traffic-listener must give each target group a whole weight from 0 to 999: target group api-green-tg has 1200. Set `bluegreen:traffic.green` to a whole number from 0 to 999.",
      ],
      // And green gets far more than the 10 % its gate judged.
      [
        "traffic-requires-promotion-gate",
        "mandatory",
        "api-traffic-listener",
        "Listener api-traffic-listener must give green no more of its traffic than green's promotion gate was judged for: it sends green 99.79 % (weight 1200 of 1202.5), " +
          "but the gate api-green-gate-check judged green for 10 % (weight 10 of 100). A gate probes a color for the share it will carry; " +
          `send green's share through the weighted route the program builds, or set \`bluegreen:traffic.green\` so its gate judges that share. ${undoRoute("api-traffic-listener", true)}`,
      ],
    ]);
  });

  it("rejects a listener where every weight is 0", async () => {
    const resources = mutate(
      staging.resources,
      "api-traffic-listener",
      (r) => ((forward(r)[0].weight = 0), (forward(r)[1].weight = 0)),
    );
    expect(await onStaging(resources)).toEqual([
      [
        "listener-forward-weights-valid",
        "mandatory",
        "api-traffic-listener",
        "Listener api-traffic-listener must send traffic to at least one target group: every weight is 0, so the load balancer answers 503. Give `bluegreen:traffic.blue` or `bluegreen:traffic.green` a weight above 0.",
      ],
    ]);
  });

  it("applies a lower maxWeight from config: staging's blue 90 is above 50", async () => {
    expect(await onStaging(staging.resources, { "listener-forward-weights-valid": { maxWeight: 50 } })).toEqual([
      [
        "listener-forward-weights-valid",
        "mandatory",
        "api-traffic-listener",
        "Listener api-traffic-listener must give each target group a whole weight from 0 to 50: target group api-blue-tg has 90. Set `bluegreen:traffic.blue` to a whole number from 0 to 50.",
      ],
    ]);
  });
});

describe("traffic-requires-promotion-gate", () => {
  const ungated = (color: string, weight: number) =>
    `Listener api-traffic-listener must wait for the promotion gate of ${color}, which it sends weight ${weight}: it depends on no promotion gate for ${color}, so traffic could reach ${color} before its health is proven. ` +
    `Keep routing behind the gates (BlueGreenApp passes every color's PromotionGate to platform.routing as dependsOn), or set \`bluegreen:traffic.${color}\` to 0. ` +
    undoRoute("api-traffic-listener", true);

  it("rejects a listener that sends green 10 without waiting for green's gate", async () => {
    const resources = withoutDependencyOn(staging.resources, "api-green-gate-check", "api-traffic-listener");
    expect(await onStaging(resources)).toEqual([
      ["traffic-requires-promotion-gate", "mandatory", "api-traffic-listener", ungated("green", 10)],
    ]);
  });

  it("needs no gate for a color at weight 0 (production's green), but does for the color with traffic", async () => {
    expect(
      await check(withoutDependencyOn(production.resources, "api-green-gate-check", "api-traffic-listener")),
    ).toEqual([]);
    expect(
      await check(withoutDependencyOn(production.resources, "api-blue-gate-check", "api-traffic-listener")),
    ).toEqual([["traffic-requires-promotion-gate", "mandatory", "api-traffic-listener", ungated("blue", 100)]]);
  });
});

describe("target-group-health-check", () => {
  const fixIn = "`FAST_HEALTH_CHECK` in components/aws/colorService.ts";

  it("rejects a target group without a health check", async () => {
    const resources = mutate(staging.resources, "api-green-tg", (r) => delete r.inputs.healthCheck);
    expect(await onStaging(resources)).toEqual([
      [
        "target-group-health-check",
        "mandatory",
        "api-green-tg",
        `Target group api-green-tg must have an enabled health check, so the load balancer stops sending traffic to failing tasks: healthCheck is missing. Enable it with a path (\`bluegreen:app.healthPath\`), a matcher and explicit interval and thresholds (${fixIn}).`,
      ],
    ]);
  });

  it("rejects a path without '/', an empty matcher and an interval above 30 s", async () => {
    const resources = mutate(staging.resources, "api-blue-tg", (r) =>
      Object.assign(r.inputs.healthCheck, { path: "healthz", matcher: "", interval: 60 }),
    );
    expect(await onStaging(resources)).toEqual([
      [
        "target-group-health-check",
        "mandatory",
        "api-blue-tg",
        'Target group api-blue-tg must probe a health path: healthCheck.path is "healthz". Set `bluegreen:app.healthPath` (for example /healthz).',
      ],
      [
        "target-group-health-check",
        "mandatory",
        "api-blue-tg",
        'Target group api-blue-tg must say which status codes are healthy: healthCheck.matcher is "". Set `bluegreen:gate.expectedStatus` (the program derives the matcher from it).',
      ],
      [
        "target-group-health-check",
        "mandatory",
        "api-blue-tg",
        `Target group api-blue-tg must keep healthCheck.interval at most 30 s: it is 60 s. Lower it (${fixIn}) or raise this policy's maxIntervalSeconds.`,
      ],
    ]);
  });

  it("judges an unset threshold by AWS's default: healthyThreshold 5 is above a configured 3", async () => {
    const resources = mutate(staging.resources, "api-blue-tg", (r) => delete r.inputs.healthCheck.healthyThreshold);
    expect(await onStaging(resources, { "target-group-health-check": { maxHealthyThreshold: 3 } })).toEqual([
      [
        "target-group-health-check",
        "mandatory",
        "api-blue-tg",
        `Target group api-blue-tg must keep healthCheck.healthyThreshold at most 3: it is not set, so AWS uses 5. Lower it (${fixIn}) or raise this policy's maxHealthyThreshold.`,
      ],
    ]);
  });
});

describe("target-group-deregistration-delay", () => {
  const slow = (tg: string, observed: string, limit: number) =>
    `Target group ${tg} must drain deregistered targets within ${limit} s, so a weight shift or rollback settles fast: deregistrationDelay is ${observed}. ` +
    "Set deregistrationDelay (`DEREGISTRATION_DELAY_SECONDS` in components/aws/colorService.ts) or raise this policy's maxSeconds.";

  it("advises against AWS's 300 s default", async () => {
    const resources = mutate(staging.resources, "api-green-tg", (r) => delete r.inputs.deregistrationDelay);
    expect(await onStaging(resources)).toEqual([
      [
        "target-group-deregistration-delay",
        "advisory",
        "api-green-tg",
        slow("api-green-tg", "not set, so AWS waits 300 s", 30),
      ],
    ]);
  });

  it("follows maxSeconds from config: 15 s passes at 15 and is reported at 10", async () => {
    expect(await onStaging(staging.resources, { "target-group-deregistration-delay": { maxSeconds: 15 } })).toEqual([]);
    expect(await onStaging(staging.resources, { "target-group-deregistration-delay": { maxSeconds: 10 } })).toEqual([
      ["target-group-deregistration-delay", "advisory", "api-blue-tg", slow("api-blue-tg", "15 s", 10)],
      ["target-group-deregistration-delay", "advisory", "api-green-tg", slow("api-green-tg", "15 s", 10)],
    ]);
  });
});

describe("listener-https-modern-tls", () => {
  it("rejects an old TLS policy in production, and lets a non-production stack through", async () => {
    const run = await runWith("production", "bluegreen:listener", { sslPolicy: "ELBSecurityPolicy-2016-08" });
    expect(await check(run.resources)).toEqual([
      [
        "listener-https-modern-tls",
        "mandatory",
        "api-traffic-listener",
        'Listener api-traffic-listener must use a modern TLS policy in production: sslPolicy is "ELBSecurityPolicy-2016-08", allowed: ELBSecurityPolicy-TLS13-1-2-2021-06, ELBSecurityPolicy-TLS13-1-2-Res-2021-06, ELBSecurityPolicy-TLS13-1-3-2021-06, ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04. Set `bluegreen:listener.sslPolicy` to one of them, or extend this policy\'s allowedSslPolicies.',
      ],
    ]);
    expect(await check(run.resources, { "listener-https-modern-tls": { production: false } })).toEqual([]);
  });

  it("rejects plain HTTP in production", async () => {
    const run = await runWith("production", "bluegreen:listener", { certificateArn: undefined });
    expect(await check(run.resources)).toEqual([
      [
        "listener-https-modern-tls",
        "mandatory",
        "api-traffic-listener",
        'Listener api-traffic-listener must serve HTTPS in production: protocol is "HTTP". Set `bluegreen:listener.certificateArn` to an ACM certificate (port 80 then redirects to 443).',
      ],
    ]);
  });
});

describe("migration-after-snapshot", () => {
  it("rejects a migration that waits for no snapshot", async () => {
    expect(await onStaging(withoutDependencyOn(staging.resources, "api-pre-migration-snapshot"))).toEqual([
      [
        "migration-after-snapshot",
        "mandatory",
        "api-migration-run",
        "Migration run api-migration-run must wait for a snapshot of the database it migrates: it depends on no pre-migration snapshot, so a failed migration could not be undone. Keep the migration behind the snapshot (the release flow passes platform.databaseSnapshot to platform.migration as dependsOn) and keep `bluegreen:database` set.",
      ],
    ]);
  });

  it("rejects a snapshot of another database than the stack's", async () => {
    const resources = mutate(
      staging.resources,
      "api-pre-migration-snapshot",
      (r) => (r.inputs.dbInstanceIdentifier = "api-other"),
    );
    expect(await onStaging(resources)).toEqual([
      [
        "migration-after-snapshot",
        "mandatory",
        "api-migration-run",
        'Migration run api-migration-run must wait for a snapshot of the database it migrates: snapshot api-pre-migration-snapshot copies "api-other", but this stack\'s database is "api-staging". Snapshot the migrated database: set `bluegreen:database.identifier` to it.',
      ],
    ]);
  });
});

describe("snapshot-named-for-migration", () => {
  it("rejects a snapshot named after another migration version", async () => {
    const resources = mutate(
      staging.resources,
      "api-pre-migration-snapshot",
      (r) => (r.inputs.dbSnapshotIdentifier = "api-pre-2026-10-01-add-orders"),
    );
    expect(await onStaging(resources)).toEqual([
      [
        "snapshot-named-for-migration",
        "mandatory",
        "api-pre-migration-snapshot",
        'Snapshot api-pre-migration-snapshot must be named after the migration it protects: it is "api-pre-2026-10-01-add-orders", expected "api-pre-2026-11-20-orders-index" (app "api", `bluegreen:migration.version` 2026-11-20-orders-index). ' +
          "A name that does not change with the migration version keeps the old snapshot and takes no new one before this migration; derive it with snapshotIdentifier (components/contracts/snapshots.ts).",
      ],
    ]);
  });

  it("passes a new migration version: the program names the snapshot after it", async () => {
    const run = await runWith("staging", "bluegreen:migration", { version: "2026-12-01-drop-legacy" });
    expect(run.resources.find((r) => r.name === "api-pre-migration-snapshot")!.inputs.dbSnapshotIdentifier).toBe(
      "api-pre-2026-12-01-drop-legacy",
    );
    expect(await onStaging(run.resources)).toEqual([]);
  });
});

describe("database-encrypted-private", () => {
  it("rejects an unencrypted, publicly accessible instance", async () => {
    const resources = mutate(staging.resources, "api-database-db", (r) =>
      Object.assign(r.inputs, { storageEncrypted: false, publiclyAccessible: true }),
    );
    expect(await onStaging(resources)).toEqual([
      [
        "database-encrypted-private",
        "mandatory",
        "api-database-db",
        "RDS instance api-database-db must be encrypted at rest: storageEncrypted is false. Set storageEncrypted: true (safeInstanceSettings in components/aws/database.ts); an existing unencrypted database is encrypted by restoring an encrypted copy of a snapshot (`bluegreen:database.restoreFromSnapshot`).",
      ],
      [
        "database-encrypted-private",
        "mandatory",
        "api-database-db",
        "RDS instance api-database-db must not be publicly accessible: publiclyAccessible is true. Set publiclyAccessible: false (safeInstanceSettings in components/aws/database.ts); the app reaches it from inside the VPC.",
      ],
    ]);
  });
});

describe("database-production-safeguards", () => {
  const created = { mode: "create", identifier: "api-production", backupRetentionDays: 7 };

  it("rejects a production database without deletion protection and with 3 days of backups", async () => {
    const run = await runWith("production", "bluegreen:database", {
      ...created,
      backupRetentionDays: 3,
      deletionProtection: false,
    });
    expect(await check(run.resources)).toEqual([
      [
        "database-production-safeguards",
        "mandatory",
        "api-database-db",
        "RDS instance api-database-db must have deletion protection in production: deletionProtection is false. Set `bluegreen:database.deletionProtection` to true, or remove it (it defaults to true when `bluegreen:environment` is production).",
      ],
      [
        "database-production-safeguards",
        "mandatory",
        "api-database-db",
        "RDS instance api-database-db must keep automated backups for at least 7 days in production: backupRetentionPeriod is 3. Set `bluegreen:database.backupRetentionDays` to 7 or more.",
      ],
    ]);
  });

  it("passes the program's production database, until it loses `protect` or config asks for 14 days", async () => {
    const run = await runWith("production", "bluegreen:database", created);
    expect(await check(run.resources)).toEqual([]);
    expect(await check(mutate(run.resources, "api-database-db", (r) => (r.protect = false)))).toEqual([
      [
        "database-production-safeguards",
        "mandatory",
        "api-database-db",
        "RDS instance api-database-db must be protected from deletion by Pulumi in production: the protect option is off. The program protects databases when `bluegreen:environment` is production; set it (or give this policy production: false for a non-production stack).",
      ],
    ]);
    expect(await check(run.resources, { "database-production-safeguards": { minBackupRetentionDays: 14 } })).toEqual([
      [
        "database-production-safeguards",
        "mandatory",
        "api-database-db",
        "RDS instance api-database-db must keep automated backups for at least 14 days in production: backupRetentionPeriod is 7. Set `bluegreen:database.backupRetentionDays` to 14 or more.",
      ],
    ]);
  });
});

describe("no-plaintext-secrets", () => {
  const plain = (task: string, container: string, name: string, reason: string, color: string) =>
    `Task definition ${task} must not carry credentials in plain environment variables: ${name} of container ${container} does (${reason}). ` +
    `Move it from \`bluegreen:${color}.env\` to \`bluegreen:${color}.secrets\` (a Secrets Manager or SSM ARN, or secret/key on Kubernetes), or list it in this policy's allowedNames if it holds no secret.`;
  const byName = "its name says it holds a secret";

  it("rejects a password in green's env: in green's task and in the migration task, which runs with green's settings", async () => {
    const run = await runWith("staging", "bluegreen:green", { env: { LOG_LEVEL: "info", DB_PASSWORD: "hunter2" } });
    expect(await onStaging(run.resources)).toEqual([
      [
        "no-plaintext-secrets",
        "mandatory",
        "api-green-task",
        plain("api-green-task", "api", "DB_PASSWORD", byName, "green"),
      ],
      [
        "no-plaintext-secrets",
        "mandatory",
        "api-migration-task",
        plain("api-migration-task", "api-migrate", "DB_PASSWORD", byName, "<color>"),
      ],
    ]);
  });

  it("rejects a URL with a password whatever its name, without repeating the value", async () => {
    const run = await runWith("staging", "bluegreen:blue", {
      env: { DATABASE_URL: "postgres://api:s3cret@db.internal:5432/api" },
    });
    const violations = await onStaging(run.resources);
    expect(violations).toEqual([
      [
        "no-plaintext-secrets",
        "mandatory",
        "api-blue-task",
        plain("api-blue-task", "api", "DATABASE_URL", "its value looks like a URL with a user:password part", "blue"),
      ],
    ]);
    expect(JSON.stringify(violations)).not.toContain("s3cret");
  });

  it("lets config allow a name that only looks secret", async () => {
    const run = await runWith("staging", "bluegreen:blue", { env: { TOKEN_TTL_SECONDS: "3600" } });
    expect(await onStaging(run.resources)).toEqual([
      [
        "no-plaintext-secrets",
        "mandatory",
        "api-blue-task",
        plain("api-blue-task", "api", "TOKEN_TTL_SECONDS", byName, "blue"),
      ],
    ]);
    expect(await onStaging(run.resources, { "no-plaintext-secrets": { allowedNames: ["TOKEN_TTL_SECONDS"] } })).toEqual(
      [],
    );
  });
});

describe("images-pinned", () => {
  const image = (tag: string) => `${REGISTRY}/api${tag}`;
  const unpinned = (task: string, container: string, ref: string, why: string, key: string) =>
    `Task definition ${task} must pin each image to a tag or digest: container ${container} uses "${ref}"${why} Pin it to the release's tag or a digest (@sha256:...): set \`${key}\`.`;

  /**
   * The stack's resources with one image swapped, as a larger program that uses the components without
   * this program's config check could register them: the config refuses such images before the pack sees them.
   */
  const swapImage = (from: string, to: string) =>
    JSON.parse(JSON.stringify(staging.resources).split(from).join(to)) as ProgramRun["resources"];

  it("rejects the latest tag and a missing tag", async () => {
    const latest = { resources: swapImage(image(":1.5.0"), image(":latest")) };
    expect(await onStaging(latest.resources)).toEqual([
      [
        "images-pinned",
        "mandatory",
        "api-green-task",
        unpinned(
          "api-green-task",
          "api",
          image(":latest"),
          ', and "latest" moves with every push.',
          "bluegreen:green.image",
        ),
      ],
    ]);
    const untagged = { resources: swapImage(`${REGISTRY}/api-migrations:1.5.0`, `${REGISTRY}/api-migrations`) };
    expect(await onStaging(untagged.resources)).toEqual([
      [
        "images-pinned",
        "mandatory",
        "api-migration-task",
        unpinned(
          "api-migration-task",
          "api-migrate",
          `${REGISTRY}/api-migrations`,
          " with no tag, so every start may pull a different build.",
          "bluegreen:migration.image",
        ),
      ],
    ]);
  });

  it("rejects an image whose tag is not the color's version, unless config drops that rule", async () => {
    const run = await runWith("staging", "bluegreen:green", { image: image(":1.4.9") });
    expect(await onStaging(run.resources)).toEqual([
      [
        "images-pinned",
        "mandatory",
        "api-green-task",
        `Task definition api-green-task must run the image of the version it claims: container api uses "${image(":1.4.9")}" (tag 1.4.9) but its version is 1.5.0. Set \`bluegreen:green.image\` to the 1.5.0 image, or \`bluegreen:green.version\` to 1.4.9.`,
      ],
    ]);
    expect(await onStaging(run.resources, { "images-pinned": { requireVersionTag: false } })).toEqual([]);
  });

  it("accepts an image pinned by digest", async () => {
    const pinned = image(`@sha256:${"ab".repeat(32)}`);
    const run = await runWith("staging", "bluegreen:green", { image: pinned });
    expect(run.resources.find((r) => r.name === "api-green-task")!.inputs.containerDefinitions).toContain(pinned);
    expect(await onStaging(run.resources)).toEqual([]);
  });
});

describe("ecs-circuit-breaker-rollback", () => {
  it("rejects a service whose circuit breaker does not roll back", async () => {
    const resources = mutate(
      staging.resources,
      "api-green-service",
      (r) => (r.inputs.deploymentCircuitBreaker = { enable: true, rollback: false }),
    );
    expect(await onStaging(resources)).toEqual([
      [
        "ecs-circuit-breaker-rollback",
        "mandatory",
        "api-green-service",
        'ECS service api-green-service must roll back a failed deployment automatically: deploymentCircuitBreaker is {"enable":true,"rollback":false}. Set deploymentCircuitBreaker: { enable: true, rollback: true } (components/aws/colorService.ts).',
      ],
    ]);
  });
});
