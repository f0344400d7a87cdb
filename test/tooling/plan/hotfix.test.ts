/**
 * A hotfix in the offline plan and the PR check, on the real production
 * stack file under the real pack: the plan and its summary show HOTFIX with
 * the reason and the emergency snapshot among the release steps, and the
 * gates' verdict from the base (rule g) lets the patch release jump past
 * gate.maxStep, still probed, where the same change without the flag is
 * refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../../tooling/plan/buildPlan";
import { judgeAgainstBase } from "../../../tooling/plan/gateCheck";
import { offlinePlan } from "../../../tooling/plan/offlinePlan";
import { renderSummary } from "../../../tooling/plan/summary";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../../tooling/policy/analyzer";
import { readStackConfig } from "../../../tooling/engine/stackFiles";

const REASON = "INC-42: checkout times out on large carts";
const green = JSON.parse(readStackConfig("production").values["bluegreen:green"]) as Record<string, unknown>;
/** green as 1.4.3 (a patch release of blue's 1.4.2) with all of the traffic. */
const PATCH_JUMP = {
  "bluegreen:green": { ...green, version: "1.4.3", image: String(green.image).replace("1.5.0", "1.4.3") },
  "bluegreen:traffic": { blue: 0, green: 100 },
};

let analyzer: PolicyAnalyzer;
let base: Plan;
let hotfix: Plan;
let regular: Plan;
beforeAll(async () => {
  analyzer = await startPolicyAnalyzer();
  base = await offlinePlan("production", { analyzer });
  hotfix = await offlinePlan("production", {
    analyzer,
    overrides: { ...PATCH_JUMP, "bluegreen:release": { hotfix: { reason: REASON } } },
  });
  regular = await offlinePlan("production", { analyzer, overrides: PATCH_JUMP });
}, 180_000);
afterAll(() => analyzer?.stop());

describe("a hotfix in the plan of Pulumi.production.yaml", () => {
  it("carries HOTFIX with the reason and the emergency snapshot, shown first in the summary and among the steps", () => {
    expect(hotfix.hotfix).toEqual({ reason: REASON, snapshotId: "api-hotfix-1-4-3" });
    expect(regular.hotfix).toBeUndefined();
    const summary = renderSummary(hotfix);
    expect(summary).toContain(
      [
        `HOTFIX (bluegreen:release.hotfix): ${REASON}`,
        "  green 1.4.3 may jump past gate.maxStep straight to its weight in one update; still probed (one healthy round, Prometheus too).",
        "  Emergency snapshot api-hotfix-1-4-3 first. Remove bluegreen:release.hotfix after this release.",
      ].join("\n"),
    );
    expect(summary).toMatch(
      /snapshot {3}api-hotfix-1-4-3 of database \S+ \(emergency snapshot of the hotfix, taken once per hotfix version, kept on delete\)/,
    );
    const steps = hotfix.steps.map((s) => s.kind);
    expect(steps.indexOf("snapshot")).toBeLessThan(steps.indexOf("deploy"));
    expect(renderSummary(regular)).not.toContain("HOTFIX");
  });

  it("reports the hotfix as advisory in the plan's policy section, and nothing mandatory", () => {
    expect(hotfix.violations.map((v) => [v.policyName, v.enforcementLevel])).toEqual([["hotfix-reported", "advisory"]]);
    expect(hotfix.violations[0].message).toContain(`reason "${REASON}"`);
  });

  it("judged from the base: the patch release jumps 0 -> 100 % past maxStep 25 with the flag, probed; refused without it", () => {
    const [, greenWithFlag] = judgeAgainstBase(base, hotfix);
    expect(greenWithFlag).toMatchObject({ color: "green", probe: true, refusals: [] });
    expect(greenWithFlag.reason).toContain("(hotfix: no step limit)");
    const [, greenWithout] = judgeAgainstBase(base, regular);
    expect(greenWithout.refusals).toEqual([expect.stringContaining("more than the allowed step of 25 points")]);
  });
});
