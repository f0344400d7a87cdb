/**
 * What cannot be judged at preview is judged at update, and says so (issue
 * 24, point 6), through the real analyzer: each rule that reads a whole list
 * or value, given it as the engine sends a value not known yet (computed from
 * another resource's output), reports an advisory "can't run ... during
 * preview" that names what it will judge at update and when (before the
 * resource is created, for a resource rule; after the update, for a stack
 * rule), instead of passing as if the list were empty; and a violation it can
 * see on the same resource at the same time stays mandatory.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOUD_TYPES } from "../../components/contracts/resourceTypes";
import { handMade, mutate } from "../../testkit/analyzerCases";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";
import type { PolicyViolation } from "../../tooling/policy/protocol";

/** A value as the engine sends one it does not know yet. */
const UNKNOWN = pulumi.runtime.unknownValue;
const BEFORE = "(before the resource is created or changed, which a violation then refuses)";
const AFTER =
  "(after the update's changes are made: a violation then fails the update and its message says what to undo)";

let analyzer: PolicyAnalyzer;
const runs: Record<string, ProgramRun> = {};

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  for (const stack of ["production", "staging", "local"]) runs[stack] = await runProgram(stack);
  analyzer = await starting;
}, 120_000);
afterAll(() => analyzer?.stop());

const configFor = (stack: string) => (stack === "production" ? {} : readPolicyConfig(stack));
const mine = (violations: readonly PolicyViolation[], policy: string) =>
  violations.filter((v) => v.policyName === policy).map((v) => [v.enforcementLevel, v.message] as const);
const deferred = (policy: string, what: string, when: string) =>
  [
    "advisory",
    `can't run policy '${policy}' from policy pack 'bluegreen@v0.1.0' during preview: ${what}: unknown until \`pulumi up\` creates what it depends on, so this rule judges it then ${when}`,
  ] as const;

describe("a resource rule given a list it cannot read yet", () => {
  it.each([
    ["ecs-task-hardening", "the container definitions of task definition api-green-task"],
    ["ecs-secrets-are-arns", "the container definitions of task definition api-green-task"],
    ["no-plaintext-secrets", "the container definitions"],
    ["images-pinned", "the container definitions"],
  ])("%s defers a task definition's unknown container definitions to the update", async (policy, what) => {
    const resources = mutate(
      runs.production.resources,
      "api-green-task",
      (r) => (r.inputs.containerDefinitions = UNKNOWN),
    );
    expect(mine(await analyzer.analyze(resources), policy)).toEqual([deferred(policy, what, BEFORE)]);
  });

  it("security-group-egress-scoped keeps what it sees mandatory and defers the rest", async () => {
    const resources = mutate(runs.production.resources, "api-green-tasks-sg", (r) => {
      r.inputs.egress.push({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] });
      r.inputs.egress.push({ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: [UNKNOWN] });
    });
    const found = mine(await analyzer.analyze(resources), "security-group-egress-scoped");
    expect(found.map(([level]) => level)).toEqual(["mandatory", "advisory"]);
    expect(found[1]).toEqual(
      deferred("security-group-egress-scoped", "egress rule 3 of security group api-green-tasks-sg cidrBlocks", BEFORE),
    );
    const whole = mutate(runs.production.resources, "api-green-tasks-sg", (r) => (r.inputs.egress = UNKNOWN));
    expect(mine(await analyzer.analyze(whole), "security-group-egress-scoped")).toEqual([
      deferred("security-group-egress-scoped", "the egress rules of security group api-green-tasks-sg", BEFORE),
    ]);
  });

  it("app-routing-marked defers tags it cannot read", async () => {
    const resources = mutate(runs.production.resources, "api-traffic-listener", (r) => (r.inputs.tags = UNKNOWN));
    expect(mine(await analyzer.analyze(resources), "app-routing-marked")).toEqual([
      deferred(
        "app-routing-marked",
        "the tag `bluegreen:route` (weighted, direct, redirect, maintenance) of api-traffic-listener",
        BEFORE,
      ),
    ]);
  });

  it.each(["envs", "uploads", "ports"])("the docker rules defer a container's unknown %s", async (list) => {
    const resources = mutate(runs.local.resources, "api-router-haproxy", (r) => (r.inputs[list] = UNKNOWN));
    const violations = await analyzer.analyze(resources, { config: configFor("local") });
    const advisories = violations.filter((v) => v.policyName.startsWith("docker-"));
    expect(advisories.length).toBeGreaterThan(0);
    for (const v of advisories) {
      expect(v.enforcementLevel).toBe("advisory");
      expect(v.message).toContain(`so this rule judges it then ${BEFORE}`);
    }
  });
});

describe("a stack rule given a value it cannot read yet", () => {
  it("traffic-requires-promotion-gate defers a route's unknown actions", async () => {
    const resources = mutate(
      runs.production.resources,
      "api-traffic-listener",
      (r) => (r.inputs.defaultActions = UNKNOWN),
    );
    expect(mine(await analyzer.analyze(resources), "traffic-requires-promotion-gate")).toEqual([
      deferred("traffic-requires-promotion-gate", "the defaultActions of api-traffic-listener", AFTER),
    ]);
  });

  it("database-ingress-from-app defers a rule whose range is unknown, and refuses the known one beside it", async () => {
    const db = runs.staging.resources.find((r) => r.name === "api-database-db-sg")!;
    const rule = (name: string, cidr: string) => ({
      ...handMade(CLOUD_TYPES.securityGroupIngressRule, name, {
        securityGroupId: "sg-db",
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        cidrIpv4: cidr,
      }),
      propertyDependencies: { securityGroupId: [db.urn] },
    });
    const resources: RegisteredResource[] = [
      ...runs.staging.resources,
      rule("api-bastion-ingress", UNKNOWN),
      rule("api-open-ingress", "0.0.0.0/0"),
    ];
    const found = mine(
      await analyzer.analyze(resources, { config: configFor("staging") }),
      "database-ingress-from-app",
    );
    expect(found.map(([level]) => level)).toEqual(["mandatory", "advisory"]);
    expect(found[1]).toEqual(
      deferred("database-ingress-from-app", "SecurityGroupIngressRule api-bastion-ingress cidrIpv4", AFTER),
    );
  });

  it("test-listeners-not-public defers the load balancer's unknown ingress", async () => {
    const resources = mutate(runs.production.resources, "api-lb-sg", (r) => (r.inputs.ingress = UNKNOWN));
    expect(mine(await analyzer.analyze(resources), "test-listeners-not-public")).toEqual([
      deferred("test-listeners-not-public", "the ingress rules of security group api-lb-sg", AFTER),
    ]);
  });
});
