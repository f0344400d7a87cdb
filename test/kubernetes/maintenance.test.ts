/**
 * Maintenance mode on Kubernetes, in the resource graph the real program
 * registers for Pulumi.kube-staging.yaml (deterministic mocks): the weighted
 * HTTPRoute sends users to a small maintenance backend with Retry-After, is
 * marked as the maintenance route, and waits for the backend; the objects
 * validate against the official schemas; turning it off restores the
 * weighted rule; a gate target on the route's hostnames is refused.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../components/config/issues";
import { KUBERNETES_LABELS, ROUTE_KINDS } from "../../components/contracts/markers";
import { MAINTENANCE_IMAGE, maintenanceNginxConfig } from "../../components/kubernetes/maintenanceManifests";
import { maintenancePage } from "../../components/maintenance";
import { RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { changedResources, named, waitsFor } from "../program/graph";
import { manifestProblems } from "./schemaValidation";

const STACK = "kube-staging";
const inputs = (resource: RegisteredResource) => resource.inputs as Record<string, any>;
const ON = { enabled: true, message: "Back at <b>14:00</b>", retryAfterSeconds: 900 };

describe("Pulumi.kube-staging.yaml with bluegreen:maintenance", () => {
  it("routes users to the maintenance backend with Retry-After, marked as the maintenance route, once it is ready", async () => {
    const run = await runProgram(STACK, { overrides: { "bluegreen:maintenance": ON } });
    const route = named(run, "api-traffic-route");
    const service = named(run, "api-maintenance-service");
    const deployment = named(run, "api-maintenance-deployment");
    const page = named(run, "api-maintenance-page");
    expect(inputs(route).metadata.labels[KUBERNETES_LABELS.route]).toBe(ROUTE_KINDS.maintenance);
    expect(inputs(route).spec.rules).toEqual([
      {
        matches: [{ path: { type: "PathPrefix", value: "/" } }],
        backendRefs: [{ kind: "Service", name: "api-maintenance", port: 80 }],
        filters: [
          {
            type: "ResponseHeaderModifier",
            responseHeaderModifier: { set: [{ name: "Retry-After", value: "900" }] },
          },
        ],
      },
    ]);
    expect(waitsFor(run, route, deployment)).toBe(true);
    expect(inputs(page).data).toEqual({
      "default.conf": maintenanceNginxConfig(),
      "index.html": maintenancePage(ON.message),
    });
    expect(inputs(service).metadata.labels[KUBERNETES_LABELS.route]).toBe(ROUTE_KINDS.maintenance);
    expect(inputs(service).spec.selector).toEqual(inputs(deployment).spec.selector.matchLabels);
    const pod = inputs(deployment).spec.template.spec;
    expect(pod.containers[0].image).toBe(MAINTENANCE_IMAGE);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 101 });
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true });
    for (const object of [route, service, deployment]) {
      expect(await manifestProblems(object.inputs), object.name).toEqual([]);
    }
  });

  it("switching it off removes the backend and restores the weighted rule; the colors are untouched both ways", async () => {
    const off = await runProgram(STACK);
    const on = await runProgram(STACK, { overrides: { "bluegreen:maintenance": ON } });
    const changed = changedResources(off, on).map((urn) => urn.split("::").pop());
    expect(changed.filter((name) => /api-(blue|green)-(deployment|service)$/.test(name!))).toEqual([]);
    expect(changed).toEqual(expect.arrayContaining(["api-traffic-route", "api-maintenance-deployment"]));
    const route = named(off, "api-traffic-route");
    expect(inputs(route).metadata.labels[KUBERNETES_LABELS.route]).toBe(ROUTE_KINDS.weighted);
    expect(inputs(route).spec.rules[0].backendRefs.map((ref: { name: string }) => ref.name)).toEqual([
      "api-blue",
      "api-green",
    ]);
    expect(off.resources.filter((r) => r.name.startsWith("api-maintenance"))).toEqual([]);
  });

  it("refuses a gate target on the weighted route's hostname while maintenance is on", async () => {
    const overrides = {
      "bluegreen:gate": { targets: { blue: ["https://api.staging.example.com/healthz"] } },
      "bluegreen:maintenance": ON,
    };
    const error = await runProgram(STACK, { overrides }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.key)).toEqual(["bluegreen:gate.targets.blue.0"]);
  });
});
