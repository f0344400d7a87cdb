import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../tooling/plan/buildPlan";
import { stableStringify } from "../../tooling/plan/stableJson";
import { describePlanCli } from "./planCliCases";
import { runScript } from "./runScript";

const runs = describePlanCli(
  "staging",
  { greenRow: "  green  1.5.0  candidate  weight  10  ██░░░░░░░░░░░░░░░░░░   10 %", database: "api-staging" },
  [
    ["plan.ts", ["nosuch"]],
    ["plan.ts", ["staging", "--diff", "/nonexistent/old.json"]],
  ],
);

describe("npm run plan -- staging --diff <old plan>", () => {
  it("shows, resource by resource, what changed since a plan in which the weights were 50/50", async () => {
    // The plan of the same stack file with the weights at 50/50, as a user would have saved it earlier.
    const old = JSON.parse(fs.readFileSync(path.join(runs.dir, "staging-1.json"), "utf8")) as Plan;
    for (const resource of old.resources) {
      if (resource.name === "api-traffic-listener") {
        const [action] = resource.inputs.defaultActions as { forward: { targetGroups: { weight: number }[] } }[];
        for (const group of action.forward.targetGroups) group.weight = 50;
      }
      if (resource.name.endsWith("-gate-check")) resource.inputs.weight = 50;
    }
    const base = { ...old, traffic: { ...old.traffic, colors: { ...old.traffic.colors } } };
    for (const color of ["blue", "green"] as const)
      base.traffic.colors[color] = { ...old.traffic.colors[color], weight: 50 };
    const oldFile = path.join(runs.dir, "old.json");
    fs.writeFileSync(oldFile, stableStringify(base));
    const result = await runScript("plan.ts", ["staging", "--diff", oldFile]);
    expect(result.code).toBe(0);
    expect(result.stdout.slice(result.stdout.indexOf("Plan diff:")).trimEnd().split("\n")).toEqual([
      `Plan diff: ${oldFile} -> Pulumi.staging.yaml now`,
      "~ aws:lb/listener:Listener  api-traffic-listener",
      "    defaultActions[0].forward.targetGroups[0].weight: 50 -> 90",
      "    defaultActions[0].forward.targetGroups[1].weight: 50 -> 10",
      "~ pulumi-nodejs:dynamic/bluegreen:PromotionGateCheck  api-blue-gate-check",
      "    weight: 50 -> 90",
      "~ pulumi-nodejs:dynamic/bluegreen:PromotionGateCheck  api-green-gate-check",
      "    weight: 50 -> 10",
      `3 to update, 0 to create, 0 to delete, ${old.resources.length - 3} unchanged.`,
      "",
      // Traffic moves toward the stable version: a rollback, never probed, never refused.
      `Promotion gates, judged from ${oldFile} as \`pulumi up\` would judge this change:`,
      "  blue   not probed: rollback to 1.4.2, unchanged since it last passed its gate (50 % -> 90 %): never probed",
      "  green  not probed: green's share does not grow (50 % -> 10 %): not probed",
      "",
      // A weights-only change: nothing the release guard judges changes.
      `Release guard, judged from ${oldFile} as if it were deployed:`,
      "  api-release-guard: staging; migration 2026-11-20-orders-index; maintenance window off: passes",
      "  `pulumi preview` judges against the deployed state instead (the migration that last completed, the window as " +
        "the last update left it), which differs from this base when it was not deployed as planned.",
    ]);
  });
});

describe("npm run plan with bad input", () => {
  it("an unknown stack exits 2 with the known stacks and the usage", () => {
    const [unknown] = runs.extra;
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toMatch(
      /^no stack file Pulumi\.nosuch\.yaml; known stacks: [\w, -]*production, staging\nusage: npm run plan -- <stack> \[--json \[<file>\.json\]\] \[--diff <old-plan>\.json\]\n$/,
    );
  });

  it("an unreadable --diff file exits 2 before planning, saying how to make one", () => {
    const missing = runs.extra[1];
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toBe(
      "--diff /nonexistent/old.json: cannot read it as a plan file (ENOENT: no such file or directory, open '/nonexistent/old.json'); " +
        "write one with `npm run plan -- <stack> --json /nonexistent/old.json`\n",
    );
  });
});
