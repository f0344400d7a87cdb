/**
 * The plugin serves the schema the build analysed (provider/dist/schema.json)
 * only while its key is current, else it analyses as before. Each case runs
 * the built plugin as the engine does, from a copy of the provider package
 * whose schema.json the case rewrites (the shared build is left alone). A
 * missing file reads as a stale one (test/provider/prebuilt.test.ts).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPONENT_TYPES } from "../../components/contracts/resourceTypes";
import { PREBUILT_FILE } from "../../provider/prebuilt";
import { ComponentProviderPlugin } from "../../testkit/componentProviderPlugin";
import { buildProvider } from "../../testkit/providerBuild";
import { ResourceMonitorStandIn } from "../../testkit/resourceMonitor";

const ROOT = path.resolve(__dirname, "../..");
const RELEASE = {
  app: { name: "shop" },
  blue: { version: "1.3.0", image: "shop:1.3.0" },
  green: { version: "1.4.0", image: "shop:1.4.0" },
  traffic: { blue: 100, green: 0 },
};
const MARKER = "served from schema.json";

let built: { key: string; schema: string; componentDefinitions: Record<string, any> };
let monitor: ResourceMonitorStandIn;
const temporary: string[] = [];

beforeAll(async () => {
  const [providerDir, started] = await Promise.all([buildProvider(), ResourceMonitorStandIn.start("consumer", "dev")]);
  monitor = started;
  built = JSON.parse(readFileSync(path.join(providerDir, PREBUILT_FILE), "utf8"));
});

afterAll(async () => {
  await monitor?.stop();
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the file. */
function scratch(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/**
 * The built provider package copied beside links to this checkout's sources and
 * node_modules (the fallback analyses them), with schema.json as `edit` leaves it.
 */
function providerCopy(edit: (schemaFile: string) => void): string {
  const root = scratch("bluegreen-provider-copy-");
  for (const shared of ["node_modules", "components", "tsconfig.json"]) {
    symlinkSync(path.join(ROOT, shared), path.join(root, shared));
  }
  const compiledComponents = path.join(ROOT, "provider", "dist", "components");
  cpSync(path.join(ROOT, "provider"), path.join(root, "provider"), {
    recursive: true,
    filter: (source) => source !== compiledComponents,
  });
  symlinkSync(compiledComponents, path.join(root, "provider", "dist", "components"));
  edit(path.join(root, "provider", PREBUILT_FILE));
  return path.join(root, "provider");
}

/** `built` with MARKER as the package description and DockerBlueGreen's `url` output dropped, under `key`. */
function marked(key: string): string {
  const schema = { ...JSON.parse(built.schema), description: MARKER };
  const { url: _dropped, ...outputs } = built.componentDefinitions.DockerBlueGreen.outputs;
  const docker = { ...built.componentDefinitions.DockerBlueGreen, outputs };
  const componentDefinitions = { ...built.componentDefinitions, DockerBlueGreen: docker };
  return JSON.stringify({ key, schema: JSON.stringify(schema), componentDefinitions });
}

/** GetSchema and a Construct of a fresh plugin served from `providerDir`. */
async function serve(providerDir: string, name: string): Promise<{ schema: any; state: Record<string, unknown> }> {
  const plugin = await ComponentProviderPlugin.start(providerDir, monitor.address, scratch("bluegreen-consumer-"));
  try {
    const schema = await plugin.getSchema();
    const { state } = await plugin.construct(monitor, COMPONENT_TYPES.dockerBlueGreen, name, RELEASE);
    return { schema, state };
  } finally {
    await plugin.stop();
  }
}

describe("the schema the build wrote", () => {
  it("GIVEN the build THEN schema.json holds the three components, with gateHeaders secret", () => {
    const schema = JSON.parse(built.schema);
    expect(Object.keys(built.componentDefinitions).sort()).toEqual([
      "AwsBlueGreen",
      "DockerBlueGreen",
      "KubernetesBlueGreen",
    ]);
    expect(schema.resources[COMPONENT_TYPES.dockerBlueGreen].inputProperties.gateHeaders.secret).toBe(true);
  });

  it("GIVEN schema.json with the current key THEN GetSchema serves it and Construct reads its outputs from it", async () => {
    const dir = providerCopy((file) => writeFileSync(file, marked(built.key)));
    const { schema, state } = await serve(dir, "current");
    expect(schema).toEqual({ ...JSON.parse(built.schema), description: MARKER });
    expect(state).toMatchObject({ weights: { blue: 100, green: 0 }, primaryColor: "blue" });
    expect(state).not.toHaveProperty("url");
  });

  it("GIVEN schema.json with another key (stale) THEN the plugin analyses: the schema and outputs of the sources", async () => {
    const dir = providerCopy((file) => writeFileSync(file, marked(`stale-${built.key}`)));
    const { schema, state } = await serve(dir, "stale");
    expect(schema).toEqual(JSON.parse(built.schema));
    expect(state).toMatchObject({ weights: { blue: 100, green: 0 }, primaryColor: "blue" });
    expect(state).toHaveProperty("url");
  });
});
