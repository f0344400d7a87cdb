/** prebuilt.ts: when the schema.json the build wrote may be served instead of analysing. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { currentAnalysis, currentKey, keyOf, readAnalysis, writeAnalysis } from "../../provider/prebuilt";

const ANALYSIS = {
  schema: '{"name":"bluegreen"}',
  componentDefinitions: { DockerBlueGreen: { name: "DockerBlueGreen", inputs: {}, outputs: {} } },
};
const fileFor = (key: string, analysis: object = ANALYSIS) => JSON.stringify({ key, ...analysis });

describe("keyOf", () => {
  const [buildInfo, manifest] = [Buffer.from('{"fileInfos":["a1"]}'), Buffer.from('{"version":"0.1.0"}')];

  it("GIVEN the same inputs THEN the same key; GIVEN any input changed THEN another key", () => {
    const key = keyOf([buildInfo, manifest]);
    expect(keyOf([Buffer.from(buildInfo), Buffer.from(manifest)])).toBe(key);
    expect(keyOf([Buffer.from('{"fileInfos":["a2"]}'), manifest])).not.toBe(key);
    expect(keyOf([buildInfo, Buffer.from('{"version":"0.2.0"}')])).not.toBe(key);
  });

  it("GIVEN bytes moved from one input to the next THEN another key (inputs are not just concatenated)", () => {
    expect(keyOf([Buffer.from("ab"), Buffer.from("c")])).not.toBe(keyOf([Buffer.from("a"), Buffer.from("bc")]));
  });
});

describe("currentAnalysis", () => {
  it("GIVEN a file written for the key THEN its schema and component definitions", () => {
    expect(currentAnalysis(fileFor("k1"), "k1")).toEqual(ANALYSIS);
  });

  it("GIVEN a file written for another key (stale) THEN nothing", () => {
    expect(currentAnalysis(fileFor("k0"), "k1")).toBeUndefined();
  });

  it("GIVEN a damaged file or one lacking a part THEN nothing", () => {
    expect(currentAnalysis(fileFor("k1").slice(0, 30), "k1")).toBeUndefined();
    expect(currentAnalysis(fileFor("k1", { schema: ANALYSIS.schema }), "k1")).toBeUndefined();
    expect(currentAnalysis(fileFor("k1", { ...ANALYSIS, schema: JSON.parse(ANALYSIS.schema) }), "k1")).toBeUndefined();
  });
});

describe("a provider directory", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bluegreen-prebuilt-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("GIVEN it never built THEN no key and no analysis; once built THEN written analysis is read back until an input changes", () => {
    writeFileSync(path.join(dir, "package.json"), '{"name":"bluegreen"}');
    expect(currentKey(dir)).toBeUndefined();

    mkdirSync(path.join(dir, "dist"));
    writeFileSync(path.join(dir, "dist", ".tsbuildinfo"), '{"fileInfos":["a1"]}');
    const key = currentKey(dir)!;
    expect(readAnalysis(dir, key)).toBeUndefined();
    writeAnalysis(dir, key, ANALYSIS);
    expect(readAnalysis(dir, currentKey(dir))).toEqual(ANALYSIS);

    writeFileSync(path.join(dir, "dist", ".tsbuildinfo"), '{"fileInfos":["a2"]}');
    expect(readAnalysis(dir, currentKey(dir))).toBeUndefined();
  });
});
