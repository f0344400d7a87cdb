import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cacheSerializedProviders } from "../../../tooling/engine/sdkInternals";

const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure");
const serialize = (provider: object): Promise<{ text: string }> =>
  closure.serializeFunction(() => provider, { allowSecrets: true });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bluegreen-provider-cache-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("serialized providers kept between processes (the offline runner)", () => {
  const provider = { create: async () => ({ id: "one", outs: {} }) };

  it("keeps the SDK's own text, and a second serialization reads it back from disk", async () => {
    cacheSerializedProviders(dir, "k1");
    const first = await serialize(provider);
    expect(first.text).toContain("exports.handler");
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^k1-[0-9a-f]{32}\.json$/);

    // What is on disk is what comes back (proves the read; the SDK is not asked again).
    const file = path.join(dir, files[0]);
    const stored = JSON.parse(fs.readFileSync(file, "utf8"));
    fs.writeFileSync(file, JSON.stringify({ ...stored, text: `${stored.text}// from disk` }));
    expect((await serialize(provider)).text).toBe(`${first.text}// from disk`);
  });

  it("serializes again when the provider's code differs, and an unreadable entry is replaced", async () => {
    const other = { create: async () => ({ id: "two", outs: {} }) };
    const text = (await serialize(other)).text;
    expect(text).toContain('"two"');
    expect(fs.readdirSync(dir)).toHaveLength(2);
    for (const file of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, file), "{not json");
    expect((await serialize(other)).text).toBe(text);
  });

  it("a new source key removes the entries of the old one", async () => {
    cacheSerializedProviders(dir, "k2");
    await serialize(provider);
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^k2-/);
  });
});
