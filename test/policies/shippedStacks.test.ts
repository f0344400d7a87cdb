/**
 * The policy pack over the shipped stack files, through the real analyzer:
 * the pack process Pulumi's CLI starts (run-policy-pack), fed the program's
 * registrations exactly as the engine would.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProgramRun, runProgram } from "../../tooling/engine/offlineProgram";
import { undoRoute } from "../../policies/traffic";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { POLICY_PACK_DIR } from "../../tooling/paths";
import { mutate, seen, withoutDependencyOn } from "../../testkit/analyzerCases";

/** A stack's `--policy-pack-config` file, as CI and the offline plan pass it. */
const policyConfig = (stack: string) =>
  JSON.parse(fs.readFileSync(path.join(POLICY_PACK_DIR, "config", `${stack}.json`), "utf8"));

let analyzer: PolicyAnalyzer;
let staging: ProgramRun;
let production: ProgramRun;
let kubeStaging: ProgramRun;
let local: ProgramRun;

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  // One program at a time: runProgram drives Pulumi's process-wide runtime.
  staging = await runProgram("staging");
  production = await runProgram("production");
  kubeStaging = await runProgram("kube-staging");
  local = await runProgram("local");
  analyzer = await starting;
});
afterAll(() => analyzer?.stop());

describe("the policy pack on the shipped stacks", () => {
  it("serves every policy with its enforcement level", () => {
    expect(analyzer.policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["listener-forward-weights-valid", "mandatory"],
      ["httproute-backend-weights-valid", "mandatory"],
      ["traffic-requires-promotion-gate", "mandatory"],
      ["app-routing-marked", "mandatory"],
      ["app-markers-match-structure", "mandatory"],
      ["app-resources-inside-components", "mandatory"],
      ["target-group-health-check", "mandatory"],
      ["target-group-deregistration-delay", "advisory"],
      ["listener-https-modern-tls", "mandatory"],
      ["migration-after-snapshot", "mandatory"],
      ["snapshot-named-for-migration", "mandatory"],
      ["breaking-migration-irreversible", "mandatory"],
      ["database-encrypted-private", "mandatory"],
      ["database-production-safeguards", "mandatory"],
      ["no-plaintext-secrets", "mandatory"],
      ["images-pinned", "mandatory"],
      ["ecs-circuit-breaker-rollback", "mandatory"],
      ["load-balancer-safeguards", "mandatory"],
      ["test-listeners-not-public", "mandatory"],
      ["color-tasks-behind-load-balancer", "mandatory"],
      ["security-group-egress-scoped", "mandatory"],
      ["database-ingress-from-app", "mandatory"],
      ["database-backups-enabled", "advisory"],
      ["ecs-task-hardening", "mandatory"],
      ["ecs-secrets-are-arns", "mandatory"],
      ["kubernetes-readiness-probes", "mandatory"],
      ["kubernetes-resource-limits", "advisory"],
      ["kubernetes-pod-security", "mandatory"],
      ["docker-haproxy-runtime-api-private", "mandatory"],
      ["docker-postgres-password-auth", "mandatory"],
      ["hotfix-reported", "advisory"],
    ]);
    expect(
      analyzer.policies.every(
        (p) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(p.name) && p.description.startsWith("Checks whether "),
      ),
    ).toBe(true);
  });

  it("passes production as shipped, with the default (production) config: no violation at all", async () => {
    expect(await analyzer.analyze(production.resources)).toEqual([]);
  });

  it("ships a policy config for each non-production stack, none for production (judged as production by default)", () => {
    const nonProduction = {
      "database-production-safeguards": { production: false },
      "listener-https-modern-tls": { production: false },
      "load-balancer-safeguards": { production: false },
      "test-listeners-not-public": { production: false },
    };
    expect(fs.readdirSync(path.join(POLICY_PACK_DIR, "config")).sort()).toEqual([
      "kube-staging.json",
      "local.json",
      "staging.json",
    ]);
    for (const stack of ["staging", "kube-staging", "local"]) expect(policyConfig(stack)).toEqual(nonProduction);
  });

  it("passes staging as shipped, with policies/config/staging.json: no violation at all", async () => {
    expect(await analyzer.analyze(staging.resources, { config: policyConfig("staging") })).toEqual([]);
  });

  it("passes kube-staging (kubernetes) as shipped, and sees its Deployments: one without a readiness probe is reported", async () => {
    expect(await analyzer.analyze(kubeStaging.resources, { config: policyConfig("kube-staging") })).toEqual([]);
    const unprobed = mutate(
      kubeStaging.resources,
      "api-green-deployment",
      (r) => delete r.inputs.spec.template.spec.containers[0].readinessProbe,
    );
    expect(seen(await analyzer.analyze(unprobed, { config: policyConfig("kube-staging") }))).toEqual([
      [
        "kubernetes-readiness-probes",
        "mandatory",
        "api-green-deployment",
        "Deployment api-green-deployment must give every container a readiness probe: container api has none, so its Service sends traffic to pods that are still starting. Add readinessProbe.httpGet on `bluegreen:app.healthPath` and the app port.",
      ],
    ]);
  });

  it("passes local (docker) as shipped, and sees its router: weights that skip green's gate are reported", async () => {
    expect(await analyzer.analyze(local.resources, { config: policyConfig("local") })).toEqual([]);
    // The weights wait for the gates directly and through the HAProxy container: cut both.
    const ungated = withoutDependencyOn(local.resources, "api-green-gate-check");
    expect(seen(await analyzer.analyze(ungated, { config: policyConfig("local") }))).toEqual([
      [
        "traffic-requires-promotion-gate",
        "mandatory",
        "api-router-weights",
        "HAProxy weights api-router-weights must wait for the promotion gate of green, which it sends weight 10: it depends on no promotion gate for green, so traffic could reach green before its health is proven. " +
          "Keep routing behind the gates (BlueGreenApp passes every color's PromotionGate to platform.routing as dependsOn), or set `bluegreen:traffic.green` to 0. " +
          undoRoute("api-router-weights", true),
      ],
    ]);
  });

  it("fails staging judged as production: no deletion protection, standby or protect on its database, no deletion protection or access logs on its load balancer", async () => {
    expect(seen(await analyzer.analyze(staging.resources))).toEqual([
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
        "RDS instance api-database-db must run multi-AZ in production, so losing a zone does not lose the database: multiAz is false. The program sets it when `bluegreen:environment` is production (safeInstanceSettings in components/aws/database.ts); a stack that cannot afford a standby is not production.",
      ],
      [
        "database-production-safeguards",
        "mandatory",
        "api-database-db",
        "RDS instance api-database-db must be protected from deletion by Pulumi in production: the protect option is off. The program protects databases when `bluegreen:environment` is production; set it (or give this policy production: false for a non-production stack).",
      ],
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
  });

  it("applies enforcement levels from config as the engine does: `all` first, then one policy", async () => {
    // Only the database's violations: the load balancer is judged as non-production.
    const levels = async (config: Record<string, unknown>) =>
      (
        await analyzer.analyze(staging.resources, {
          config: { "load-balancer-safeguards": { production: false }, ...config },
        })
      ).map((v) => `${v.policyName}:${v.enforcementLevel}`);
    expect(await levels({ all: "advisory" })).toEqual([
      "database-production-safeguards:advisory",
      "database-production-safeguards:advisory",
      "database-production-safeguards:advisory",
    ]);
    expect(await levels({ all: "advisory", "database-production-safeguards": "mandatory" })).toEqual([
      "database-production-safeguards:mandatory",
      "database-production-safeguards:mandatory",
      "database-production-safeguards:mandatory",
    ]);
    expect(await levels({ "database-production-safeguards": "disabled" })).toEqual([]);
  });

  it("refuses config the schema does not allow, before analyzing anything", async () => {
    await expect(
      analyzer.analyze(staging.resources, { config: { "target-group-deregistration-delay": { maxSeconds: "soon" } } }),
    ).rejects.toThrow(
      "policy pack configuration is invalid:\n  - target-group-deregistration-delay.maxSeconds: Invalid input: expected number, received string\nFix these values in the --policy-pack-config file.",
    );
  });

  it("sees every checked resource of production: at the strictest thresholds each one reports", async () => {
    const strictest = {
      "target-group-deregistration-delay": { maxSeconds: 0 },
      "listener-https-modern-tls": { allowedSslPolicies: [] },
      "no-plaintext-secrets": { secretNamePattern: "^LOG_LEVEL$" },
    };
    const violations = await analyzer.analyze(production.resources, { config: strictest });
    const secretFix = (color: string) =>
      `Move it from \`bluegreen:${color}.env\` to \`bluegreen:${color}.secrets\` (a Secrets Manager or SSM ARN, or secret/key on Kubernetes), or list it in this policy's allowedNames if it holds no secret.`;
    const drain = (tg: string) =>
      `Target group ${tg} must drain deregistered targets within 0 s, so a weight shift or rollback settles fast: deregistrationDelay is 15 s. Set deregistrationDelay (\`DEREGISTRATION_DELAY_SECONDS\` in components/aws/colorService.ts) or raise this policy's maxSeconds.`;
    expect(seen(violations)).toEqual([
      [
        "no-plaintext-secrets",
        "mandatory",
        "api-blue-task",
        `Task definition api-blue-task must not carry credentials in plain environment variables: LOG_LEVEL of container api does (its name says it holds a secret). ${secretFix("blue")}`,
      ],
      ["target-group-deregistration-delay", "advisory", "api-blue-tg", drain("api-blue-tg")],
      [
        "no-plaintext-secrets",
        "mandatory",
        "api-green-task",
        `Task definition api-green-task must not carry credentials in plain environment variables: LOG_LEVEL of container api does (its name says it holds a secret). ${secretFix("green")}`,
      ],
      ["target-group-deregistration-delay", "advisory", "api-green-tg", drain("api-green-tg")],
      [
        "no-plaintext-secrets",
        "mandatory",
        "api-migration-task",
        `Task definition api-migration-task must not carry credentials in plain environment variables: LOG_LEVEL of container api-migrate does (its name says it holds a secret). ${secretFix("<color>")}`,
      ],
      [
        "listener-https-modern-tls",
        "mandatory",
        "api-traffic-listener",
        'Listener api-traffic-listener must use a modern TLS policy in production: sslPolicy is "ELBSecurityPolicy-TLS13-1-2-2021-06", allowed: . Set `bluegreen:listener.sslPolicy` to one of them, or extend this policy\'s allowedSslPolicies.',
      ],
    ]);
    const urnsOf = (type: string) =>
      production.resources
        .filter((r) => r.type === type)
        .map((r) => r.urn)
        .sort();
    const reported = (policy: string) =>
      violations
        .filter((v) => v.policyName === policy)
        .map((v) => v.urn)
        .sort();
    expect(reported("target-group-deregistration-delay")).toEqual(urnsOf("aws:lb/targetGroup:TargetGroup"));
    expect(reported("no-plaintext-secrets")).toEqual(urnsOf("aws:ecs/taskDefinition:TaskDefinition"));
    expect(violations.find((v) => v.policyName === "target-group-deregistration-delay")).toMatchObject({
      description:
        "Checks whether target groups drain deregistered targets quickly, so weight shifts and rollbacks settle fast.",
    });
  });
});
