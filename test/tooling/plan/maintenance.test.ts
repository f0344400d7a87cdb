/**
 * The maintenance window in the offline plan, on the real stack files under
 * the real pack: the window is a release step where the program wired it,
 * with its message and Retry-After (none on AWS), after this update's
 * migration, which the summary says; without the window there is no such
 * step and the routing step is unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../../tooling/plan/buildPlan";
import { offlinePlan } from "../../../tooling/plan/offlinePlan";
import { renderSummary } from "../../../tooling/plan/summary";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../../tooling/policy/analyzer";

const MESSAGE = "Moving orders to the new schema";
const ON = { "bluegreen:maintenance": { enabled: true, message: MESSAGE, retryAfterSeconds: 600 } };

let analyzer: PolicyAnalyzer;
const plans: Record<string, Plan> = {};
beforeAll(async () => {
  analyzer = await startPolicyAnalyzer();
  for (const stack of ["production", "kube-staging", "local"]) {
    plans[stack] = await offlinePlan(stack, { analyzer, overrides: ON });
  }
  plans.off = await offlinePlan("local", { analyzer });
}, 180_000);
afterAll(() => analyzer?.stop());

const kinds = (plan: Plan) => plan.steps.map((step) => step.kind);

describe("the maintenance window among the release steps", () => {
  it("production (aws): after the gates, after this update's migration, without Retry-After; the pack passes", () => {
    const plan = plans.production;
    expect(plan.violations).toEqual([]);
    const window = plan.steps.find((step) => step.kind === "maintenance");
    expect(window).toEqual({ kind: "maintenance", message: MESSAGE, afterMigration: true });
    expect(kinds(plan).indexOf("maintenance")).toBeGreaterThan(kinds(plan).indexOf("gate"));
    expect(kinds(plan).indexOf("maintenance")).toBeGreaterThan(kinds(plan).indexOf("migration"));
    const summary = renderSummary(plan);
    expect(summary).toContain(
      `maintenance window opens: users get 503 and the page ("${MESSAGE}"; no Retry-After: the load balancer's fixed response sends no headers)`,
    );
    expect(summary).toContain("a breaking migration needs the window open in an update before");
  });

  it("kube-staging: the route is the window (its weights apply once it closes), with Retry-After", () => {
    const plan = plans["kube-staging"];
    expect(plan.violations).toEqual([]);
    expect(plan.steps.filter((step) => step.kind === "maintenance")).toEqual([
      { kind: "maintenance", message: MESSAGE, retryAfterSeconds: 600, afterMigration: true },
    ]);
    expect(kinds(plan)).not.toContain("routing");
  });

  it("local: the window beside the routing, with Retry-After; without it, no window step at all", () => {
    expect(plans.local.violations).toEqual([]);
    expect(kinds(plans.local).slice(-2).sort()).toEqual(["maintenance", "routing"]);
    expect(renderSummary(plans.local)).toContain(`("${MESSAGE}", Retry-After 600 s)`);
    expect(kinds(plans.off)).not.toContain("maintenance");
    expect(plans.off.steps.at(-1)).toEqual(plans.local.steps.find((step) => step.kind === "routing"));
  });
});
