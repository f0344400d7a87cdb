/**
 * The policy pack on its own, as a published pack or a copy in another
 * repository would be: policies/ copied into an empty directory, its own
 * dependencies installed there with npm, then started and driven through the
 * Analyzer protocol as the engine drives it. It must load (it imports nothing
 * from outside its directory) and judge as the in-repository pack does.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mutate } from "../../testkit/analyzerCases";
import { ProgramRun, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";
import { POLICY_PACK_DIR } from "../../tooling/paths";

describe("the policy pack copied alone into an empty directory", () => {
  let dir: string;
  let analyzer: PolicyAnalyzer;
  let production: ProgramRun;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "standalone-pack-"));
    fs.cpSync(POLICY_PACK_DIR, dir, { recursive: true, filter: (source) => !source.includes("node_modules") });
    // Its own package.json, nothing from this repository's node_modules.
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
      cwd: dir,
      stdio: "pipe",
    });
    analyzer = await startPolicyAnalyzer(dir);
    production = await runProgram("production");
  }, 600_000);

  afterAll(async () => {
    await analyzer?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("loads from its own node_modules and lists its policies", () => {
    expect(fs.existsSync(path.join(dir, "node_modules", "@pulumi", "policy"))).toBe(true);
    expect(analyzer.policies.map((p) => p.name)).toContain("traffic-requires-promotion-gate");
  });

  it("passes the shipped production stack and staging with its config, like the pack in the repository", async () => {
    expect(await analyzer.analyze(production.resources)).toEqual([]);
    const staging = await runProgram("staging");
    expect(await analyzer.analyze(staging.resources, { config: readPolicyConfig("staging") })).toEqual([]);
  });

  it("still refuses what it refuses in the repository: an unpinned image", async () => {
    const resources = mutate(production.resources, "api-green-task", (r) => {
      r.inputs.containerDefinitions = String(r.inputs.containerDefinitions).replace(/api:1\.5\.0/g, "api:latest");
    });
    const violations = await analyzer.analyze(resources);
    expect(violations.map((v) => [v.policyName, v.enforcementLevel])).toContainEqual(["images-pinned", "mandatory"]);
  });
});
