import { describe, expect, it } from "vitest";
import { Plan, PLAN_FORMAT, PlanResource } from "../../../tooling/plan/buildPlan";
import { diffPlans, diffValues, renderDiff } from "../../../tooling/plan/diff";

function resource(name: string, inputs: Record<string, unknown>, extra: Partial<PlanResource> = {}): PlanResource {
  return {
    key: `test:index:Thing::${name}`,
    type: "test:index:Thing",
    name,
    parent: "",
    custom: true,
    inputs,
    dependsOn: [],
    protect: false,
    retainOnDelete: false,
    ...extra,
  };
}

/** Only the fields the diff reads; the rest of a plan does not matter to it. */
function plan(
  resources: PlanResource[],
  outputs: Record<string, unknown> = {},
  violations: Plan["violations"] = [],
): Plan {
  return { format: PLAN_FORMAT, resources, outputs, violations } as unknown as Plan;
}

describe("diffValues", () => {
  it("reports each differing leaf with its path, arrays by index", () => {
    const before = { port: 443, tags: { app: "api" }, actions: [{ weight: 90 }, { weight: 10 }], "odd.key": 1 };
    const after = {
      port: 443,
      tags: { app: "api", team: "web" },
      actions: [{ weight: 50 }, { weight: 50 }, { weight: 0 }],
      "odd.key": 2,
    };
    expect(diffValues(before, after, "")).toEqual([
      { path: "actions[0].weight", from: 90, to: 50 },
      { path: "actions[1].weight", from: 10, to: 50 },
      { path: "actions[2]", to: { weight: 0 } },
      { path: '["odd.key"]', from: 1, to: 2 },
      { path: "tags.team", to: "web" },
    ]);
  });

  it("treats a type change (object to scalar, array to object) as one change", () => {
    expect(diffValues({ a: { b: 1 } }, { a: "x" }, "")).toEqual([{ path: "a", from: { b: 1 }, to: "x" }]);
    expect(diffValues({ a: [1] }, { a: { 0: 1 } }, "")).toEqual([{ path: "a", from: [1], to: { 0: 1 } }]);
  });

  it("finds nothing in equal values", () => {
    expect(diffValues({ a: [1, { b: null }] }, { a: [1, { b: null }] }, "")).toEqual([]);
  });
});

describe("diffPlans", () => {
  it("lists created, deleted and updated resources (inputs and options), counting the unchanged", () => {
    const before = plan([
      resource("kept", { a: 1 }),
      resource("gone", {}),
      resource("moved", { w: 90 }),
      resource("db", {}, { protect: false }),
    ]);
    const after = plan([
      resource("kept", { a: 1 }),
      resource("new", {}),
      resource("moved", { w: 50 }),
      resource("db", {}, { protect: true }),
    ]);
    const diff = diffPlans(before, after);
    expect(diff.resources).toEqual([
      {
        key: "test:index:Thing::db",
        type: "test:index:Thing",
        name: "db",
        change: "update",
        properties: [{ path: "options.protect", from: false, to: true }],
      },
      { key: "test:index:Thing::gone", type: "test:index:Thing", name: "gone", change: "delete", properties: [] },
      {
        key: "test:index:Thing::moved",
        type: "test:index:Thing",
        name: "moved",
        change: "update",
        properties: [{ path: "w", from: 90, to: 50 }],
      },
      { key: "test:index:Thing::new", type: "test:index:Thing", name: "new", change: "create", properties: [] },
    ]);
    expect(diff.unchanged).toBe(1);
  });

  it("reports new and resolved policy violations", () => {
    const a = { policyName: "a", enforcementLevel: "mandatory" as const, message: "m1" };
    const b = { policyName: "b", enforcementLevel: "advisory" as const, message: "m2" };
    expect(diffPlans(plan([], {}, [a]), plan([], {}, [b])).violations).toEqual({
      added: ["[advisory] b: m2"],
      removed: ["[mandatory] a: m1"],
    });
  });

  it("refuses a plan file of another format, saying how to re-create it", () => {
    const old = { ...plan([]), format: 0 } as Plan;
    expect(() => diffPlans(old, plan([]))).toThrow(
      `the old plan has format 0, this tool writes format ${PLAN_FORMAT}; re-create it with \`npm run plan -- <stack> --json <file>\``,
    );
  });
});

describe("renderDiff", () => {
  it("prints one block per resource, then outputs, policy changes and counts", () => {
    const before = plan([resource("listener", { weights: [90, 10] }), resource("gone", {})], { weights: { blue: 90 } });
    const after = plan(
      [resource("listener", { weights: [50, 50] }), resource("new", { port: 80 })],
      { weights: { blue: 50 } },
      [{ policyName: "p", enforcementLevel: "mandatory", message: "no" }],
    );
    expect(renderDiff(diffPlans(before, after), { before: "old.json", after: "Pulumi.staging.yaml now" })).toBe(
      [
        "Plan diff: old.json -> Pulumi.staging.yaml now",
        "- test:index:Thing  gone (delete)",
        "~ test:index:Thing  listener",
        "    weights[0]: 90 -> 50",
        "    weights[1]: 10 -> 50",
        "+ test:index:Thing  new (create)",
        "Stack outputs",
        "    weights.blue: 90 -> 50",
        "Policy, new: [mandatory] p: no",
        "1 to update, 1 to create, 1 to delete, 0 unchanged.",
      ].join("\n"),
    );
  });

  it("says when nothing changes", () => {
    expect(
      renderDiff(diffPlans(plan([resource("a", {})]), plan([resource("a", {})])), { before: "x", after: "y" }),
    ).toBe("Plan diff: x -> y\n0 to update, 0 to create, 0 to delete, 1 unchanged.");
  });
});
