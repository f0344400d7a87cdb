/**
 * tooling/plan/packBundle: the plan's policy pack started from a cached
 * bundle of policies/. The first start compiles through run-policy-pack and
 * leaves a bundle; the next starts from it and judges exactly as the pack
 * does; a pack that does not type-check is refused as before and never
 * bundled; a bundle that no longer loads is replaced.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mutate } from "../../../testkit/analyzerCases";
import { ProgramRun, runProgram } from "../../../tooling/engine/offlineProgram";
import { packSourceKey, startPlanPack } from "../../../tooling/plan/packBundle";
import { connectPolicyAnalyzer, startPolicyAnalyzer } from "../../../tooling/policy/analyzer";
import { POLICY_PACK_DIR, PROJECT_DIR } from "../../../tooling/paths";

const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A pack directory of its own: a copy of policies/ (or of `files`) using the repository's packages. */
function packCopy(files?: Record<string, string>): string {
  const dir = tempDir("plan-pack-");
  if (files === undefined) {
    fs.cpSync(POLICY_PACK_DIR, dir, { recursive: true, filter: (source) => !source.includes("node_modules") });
  } else {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  }
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

describe("the pack from its bundle", () => {
  let packDir: string;
  let cacheDir: string;
  let production: ProgramRun;

  beforeAll(async () => {
    packDir = packCopy();
    cacheDir = tempDir("plan-pack-cache-");
    production = await runProgram("production");
  });

  it("is bundled after a first start through run-policy-pack, under the key of the pack's sources", async () => {
    const pack = await startPlanPack(packDir, cacheDir);
    await pack.stop();
    const key = packSourceKey(packDir);
    expect(fs.readdirSync(cacheDir)).toEqual([`${key}.js`]);
    // Packages stay outside the bundle, by the path the pack resolves them from.
    const bundle = fs.readFileSync(path.join(cacheDir, `${key}.js`), "utf8");
    expect(bundle).toContain(`require(${JSON.stringify(require.resolve("@pulumi/policy", { paths: [packDir] }))})`);
    expect(bundle).not.toContain("class PolicyPack");
  });

  it("is started from when cached, and judges as the pack under run-policy-pack: the same violations", async () => {
    const resources = mutate(production.resources, "api-green-task", (r) => {
      r.inputs.containerDefinitions = String(r.inputs.containerDefinitions).replace(/api:1\.5\.0/g, "api:latest");
    });
    const bundle = path.join(cacheDir, `${packSourceKey(packDir)}.js`);
    const written = fs.statSync(bundle).ino;
    const bundled = await connectPolicyAnalyzer(startPlanPack(packDir, cacheDir));
    // Started from the bundle: a start through run-policy-pack would have written a new one.
    expect(fs.statSync(bundle).ino).toBe(written);
    const compiled = await startPolicyAnalyzer(packDir);
    try {
      const violations = await bundled.analyze(resources);
      expect(violations.map((v) => v.policyName)).toContain("images-pinned");
      expect(violations).toEqual(await compiled.analyze(resources));
      expect(bundled.policies).toEqual(compiled.policies);
    } finally {
      await Promise.all([bundled.stop(), compiled.stop()]);
    }
  });

  it("is dropped when it no longer loads: the pack starts through run-policy-pack and is bundled again", async () => {
    const bundle = path.join(cacheDir, `${packSourceKey(packDir)}.js`);
    const good = fs.readFileSync(bundle, "utf8");
    fs.writeFileSync(bundle, 'throw new Error("bundle cannot load");\n');
    const analyzer = await connectPolicyAnalyzer(startPlanPack(packDir, cacheDir));
    try {
      expect(await analyzer.analyze(production.resources)).toEqual([]);
    } finally {
      await analyzer.stop();
    }
    expect(fs.readFileSync(bundle, "utf8")).toBe(good);
  });

  it("is replaced when a source of the pack changes: a new key, compiled again, the old bundle removed", async () => {
    const before = packSourceKey(packDir);
    fs.appendFileSync(path.join(packDir, "shared.ts"), "\n// changed\n");
    const after = packSourceKey(packDir);
    expect(after).not.toBe(before);
    // Another copy's bundle stays: only this pack's older bundle goes.
    fs.writeFileSync(path.join(cacheDir, "0123abcd-0000000000000000.js"), "");
    await (await startPlanPack(packDir, cacheDir)).stop();
    expect(fs.readdirSync(cacheDir).sort()).toEqual(["0123abcd-0000000000000000.js", `${after}.js`].sort());
  });
});

describe("a pack that does not type-check", () => {
  it("is refused with the compiler's error, as under run-policy-pack, and not bundled", async () => {
    const packDir = packCopy({
      "package.json": JSON.stringify({ name: "broken", version: "0.0.1", main: "index.ts" }),
      "PulumiPolicy.yaml": "runtime: nodejs\n",
      "index.ts": 'const limit: number = "thirty";\nexport { limit };\n',
    });
    const cacheDir = tempDir("plan-pack-cache-");
    await expect(startPlanPack(packDir, cacheDir)).rejects.toThrow(/Type 'string' is not assignable to type 'number'/);
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });
});
