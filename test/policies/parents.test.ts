/**
 * A forgotten `parent: this` is refused (issue 24, point 8), through the real
 * analyzer: every custom resource of every shipped stack, registered outside
 * the app's components as a component that forgot its parent would register
 * it, is flagged by a mandatory rule that names it, identified by what ties
 * it to the app (references, dependencies, its type), never by its name or
 * tags. The user's own resources in a program around the library (their VPC,
 * load balancer, listener, security groups) are never flagged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reparented } from "../../testkit/analyzerCases";
import { ProgramRun, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";
import { usersProgram } from "../aws/usersStack";

let analyzer: PolicyAnalyzer;
const runs: Record<string, ProgramRun> = {};
const MAINTENANCE = { "bluegreen:maintenance": { enabled: true, message: "Back soon" } };
const STACKS = {
  production: {},
  staging: {},
  "kube-staging": {},
  "kube-staging in maintenance": MAINTENANCE,
  local: {},
  "local in maintenance": MAINTENANCE,
} as const;
const stackOf = (name: string) => name.split(" ")[0];

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  for (const [name, overrides] of Object.entries(STACKS)) {
    runs[name] = await runProgram(stackOf(name), { overrides });
  }
  runs.users = await runProgram("production", { program: usersProgram() });
  analyzer = await starting;
}, 180_000);
afterAll(() => analyzer?.stop());

const configFor = (stack: string) => (stack === "production" ? {} : readPolicyConfig(stack));

describe("a resource of the app registered outside its components", () => {
  it.each(Object.keys(STACKS))(
    "is refused, whichever resource of %s it is",
    async (name) => {
      const { resources } = runs[name];
      // A maintenance window adds resources to its stack: those are the ones left to try there.
      const tried =
        name === stackOf(name) ? new Set<string>() : new Set(runs[stackOf(name)].resources.map((r) => r.name));
      const escaped: string[] = [];
      for (const resource of resources.filter((r) => r.custom && !tried.has(r.name))) {
        const violations = await analyzer.analyze(reparented(resources, resource.name), {
          config: configFor(stackOf(name)),
        });
        const named = violations.filter(
          (v) =>
            v.policyName === "app-resources-inside-components" &&
            v.enforcementLevel === "mandatory" &&
            v.urn?.endsWith(`::${resource.name}`),
        );
        if (named.length === 0) escaped.push(`${resource.type} ${resource.name}`);
      }
      expect(escaped).toEqual([]);
    },
    240_000,
  );

  it("says what ties it to the app and how to fix it, and the traffic rules no longer take it for a color", async () => {
    const violations = await analyzer.analyze(reparented(runs.production.resources, "api-green-tg"));
    expect(violations.map((v) => [v.policyName, v.urn?.split("::").pop()]).sort()).toEqual([
      ["app-resources-inside-components", "api-green-tg"],
      // No gate waits for it any more (a dependsOn on the component does not reach it): it has no color, and its
      // test listener is no direct route (production's weighted listener gives green 0).
      ["traffic-requires-promotion-gate", "api-green-test-listener"],
    ]);
    expect(violations.find((v) => v.policyName === "app-resources-inside-components")?.message).toBe(
      "TargetGroup api-green-tg must be registered inside the app's components (`parent` set to the component that creates it): " +
        "it is the `defaultActions` of the app's api-green-test-listener, which the app fills only with its own; " +
        "it is the `loadBalancers` of the app's api-green-service, which the app fills only with its own (and 3 more ties to the app). " +
        "Registered outside them, the pack's rules for the app's resources do not see it. Create it with childOptions (components/options.ts), which sets the parent; " +
        "if it is yours rather than the app's, leave the app's resources alone and state what the app needs in its config (`bluegreen:network.taskEgress`, `bluegreen:listener.testIngressCidrs`).",
    );
  });
});

describe("the user's own resources around the library", () => {
  it("are never taken for a forgotten parent: their VPC, subnets, load balancer, listener and security groups", async () => {
    const violations = await analyzer.analyze(runs.users.resources);
    expect(violations.filter((v) => v.policyName === "app-resources-inside-components")).toEqual([]);
  });
});
