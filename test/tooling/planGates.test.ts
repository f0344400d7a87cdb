/**
 * `npm run plan -- <stack> --diff base.json` judges a change the way the
 * promotion gates would at `pulumi preview`: from the base plan's weights,
 * versions and images, with the gates' own rule. A pull request that jumps
 * production's weights past gate.maxStep, or gives share to a color
 * redeployed with an older version, fails its plan with the gate's message.
 * Run as users run it, on a copy of the project whose stack file the test
 * edits as a pull request would.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { createEngineProject, EngineProject } from "../../testkit/engine";
import { PLAN_FORMAT } from "../../tooling/plan/buildPlan";

let project: EngineProject;

/** Edits the copy's Pulumi.production.yaml: `values` by config key and field. */
function editProduction(values: Record<string, Record<string, unknown>>): void {
  const file = path.join(project.dir, "Pulumi.production.yaml");
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  for (const [key, fields] of Object.entries(values)) {
    for (const [field, value] of Object.entries(fields)) doc.setIn(["config", key, field], value);
  }
  fs.writeFileSync(file, doc.toString());
}

beforeAll(async () => {
  project = createEngineProject({ commands: true, engine: false });
  const base = await project.command("plan", ["production", "--json", "base.json"]);
  expect(base.code, base.stderr).toBe(0);
}, 120_000);
afterAll(() => project?.remove());

describe("npm run plan -- production --diff base.json: the gates' verdict on the change", () => {
  it("refuses 0 -> 60 % for the newer green with production's maxStep 25, with the gate's own message", async () => {
    editProduction({ "bluegreen:traffic": { blue: 40, green: 60 } });
    const plan = await project.command("plan", ["production", "--diff", "base.json"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain("Promotion gates, judged from base.json as `pulumi up` would judge this change:");
    expect(plan.stdout).toMatch(/ {2}green {2}probed: the newer version 1\.5\.0 gains share \(0 % -> 60 %\)/);
    expect(plan.stdout).toMatch(/ {2}blue {3}not probed: blue's share does not grow/);
    expect(plan.stdout).toContain(
      "REFUSED (green): traffic to green would rise from 0 % to 60 % of all traffic (weight 0 of 100 -> 60 of 100), more than the allowed step of 25 points (bluegreen:gate.maxStep).",
    );
    expect(plan.stderr).toContain(
      "PLAN BLOCKED: the promotion gate of green would refuse this change at `pulumi preview`",
    );
  }, 120_000);

  it("passes 0 -> 25 %, saying green will be probed", async () => {
    editProduction({ "bluegreen:traffic": { blue: 75, green: 25 } });
    const plan = await project.command("plan", ["production", "--diff", "base.json", "--json", "step.json"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/ {2}green {2}probed: the newer version 1\.5\.0 gains share \(0 % -> 25 %\)/);
  }, 120_000);

  it("refuses share for a color redeployed with an older version, unless traffic.rollback says it is meant", async () => {
    editProduction({
      "bluegreen:traffic": { blue: 100, green: 0 },
      "bluegreen:blue": { version: "1.4.1", image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.1" },
    });
    const plan = await project.command("plan", ["production", "--diff", "step.json"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain(
      "REFUSED (blue): traffic to blue would rise from 75 % to 100 %, but blue was redeployed with 1.4.1, older than 1.5.0",
    );
    editProduction({ "bluegreen:traffic": { rollback: true } });
    const declared = await project.command("plan", ["production", "--diff", "step.json"]);
    expect(declared.code, declared.stderr).toBe(0);
    expect(declared.stdout).toMatch(/ {2}blue {3}probed: blue changed \(1\.4\.2 -> 1\.4\.1\)/);
  }, 120_000);

  it("names a base plan of another format version instead of comparing apples and oranges (exit 2)", async () => {
    const old = { ...JSON.parse(fs.readFileSync(path.join(project.dir, "base.json"), "utf8")), format: 1 };
    fs.writeFileSync(path.join(project.dir, "old.json"), JSON.stringify(old));
    const plan = await project.command("plan", ["production", "--diff", "old.json"]);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain(
      `--diff old.json: cannot read it as a plan file (the old plan has format 1, this tool writes format ${PLAN_FORMAT}; re-create it with`,
    );
  }, 120_000);
});
