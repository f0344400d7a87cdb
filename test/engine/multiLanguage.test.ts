/**
 * Real engine, fake cloud: the component provider used from Pulumi YAML and
 * Python as users do. For each example, `pulumi package add` on the local
 * provider (GetSchema; the Python SDK generated and installed into a
 * virtualenv with `pulumi` from PyPI), then `pulumi preview` (Construct in
 * the provider, the fake docker plugin, and the dynamic resources checked in
 * the Node.js host started by the package's launcher from a directory
 * without node_modules).
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPONENT_TYPES, DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { previewSteps } from "../../testkit/engine";
import {
  createExampleProject,
  engineWithLanguages,
  ExampleProject,
  pythonVirtualenv,
} from "../../testkit/exampleProject";
import { buildProvider, PROVIDER_DIR } from "../../testkit/providerBuild";

const projects: ExampleProject[] = [];
let bin: string;
let venv: string;

beforeAll(async () => {
  [bin, venv] = await Promise.all([engineWithLanguages(), pythonVirtualenv(), buildProvider()]);
});

afterAll(() => projects.forEach((project) => project.remove()));

describe.each([
  { example: "yaml" as const, sdk: "sdks/bluegreen/bluegreen-0.1.0.yaml" },
  { example: "python" as const, sdk: "sdks/bluegreen/pulumi_bluegreen/docker_blue_green.py" },
])("examples/$example", ({ example, sdk }) => {
  it("GIVEN the local provider WHEN `pulumi package add` and `pulumi preview` THEN the release is planned with its gates", async () => {
    const project = createExampleProject(example, bin, example === "python" ? venv : undefined);
    projects.push(project);

    const add = await project.pulumi(["package", "add", PROVIDER_DIR]);
    expect(add.code, `${add.stdout}\n${add.stderr}`).toBe(0);
    expect(`${add.stdout}${add.stderr}`).toContain("Added package bluegreen");
    expect(existsSync(`${project.dir}/${sdk}`)).toBe(true);

    const init = await project.pulumi(["stack", "init", "dev"]);
    expect(init.code, init.stderr).toBe(0);
    const preview = await project.pulumi(["preview", "--json"]);
    expect(preview.code, `${preview.stdout}\n${preview.stderr}`).toBe(0);

    const steps = previewSteps(preview.stdout);
    const ofType = (type: string) => steps.filter((s) => s.newState?.type === type);
    const [component] = ofType(COMPONENT_TYPES.dockerBlueGreen);
    expect(component.urn).toMatch(/::shop$/);
    expect(ofType(COMPONENT_TYPES.app).map((s) => s.newState?.parent)).toEqual([component.urn]);
    const gates = ofType(DYNAMIC_TYPES.promotionGateCheck.token);
    expect(gates.map((s) => s.urn.split("::").pop()).sort()).toEqual(["shop-blue-gate-check", "shop-green-gate-check"]);
    // Checked by the dynamic-provider host (its defaults filled in), the probe headers kept secret.
    const green = gates.find((s) => s.urn.endsWith("shop-green-gate-check"))!.newState!.inputs!;
    expect(green).toMatchObject({ color: "green", version: "1.4.0", weight: 10, totalWeight: 100 });
    expect(green.settings).toMatchObject({ consecutiveSuccesses: 3 });
    expect(green.headers).toBe("[secret]");
    const [weights] = ofType(DYNAMIC_TYPES.haproxyWeights.token);
    expect(weights.newState?.inputs?.weights).toEqual({ blue: 90, green: 10 });
  }, 600_000);
});
