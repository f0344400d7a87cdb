/**
 * The offline plan of the real stack files: the real program under the
 * deterministic mocks, judged by the real policy pack (the analyzer process
 * the Pulumi CLI starts), reduced to a plan file and a summary.
 */
import * as os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../components/config/issues";
import type { Plan } from "../../../tooling/plan/buildPlan";
import { diffPlans, renderDiff } from "../../../tooling/plan/diff";
import { offlinePlan } from "../../../tooling/plan/offlinePlan";
import { stableStringify } from "../../../tooling/plan/stableJson";
import { blockingLine, renderSummary } from "../../../tooling/plan/summary";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../../tooling/policy/analyzer";
import { readStackConfig } from "../../../tooling/engine/stackFiles";
import { PROJECT_DIR } from "../../../tooling/paths";

let analyzer: PolicyAnalyzer;
const plans: Record<string, Plan> = {};

beforeAll(async () => {
  analyzer = await startPolicyAnalyzer();
  // One program at a time: runProgram drives Pulumi's process-wide runtime.
  for (const stack of ["staging", "production"]) {
    plans[stack] = await offlinePlan(stack, { analyzer });
    plans[`${stack} again`] = await offlinePlan(stack, { analyzer });
  }
});
afterAll(() => analyzer?.stop());

describe.each(["staging", "production"])("the plan of Pulumi.%s.yaml", (stack) => {
  it("is byte-identical when made twice, with no absolute path and no timestamp in it", () => {
    const text = stableStringify(plans[stack]);
    expect(stableStringify(plans[`${stack} again`])).toBe(text);
    expect(text).not.toContain(PROJECT_DIR);
    // A path under the temp directory would leak; the tasks' /tmp mount point is no such path.
    expect(text).not.toContain(`${os.tmpdir()}/`);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(plans[stack].resources.length).toBeGreaterThan(30);
  });

  it("passes the policy pack with the stack's policy config: nothing blocks", () => {
    expect(plans[stack].violations).toEqual([]);
    expect(blockingLine(plans[stack])).toBeUndefined();
  });
});

describe("the summary", () => {
  it("shows staging's weights with versions, the snapshot and the migration step in order", () => {
    const lines = renderSummary(plans.staging).split("\n");
    expect(lines.slice(0, 15)).toEqual([
      "Offline plan: stack staging (project bluegreen), app api, platform aws, environment staging",
      "Nothing was deployed and no cloud was called: ids and ARNs come from deterministic mocks.",
      "",
      "Traffic (bluegreen:traffic, total weight 100)",
      "  blue   1.4.2  stable     weight  90  ██████████████████░░   90 %  primary",
      "  green  1.5.0  candidate  weight  10  ██░░░░░░░░░░░░░░░░░░   10 %",
      "  rollback: no; sticky sessions: 300 s",
      "",
      "Release steps, in order",
      "  1. snapshot   api-pre-2026-11-20-orders-index of database api-staging (taken once per migration version, kept on delete)",
      "  2. migration  2026-11-20-orders-index: npm run migrate (image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api-migrations:1.5.0, timeout 900 s, reversible)",
      "  3. deploy     blue 1.4.2",
      "  4. deploy     green 1.5.0 after the migration succeeded",
      "  5. gate       blue, green: probed when its traffic grows or its version changes; routing waits for every gate",
      "  6. routing    blue 90 % / green 10 %",
    ]);
    expect(lines).toContain(
      "  max step 50 points per update; passes after 5 healthy rounds every 2000 ms; fails after 3 failed rounds",
    );
    expect(lines).toContain("      aws:rds/snapshot:Snapshot  api-pre-migration-snapshot  [retained on delete]");
    expect(lines.at(-1)).toBe("Policy pack (policies/): no violations");
  });

  it("shows production's gate: max step 25 and the Prometheus check", () => {
    const lines = renderSummary(plans.production).split("\n");
    expect(lines.slice(4, 6)).toEqual([
      "  blue   1.4.2  stable     weight 100  ████████████████████  100 %  primary",
      "  green  1.5.0  candidate  weight   0  ░░░░░░░░░░░░░░░░░░░░    0 %",
    ]);
    expect(lines).toContain(
      "  1. snapshot   api-pre-2026-11-20-orders-index of database api-production (taken once per migration version, kept on delete)",
    );
    expect(lines).toContain(
      "  max step 25 points per update; passes after 12 healthy rounds every 5000 ms; fails after 2 failed rounds",
    );
    expect(lines).toContain("  Prometheus: error rate <= 0.01 at https://prometheus.internal.example.com");
  });

  it("lists every resource once, in a tree under its component", () => {
    const lines = renderSummary(plans.staging).split("\n");
    const start = lines.findIndex((line) => line.startsWith("Resources ("));
    expect(lines[start]).toBe(`Resources (${plans.staging.resources.length}: 48 resources in 12 components)`);
    expect(lines.slice(start + 1, start + 3)).toEqual([
      "  bluegreen:index:BlueGreenApp  api",
      "    bluegreen:aws:ColorService  api-blue",
    ]);
    const tree = lines.slice(start + 1, start + 1 + plans.staging.resources.length);
    expect(tree.filter((line) => line.trim().split("  ")[1]?.startsWith("api")).length).toBe(
      plans.staging.resources.length,
    );
  });
});

describe("a weight-only config change", () => {
  it.each([
    ["staging", { blue: 90, green: 10 }, { blue: 50, green: 50 }],
    ["production", { blue: 100, green: 0 }, { blue: 75, green: 25 }],
  ])("on %s touches exactly the listener and the two gates, property by property", async (stack, from, to) => {
    const after = await offlinePlan(stack, {
      analyzer,
      overrides: { "bluegreen:traffic": { ...to, stickinessSeconds: 300 } },
    });
    const diff = diffPlans(plans[stack], after);
    expect(diff.resources).toEqual([
      {
        key: "bluegreen:index:BlueGreenApp$bluegreen:aws:WeightedListener$aws:lb/listener:Listener::api-traffic-listener",
        type: "aws:lb/listener:Listener",
        name: "api-traffic-listener",
        change: "update",
        properties: [
          { path: "defaultActions[0].forward.targetGroups[0].weight", from: from.blue, to: to.blue },
          { path: "defaultActions[0].forward.targetGroups[1].weight", from: from.green, to: to.green },
        ],
      },
      ...(["blue", "green"] as const).map((color) => ({
        key: `bluegreen:index:BlueGreenApp$bluegreen:gate:PromotionGate$pulumi-nodejs:dynamic/bluegreen:PromotionGateCheck::api-${color}-gate-check`,
        type: "pulumi-nodejs:dynamic/bluegreen:PromotionGateCheck",
        name: `api-${color}-gate-check`,
        change: "update",
        properties: [{ path: "weight", from: from[color], to: to[color] }],
      })),
    ]);
    expect(diff.unchanged).toBe(plans[stack].resources.length - 3);
    expect(renderDiff(diff, { before: "old", after: "new" }).split("\n").at(-1)).toBe(
      `3 to update, 0 to create, 0 to delete, ${diff.unchanged} unchanged.`,
    );
  });
});

describe("problems", () => {
  it("a mandatory policy violation blocks the plan, with the policy's own message", async () => {
    // A pinned image of another version: the config cannot tell, the pack can.
    const green = JSON.parse(readStackConfig("production").values["bluegreen:green"]);
    const plan = await offlinePlan("production", {
      analyzer,
      overrides: { "bluegreen:green": { ...green, image: "api:1.4.9" } },
    });
    expect(plan.violations.map((v) => [v.policyName, v.enforcementLevel])).toContainEqual([
      "images-pinned",
      "mandatory",
    ]);
    expect(blockingLine(plan)).toMatch(/^PLAN BLOCKED: \d+ mandatory policy violations? \(images-pinned\); /);
    expect(renderSummary(plan)).toContain("[mandatory] images-pinned on api-green-task: ");
  });

  it("an invalid stack config throws the ConfigError before the program runs", async () => {
    await expect(
      offlinePlan("staging", { analyzer, overrides: { "bluegreen:traffic": { blue: 0, green: 0 } } }),
    ).rejects.toThrow(
      new ConfigError("Pulumi.staging.yaml", [
        {
          key: "bluegreen:traffic.green",
          // A verdict across fields names what it compared; it quotes no whole section.
          message: "at least one color needs a weight above 0, or no request can be served",
        },
      ]),
    );
  });
});
