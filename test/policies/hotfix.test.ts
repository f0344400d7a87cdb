/**
 * A hotfix through the real analyzer: on every shipped platform the pack
 * reports it as advisory with its reason and emergency snapshot, and nothing
 * else (the snapshot-naming rule accepts `<app>-hotfix-<version>`, even
 * placed before the migration).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mutate, seen } from "../../testkit/analyzerCases";
import { ProgramRun, runProgram } from "../../tooling/engine/offlineProgram";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";

const REASON = "INC-42: checkout times out on large carts";

/** `stack` with bluegreen:release.hotfix set and green a patch release of blue (local ships one). */
function hotfixRun(stack: string): Promise<ProgramRun> {
  const values = readStackConfig(stack).values;
  const green = JSON.parse(values["bluegreen:green"]) as Record<string, unknown>;
  const patch =
    stack === "local"
      ? {}
      : { "bluegreen:green": { ...green, version: "1.4.3", image: `${green.image}`.replace("1.5.0", "1.4.3") } };
  return runProgram(stack, { overrides: { "bluegreen:release": { hotfix: { reason: REASON } }, ...patch } });
}

let analyzer: PolicyAnalyzer;
const runs: Record<string, ProgramRun> = {};
const STACKS = ["production", "kube-staging", "local"];
beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  for (const stack of STACKS) runs[stack] = await hotfixRun(stack);
  analyzer = await starting;
}, 180_000);
afterAll(() => analyzer?.stop());

const report = (snapshot: string, reason = REASON) =>
  `HOTFIX: release guard api-release-guard has bluegreen:release.hotfix set, reason "${reason}": ` +
  `a patch release of the stable version may jump past bluegreen:gate.maxStep to its configured weight in one update, still probed; emergency snapshot "${snapshot}". ` +
  "Remove bluegreen:release.hotfix once this release is done.";

describe("hotfix-reported", () => {
  it.each([
    ["production", "api-hotfix-1-4-3"],
    ["kube-staging", "api-hotfix-1-4-3"],
    ["local", "api-hotfix-1-10-3"],
  ])("reports a hotfix on %s as advisory with its reason and snapshot, and nothing else", async (stack, snapshot) => {
    const violations = await analyzer.analyze(runs[stack].resources, { config: readPolicyConfig(stack) });
    expect(seen(violations)).toEqual([["hotfix-reported", "advisory", "api-release-guard", report(snapshot)]]);
  });

  it("cuts a reason longer than maxReasonLength", async () => {
    const violations = await analyzer.analyze(runs.local.resources, {
      config: { ...readPolicyConfig("local"), "hotfix-reported": { maxReasonLength: 10 } },
    });
    expect(seen(violations).map((v) => v[3])).toEqual([report("api-hotfix-1-10-3", "INC-42: ch…")]);
  });

  it("snapshot-named-for-migration accepts the emergency snapshot even when the migration also waits for it", async () => {
    const hotfixSnapshot = runs.local.resources.find((r) => r.name === "api-hotfix-snapshot")!;
    const resources = mutate(runs.local.resources, "api-migration-run", (r) => {
      r.dependencies = [...r.dependencies, hotfixSnapshot.urn];
    });
    const violations = await analyzer.analyze(resources, { config: readPolicyConfig("local") });
    expect(seen(violations).map((v) => v[0])).toEqual(["hotfix-reported"]);
  });
});
