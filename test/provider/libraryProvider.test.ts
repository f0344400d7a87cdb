/**
 * The bluegreen component provider (provider/) as the engine uses it: the
 * plugin built, then started through @pulumi/pulumi's run-plugin from a
 * consuming program's directory that has no node_modules,
 * GetSchema over gRPC (the three components, required inputs, secrets,
 * descriptions from the JSDoc), Construct against a resource monitor this
 * test runs (the children the release registers, under the component).
 */
import type { z } from "zod";
import { coreConfigShape } from "../../components/config/schema";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_CONFIG_KEYS } from "../../components/config/secrets";
import { COMPONENT_TYPES, DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { PREBUILT_FILE } from "../../provider/prebuilt";
import { ComponentProviderPlugin, secretValue } from "../../testkit/componentProviderPlugin";
import { argsOf, COMPONENT_OF, ENTRY_POINT_CASES, EntryPlatform } from "../../testkit/entryPointCases";
import { buildProvider } from "../../testkit/providerBuild";
import { ResourceMonitorStandIn } from "../../testkit/resourceMonitor";

const DOCKER = COMPONENT_TYPES.dockerBlueGreen;
const OUTPUTS = [
  "gateVerdicts",
  "primaryColor",
  "probeUrls",
  "resourceIds",
  "trafficPercent",
  "url",
  "versions",
  "weights",
];

/** A release on the local platform: blue 1.3.0 serving, green 1.4.0 deployed at weight 0. */
const RELEASE = {
  app: { name: "shop" },
  blue: { version: "1.3.0", image: "shop:1.3.0" },
  green: { version: "1.4.0", image: "shop:1.4.0" },
  traffic: { blue: 100, green: 0 },
};

let monitor: ResourceMonitorStandIn;
let plugin: ComponentProviderPlugin;
let schema: any;
let consumerDir: string;
let providerDir: string;

beforeAll(async () => {
  consumerDir = mkdtempSync(path.join(tmpdir(), "bluegreen-consumer-"));
  [providerDir, monitor] = await Promise.all([buildProvider(), ResourceMonitorStandIn.start("consumer", "dev")]);
  plugin = await ComponentProviderPlugin.start(providerDir, monitor.address, consumerDir);
  schema = await plugin.getSchema();
});

afterAll(async () => {
  await plugin?.stop();
  await monitor?.stop();
  rmSync(consumerDir, { recursive: true, force: true });
});

describe("GetSchema", () => {
  it("GIVEN the build THEN the plugin answers the schema the build analysed and wrote", () => {
    const prebuilt = JSON.parse(readFileSync(path.join(providerDir, PREBUILT_FILE), "utf8"));
    expect(schema).toEqual(JSON.parse(prebuilt.schema));
  });

  it("GIVEN the provider THEN it serves exactly the three components under the agreed tokens", () => {
    expect(schema.name).toBe("bluegreen");
    expect(Object.keys(schema.resources).sort()).toEqual(
      [COMPONENT_TYPES.awsBlueGreen, COMPONENT_TYPES.dockerBlueGreen, COMPONENT_TYPES.kubernetesBlueGreen].sort(),
    );
    for (const resource of Object.values<any>(schema.resources)) {
      expect(resource.isComponent).toBe(true);
      expect(resource.required).toEqual(OUTPUTS);
      expect(Object.keys(resource.properties).sort()).toEqual([...OUTPUTS, "snapshotId"].sort());
    }
  });

  it("GIVEN each component THEN its required inputs are the release's and its platform's", () => {
    const required = (token: string) => schema.resources[token].requiredInputs;
    expect(required(COMPONENT_TYPES.dockerBlueGreen)).toEqual(["app", "blue", "green", "traffic"]);
    expect(required(COMPONENT_TYPES.kubernetesBlueGreen)).toEqual(["app", "blue", "green", "kubernetes", "traffic"]);
    expect(required(COMPONENT_TYPES.awsBlueGreen)).toEqual(["app", "blue", "green", "network", "traffic"]);
    expect(schema.types["bluegreen:index:TrafficArgs"].required).toEqual(["blue", "green"]);
    expect(schema.types["bluegreen:index:ColorArgs"].required).toEqual(["image", "version"]);
  });

  it("GIVEN the stack config's sections THEN each Args type takes exactly their keys (a new config key reaches every language)", () => {
    /** The object schema under optional/default wrappers. */
    const keys = (section: z.ZodType): string[] => {
      let inner: any = section;
      while (typeof inner.unwrap === "function") inner = inner.unwrap();
      return Object.keys(inner.shape).sort();
    };
    const sections = {
      AppArgs: coreConfigShape.app,
      ColorArgs: coreConfigShape.blue,
      TrafficArgs: coreConfigShape.traffic,
      MigrationArgs: coreConfigShape.migration,
      GateArgs: coreConfigShape.gate,
      MaintenanceArgs: coreConfigShape.maintenance,
      ReleaseModeArgs: coreConfigShape.release,
    };
    for (const [type, section] of Object.entries(sections)) {
      expect([type, Object.keys(schema.types[`bluegreen:index:${type}`].properties).sort()]).toEqual([
        type,
        keys(section),
      ]);
    }
  });

  it("GIVEN the keys the program keeps secret THEN gateHeaders is a secret input of every component, and nothing else", () => {
    for (const resource of Object.values<any>(schema.resources)) {
      const secret = Object.keys(resource.inputProperties).filter((k) => resource.inputProperties[k].secret);
      expect(secret).toEqual(SECRET_CONFIG_KEYS.filter((key) => key in resource.inputProperties));
      expect(secret).toEqual(["gateHeaders"]);
    }
  });

  it("GIVEN JSDoc on the Args and the outputs THEN the schema carries it as descriptions", () => {
    const aws = schema.resources[COMPONENT_TYPES.awsBlueGreen];
    expect(aws.inputProperties.clusterArn).toEqual({
      type: "string",
      optional: true,
      description: "ARN of the user's ECS cluster.",
    });
    expect(schema.types["bluegreen:index:TrafficArgs"].properties.green.description).toBe(
      "Relative weight of green, 0 to 999.",
    );
    expect(aws.properties.trafficPercent.description).toBe("Shares by color that sum to exactly 100.");
  });
});

describe("Construct", () => {
  it("GIVEN a Docker release with probe headers THEN the release registers under the component, headers stay secret", async () => {
    const result = await plugin.construct(monitor, DOCKER, "shop", {
      ...RELEASE,
      gateHeaders: secretValue({ Authorization: "Bearer t" }),
    });
    expect(result.urn).toBe(`urn:pulumi:dev::consumer::${DOCKER}::shop`);
    expect(result.state).toMatchObject({
      weights: { blue: 100, green: 0 },
      trafficPercent: { blue: 100, green: 0 },
      versions: { blue: "1.3.0", green: "1.4.0" },
      primaryColor: "blue",
    });

    const [app] = monitor.ofType(COMPONENT_TYPES.app);
    expect(app).toMatchObject({ name: "shop", parent: result.urn });
    const checks = monitor.ofType(DYNAMIC_TYPES.promotionGateCheck.token);
    expect(checks.map((c) => c.name).sort()).toEqual(["shop-blue-gate-check", "shop-green-gate-check"]);
    const green = checks.find((c) => c.name === "shop-green-gate-check")!;
    expect(green.inputs).toMatchObject({ color: "green", version: "1.4.0", weight: 0, totalWeight: 100 });
    expect(green.inputs.headers).toEqual(secretValue({ Authorization: "Bearer t" }));
    const [weights] = monitor.ofType(DYNAMIC_TYPES.haproxyWeights.token);
    expect(weights.inputs.weights).toEqual({ blue: 100, green: 0 });
    // Every registration of this construct descends from the component.
    const ours = monitor.registrations.filter((r) => r.urn.includes(`${DOCKER}`) && r.urn !== result.urn);
    expect(ours.length).toBeGreaterThan(10);
    expect(ours.every((r) => r.parent.startsWith(`urn:pulumi:dev::consumer::${DOCKER}`))).toBe(true);
  });

  it("GIVEN an out-of-range weight THEN Construct fails naming the component and the Args path, and registers nothing of it", async () => {
    const before = monitor.registrations.length;
    await expect(
      plugin.construct(monitor, DOCKER, "bad", { ...RELEASE, traffic: { blue: 100, green: 1000 } }),
    ).rejects.toThrow(
      /DockerBlueGreen "bad" has 1 configuration problem[\s\S]*- traffic\.green: must be from 0 to 999/,
    );
    expect(monitor.registrations.slice(before).filter((r) => r.name.startsWith("bad"))).toEqual([]);
  });
});

describe("the entry-point table through Construct", () => {
  const platforms = Object.keys(COMPONENT_OF) as EntryPlatform[];
  const cases = ENTRY_POINT_CASES.flatMap((entry) => platforms.map((platform) => ({ ...entry, platform })));

  it.each(cases)(
    "$platform: $name → the error names `$path` of the component",
    async ({ platform, change, path, message }) => {
      const component = COMPONENT_OF[platform];
      const error = await plugin
        .construct(monitor, `bluegreen:index:${component}`, "shop", argsOf(platform, change))
        .then(
          () => undefined,
          (e: Error) => e,
        );
      expect(error?.message).toContain(`${component} "shop" has`);
      expect(error?.message).toContain(`- ${path}: `);
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain("bluegreen:");
    },
  );
});
