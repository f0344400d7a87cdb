/**
 * The real program (index.ts) for Pulumi.kube-staging.yaml under
 * deterministic mocks: the resource graph the engine would receive on the
 * kubernetes platform, and every Kubernetes object in it checked against the
 * official schemas.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runWith } from "../../testkit/analyzerCases";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { manifestProblems } from "../kubernetes/schemaValidation";
import { changedResources, named, ofType, waitsFor } from "./graph";

const STACK = "kube-staging";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const JOB = "kubernetes:batch/v1:Job";

type BackendRef = { name: string; port: number; weight: number };

function backendRefs(run: ProgramRun): BackendRef[] {
  const spec = named(run, "api-traffic-route").inputs.spec as { rules: { backendRefs: BackendRef[] }[] };
  return spec.rules[0].backendRefs;
}

function job(run: ProgramRun): RegisteredResource {
  const [only] = ofType(run, JOB);
  return only;
}

let staging: ProgramRun;
beforeAll(async () => {
  staging = await runProgram(STACK);
});

describe(`Pulumi.${STACK}.yaml on Kubernetes`, () => {
  it("routes to both colors' Services with the configured weights", () => {
    const traffic = JSON.parse(staging.config.values["bluegreen:traffic"]);
    expect(backendRefs(staging)).toEqual([
      { kind: "Service", name: "api-blue", port: 80, weight: traffic.blue },
      { kind: "Service", name: "api-green", port: 80, weight: traffic.green },
    ]);
    expect(named(staging, "api-traffic-route").inputs).toMatchObject({
      metadata: { name: "api", namespace: "api-staging", labels: { "bluegreen/route": "weighted" } },
      spec: {
        hostnames: ["api.staging.example.com"],
        parentRefs: [{ name: "public", namespace: "gateway-system", sectionName: "https" }],
      },
    });
  });

  it("creates a Deployment and a Service per color, and a direct route per color on the internal Gateway", () => {
    expect(
      ofType(staging, DEPLOYMENT)
        .map((d) => d.name)
        .sort(),
    ).toEqual(["api-blue-deployment", "api-green-deployment"]);
    expect(
      ofType(staging, "kubernetes:core/v1:Service")
        .map((s) => s.name)
        .sort(),
    ).toEqual(["api-blue-service", "api-green-service"]);
    expect(
      ofType(staging, HTTP_ROUTE)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["api-blue-route", "api-green-route", "api-traffic-route"]);
    expect(named(staging, "api-green-route").inputs).toMatchObject({
      metadata: { name: "api-green-direct", labels: { "bluegreen/color": "green", "bluegreen/route": "direct" } },
      spec: { hostnames: ["green.api.staging.internal.example.com"], parentRefs: [{ name: "internal" }] },
    });
  });

  it("validates every Kubernetes object against the official schemas, unknown fields included", async () => {
    const objects = staging.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(new Set(objects.map((r) => r.type))).toEqual(
      new Set([DEPLOYMENT, "kubernetes:core/v1:Service", JOB, HTTP_ROUTE]),
    );
    for (const object of objects) {
      expect(await manifestProblems(object.inputs), object.name).toEqual([]);
    }
  });

  it("orders the release: snapshot, migration Job, candidate Deployment, gates, route", () => {
    const snapshot = named(staging, "api-pre-migration-snapshot");
    const migration = job(staging);
    const green = named(staging, "api-green-deployment");
    const blue = named(staging, "api-blue-deployment");
    const route = named(staging, "api-traffic-route");
    const gates = ["api-blue-gate-check", "api-green-gate-check"].map((name) => named(staging, name));
    expect(waitsFor(staging, migration, snapshot)).toBe(true);
    expect(waitsFor(staging, green, migration)).toBe(true);
    expect(waitsFor(staging, named(staging, "api-green-service"), migration)).toBe(true);
    expect(waitsFor(staging, blue, migration)).toBe(false); // the stable color keeps serving during the migration
    expect(waitsFor(staging, gates[1], green)).toBe(true);
    expect(waitsFor(staging, gates[1], named(staging, "api-green-route"))).toBe(true);
    for (const gate of gates) expect(waitsFor(staging, route, gate), gate.name).toBe(true);
    expect(waitsFor(staging, route, migration)).toBe(true);
  });

  it("gives the gate each color's own hostname", () => {
    expect(named(staging, "api-green-gate-check").inputs.targets).toEqual([
      "https://green.api.staging.internal.example.com/healthz",
    ]);
    expect(named(staging, "api-blue-gate-check").inputs.targets).toEqual([
      "https://blue.api.staging.internal.example.com/healthz",
    ]);
  });

  it("parents every resource under its component, down to the app", () => {
    const root = staging.resources.find((r) => r.type === "bluegreen:index:BlueGreenApp")!;
    const components = new Map(staging.resources.filter((r) => !r.custom).map((r) => [r.urn, r]));
    for (const resource of staging.resources) {
      if (resource === root) continue;
      expect(components.has(resource.parent), `${resource.type} ${resource.name} has parent ${resource.parent}`).toBe(
        true,
      );
      expect(resource.name.startsWith("api-"), resource.name).toBe(true);
    }
    expect(components.get(named(staging, "api-green-deployment").parent)?.type).toBe(
      "bluegreen:kubernetes:ColorWorkload",
    );
    expect(components.get(job(staging).parent)?.type).toBe("bluegreen:kubernetes:MigrationJob");
    expect(components.get(named(staging, "api-traffic-route").parent)?.type).toBe("bluegreen:kubernetes:WeightedRoute");
  });

  it("runs the migration as a one-attempt Job named after the version, whose spec never changes under that version", () => {
    const migration = job(staging);
    expect(migration.name).toBe("api-migration-job-2026-11-20-orders-index");
    expect(migration.inputs).toMatchObject({
      metadata: { name: "api-migrate-2026-11-20-orders-index", namespace: "api-staging" },
      spec: { backoffLimit: 0, activeDeadlineSeconds: 900 },
    });
    expect(migration.ignoreChanges).toEqual(["spec"]);
  });

  it("changes only the route and the gates when only the weights change", async () => {
    const after = await runProgram(STACK, { overrides: { "bluegreen:traffic": { blue: 75, green: 25 } } });
    expect(backendRefs(after).map((ref) => ref.weight)).toEqual([75, 25]);
    expect(changedResources(staging, after).map((urn) => urn.split("::").pop())).toEqual([
      "api-blue-gate-check",
      "api-green-gate-check",
      "api-traffic-route",
    ]);
  });

  it("re-runs nothing for an unchanged migration version and creates a new Job for a new one", async () => {
    expect(changedResources(staging, await runProgram(STACK))).toEqual([]);
    const migration = JSON.parse(staging.config.values["bluegreen:migration"]);
    const next = await runProgram(STACK, {
      overrides: { "bluegreen:migration": { ...migration, version: "2026-12-01-drop-legacy" } },
    });
    expect(job(next).name).toBe("api-migration-job-2026-12-01-drop-legacy");
    expect(job(next).inputs).toMatchObject({ metadata: { name: "api-migrate-2026-12-01-drop-legacy" } });
    expect(named(next, "api-pre-migration-snapshot").inputs.dbSnapshotIdentifier).toBe(
      "api-pre-2026-12-01-drop-legacy",
    );
  });

  it("exports the public URL and the Kubernetes names", () => {
    expect(staging.outputs.url).toBe("https://api.staging.example.com");
    expect(staging.outputs.resourceIds).toEqual({
      "blue.deployment": "api-blue",
      "blue.service": "api-blue",
      "green.deployment": "api-green",
      "green.service": "api-green",
      httpRoute: "api",
      namespace: "api-staging",
    });
  });
});

describe("stack variations", () => {
  it("creates the namespace when asked, keeps it on destroy, and puts every object in it", async () => {
    const kubernetes = JSON.parse(staging.config.values["bluegreen:kubernetes"]);
    const run = await runProgram(STACK, {
      overrides: { "bluegreen:kubernetes": { ...kubernetes, createNamespace: true } },
    });
    const namespace = named(run, "api-namespace");
    expect(namespace.inputs).toMatchObject({ metadata: { name: "api-staging" } });
    expect(namespace.retainOnDelete).toBe(true);
    expect(await manifestProblems(namespace.inputs)).toEqual([]);
    for (const object of run.resources.filter((r) => r.type.startsWith("kubernetes:") && r !== namespace)) {
      expect(object.propertyDependencies.metadata, object.name).toContain(namespace.urn);
    }
  });

  it("refuses secrets that are not secret-name/key with one ConfigError naming the key", async () => {
    const blue = JSON.parse(staging.config.values["bluegreen:blue"]);
    await expect(
      runProgram(STACK, {
        overrides: {
          "bluegreen:blue": { ...blue, secrets: { DATABASE_URL: "arn:aws:secretsmanager:eu-west-1:1:secret:db" } },
        },
      }),
    ).rejects.toThrow(
      "Pulumi.kube-staging.yaml has 1 configuration problem; nothing was deployed:\n  - bluegreen:blue.secrets.DATABASE_URL: must be a reference to a key of a Secret in the app's namespace, written secret-name/key (e.g. api-database/url), not the secret or its name (the value is not shown here)",
    );
  });
});

describe("migration checks on Kubernetes", () => {
  it("runs each check as a Job of the migration's pod with the check's command, in order, before the candidate", async () => {
    const validate = [
      { name: "orders-have-currency", command: ["npm", "run", "check:currency"] },
      { name: "row-counts", command: ["npm", "run", "check:counts"] },
    ];
    const run = await runWith(STACK, "bluegreen:migration", { validate });
    const [migration, first, second] = ofType(run, JOB);
    expect([migration, first, second].map((j) => j.name)).toEqual([
      "api-migration-job-2026-11-20-orders-index",
      "api-migration-check-orders-have-currency-2026-11-20-orders-index",
      "api-migration-check-row-counts-2026-11-20-orders-index",
    ]);
    const container = (j: RegisteredResource) => (j.inputs as any).spec.template.spec.containers[0];
    expect(container(first).args).toEqual(["npm", "run", "check:currency"]);
    expect(container(second).args).toEqual(["npm", "run", "check:counts"]);
    expect(container(first).env).toEqual(container(migration).env);
    expect(container(first).image).toBe(container(migration).image);
    expect((first.inputs as any).metadata.labels).not.toHaveProperty("bluegreen/migration");
    expect(first.ignoreChanges).toEqual(["spec"]);
    expect(waitsFor(run, first, migration)).toBe(true);
    expect(waitsFor(run, second, first)).toBe(true);
    expect(waitsFor(run, named(run, "api-green-deployment"), second)).toBe(true);
    expect(waitsFor(run, named(run, "api-blue-deployment"), first)).toBe(false);
  });
});
