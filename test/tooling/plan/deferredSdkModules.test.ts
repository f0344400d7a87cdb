/**
 * tooling/plan/deferredSdkModules: the plan loads the TypeScript compiler and
 * Arborist only when the SDK serializes a closure. A stand-in runs nothing
 * until first used and then behaves as the module. In a fresh process, the
 * SDK loads without either, and a dynamic provider serialized through the
 * stand-ins is byte for byte what the SDK writes without them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCollecting } from "../../../testkit/processes";
import { deferModule } from "../../../tooling/plan/deferredSdkModules";
import { PROJECT_DIR } from "../../../tooling/paths";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deferred-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A CommonJS module that counts how often its body ran (in globalThis.deferredRuns[name]). */
function countingModule(name: string): string {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(
    file,
    `globalThis.deferredRuns = globalThis.deferredRuns || {};
globalThis.deferredRuns[${JSON.stringify(name)}] = (globalThis.deferredRuns[${JSON.stringify(name)}] || 0) + 1;
exports.answer = 42;
exports.double = (n) => n * 2;
exports.Kind = { Call: 1 };`,
  );
  return file;
}

const runs = (name: string): number =>
  ((globalThis as { deferredRuns?: Record<string, number> }).deferredRuns ?? {})[name] ?? 0;

describe("a deferred module", () => {
  it("does not run when required, and runs once at its first use", () => {
    const file = countingModule("first-use");
    deferModule(file);
    const standIn = require(file);
    expect(runs("first-use")).toBe(0);
    // TypeScript's import helpers ask this when the SDK requires the module: it must not load it.
    expect(standIn.__esModule).toBe(true);
    expect(runs("first-use")).toBe(0);
    expect(standIn.double(standIn.answer)).toBe(84);
    expect(standIn.Kind.Call).toBe(1);
    expect(runs("first-use")).toBe(1);
    expect(require(file).answer).toBe(42);
    expect(runs("first-use")).toBe(1);
  });

  it("lists, tests and describes the real module's members", () => {
    const file = countingModule("reflection");
    deferModule(file);
    const standIn = require(file);
    expect(Object.keys(standIn)).toEqual(["answer", "double", "Kind"]);
    expect("double" in standIn).toBe(true);
    expect("missing" in standIn).toBe(false);
    expect({ ...standIn }.answer).toBe(42);
    expect(runs("reflection")).toBe(1);
  });

  it("leaves a module that already loaded alone", () => {
    const file = countingModule("loaded");
    const real = require(file);
    deferModule(file);
    expect(require(file)).toBe(real);
    expect(runs("loaded")).toBe(1);
  });
});

/** Serializes the promotion gate's provider in a fresh process, with or without the stand-ins installed first. */
async function serializeInFreshProcess(deferred: boolean): Promise<{
  loadedWithSdk: { typescript: boolean; arborist: boolean };
  loadedAfter: { typescript: boolean; arborist: boolean };
  text: string;
}> {
  const script = `
${deferred ? 'require("./tooling/plan/deferredSdkModules");' : ""}
const loaded = () => {
  const files = Object.keys(require.cache);
  return {
    typescript: files.some((file) => file.endsWith("/typescript/lib/typescript.js")),
    arborist: files.some((file) => file.endsWith("/@npmcli/arborist/lib/arborist/index.js")),
  };
};
const pulumi = require("@pulumi/pulumi");
const loadedWithSdk = loaded();
const { promotionGateProvider } = require("./components/gate/provider");
pulumi.runtime.serializeFunction(() => promotionGateProvider, { allowSecrets: true }).then((result) => {
  console.log(JSON.stringify({ loadedWithSdk, loadedAfter: loaded(), text: result.text }));
});`;
  const result = await runCollecting(
    process.execPath,
    [require.resolve("tsx/cli"), "-e", script],
    PROJECT_DIR,
    process.env,
  );
  // Serializing warns on stderr (the serializer looks at deprecated built-ins), with the stand-ins or without.
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe("the SDK with the plan's stand-ins (fresh processes)", () => {
  it("starts without TypeScript or Arborist, and serializes a provider exactly as without them", async () => {
    const [withStandIns, without] = await Promise.all([serializeInFreshProcess(true), serializeInFreshProcess(false)]);
    expect(without.loadedWithSdk).toEqual({ typescript: true, arborist: true });
    expect(withStandIns.loadedWithSdk).toEqual({ typescript: false, arborist: false });
    // Serializing a closure parses it with the real compiler, loaded on first use.
    expect(withStandIns.loadedAfter.typescript).toBe(true);
    expect(withStandIns.text).toContain("promotionGateProvider");
    expect(withStandIns.text).toBe(without.text);
  });
});
