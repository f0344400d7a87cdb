/**
 * The pack's routing rules and maintenance mode, through the real analyzer
 * fed the program's registrations: every platform's maintenance window
 * passes; the Kubernetes maintenance route is recognised by its typed marker
 * only (ROUTE_KINDS.maintenance on the route and on its backend), so the same
 * backend behind an unmarked route, or a marked route to anything else, is
 * still judged; and the window passes on a first preview, where outputs are
 * unknown, with the rule still mandatory.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUBERNETES_LABELS, ROUTE_KINDS } from "../../components/contracts/markers";
import { ProgramRun, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { POLICY_PACK_DIR } from "../../tooling/paths";
import { mutate, seen } from "../../testkit/analyzerCases";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { undoRoute } from "../../policies/traffic";

const policyConfig = (stack: string) =>
  JSON.parse(fs.readFileSync(path.join(POLICY_PACK_DIR, "config", `${stack}.json`), "utf8"));
const ON = { "bluegreen:maintenance": { enabled: true, message: "Back soon" } };

let analyzer: PolicyAnalyzer;
const runs: Record<string, ProgramRun> = {};

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  for (const stack of ["production", "staging", "kube-staging", "local"]) {
    runs[stack] = await runProgram(stack, { overrides: ON });
  }
  for (const stack of ["production", "kube-staging"]) {
    runs[`${stack} first preview`] = await runProgram(stack, { overrides: ON, firstPreview: true });
  }
  analyzer = await starting;
});
afterAll(() => analyzer?.stop());

const configFor = (stack: string) => (stack === "production" ? undefined : policyConfig(stack));

describe("maintenance windows and the pack", () => {
  it.each(["production", "staging", "kube-staging", "local"])(
    "passes %s with maintenance on: no violation at all",
    async (stack) => {
      const config = configFor(stack);
      expect(await analyzer.analyze(runs[stack].resources, config ? { config } : {})).toEqual([]);
    },
  );

  it.each(["production", "kube-staging"])(
    'passes the %s window on a first preview (outputs unknown), with no "can\'t run during preview" but which target group gets which share',
    async (stack) => {
      const config = configFor(stack);
      const { resources } = runs[`${stack} first preview`];
      const violations = await analyzer.analyze(resources, config ? { config } : {});
      // On AWS the weighted listener's target group ARNs are unknown: the shares are judged at update (advisory).
      expect(violations.map((v) => [v.policyName, v.enforcementLevel])).toEqual(
        stack === "production" ? [["traffic-requires-promotion-gate", "advisory"]] : [],
      );
    },
  );

  it("still reports the unmarked route to the maintenance backend on a first preview, at its mandatory level", async () => {
    const unmarked = mutate(runs["kube-staging first preview"].resources, "api-traffic-route", (r) => {
      r.inputs.metadata.labels[KUBERNETES_LABELS.route] = ROUTE_KINDS.weighted;
    });
    expect(
      seen(await analyzer.analyze(unmarked, { config: policyConfig("kube-staging") })).map((v) => v.slice(0, 3)),
    ).toEqual([["traffic-requires-promotion-gate", "mandatory", "api-traffic-route"]]);
  });

  it("judges the maintenance backend behind a route not marked maintenance: it has no color", async () => {
    const unmarked = mutate(runs["kube-staging"].resources, "api-traffic-route", (r) => {
      r.inputs.metadata.labels[KUBERNETES_LABELS.route] = ROUTE_KINDS.weighted;
    });
    expect(seen(await analyzer.analyze(unmarked, { config: policyConfig("kube-staging") }))).toEqual([
      [
        "traffic-requires-promotion-gate",
        "mandatory",
        "api-traffic-route",
        'HTTPRoute api-traffic-route must send traffic only to a color: Service "api-maintenance" gets weight 1 but no promotion gate waits for it, so no gate vouches for it ' +
          "(a color's target is what its gate waits for). Route only to the app's colors, as the program builds them. " +
          undoRoute("api-traffic-route", true),
      ],
    ]);
  });

  it("tells the maintenance backend by structure: its marker removed, it is still the backend, and the missing marker is flagged", async () => {
    const unmarkedBackend = mutate(runs["kube-staging"].resources, "api-maintenance-service", (r) => {
      delete r.inputs.metadata.labels[KUBERNETES_LABELS.route];
    });
    expect(
      seen(await analyzer.analyze(unmarkedBackend, { config: policyConfig("kube-staging") })).map((v) => v.slice(0, 3)),
    ).toEqual([["app-routing-marked", "mandatory", "api-maintenance-service"]]);
  });

  it("judges a Service marked as the maintenance backend that selects a color's pods: it is no backend, and no gate vouches for it", async () => {
    const toGreen = mutate(runs["kube-staging"].resources, "api-maintenance-service", (r) => {
      r.inputs.spec.selector = { "app.kubernetes.io/name": "api", [KUBERNETES_LABELS.color]: "green" };
    });
    expect(
      seen(await analyzer.analyze(toGreen, { config: policyConfig("kube-staging") })).map((v) => v.slice(0, 3)),
    ).toEqual([
      ["app-markers-match-structure", "mandatory", "api-maintenance-service"],
      ["traffic-requires-promotion-gate", "mandatory", "api-traffic-route"],
    ]);
  });

  it("judges the maintenance backend while maintenance is off: it exists only while maintenance is on", async () => {
    const off = runs["kube-staging"].resources.map((r) =>
      r.type === DYNAMIC_TYPES.promotionGateCheck.token ? { ...r, inputs: { ...r.inputs, maintenance: false } } : r,
    );
    const lines = seen(await analyzer.analyze(off, { config: policyConfig("kube-staging") }));
    expect(lines.map((v) => v.slice(0, 3))).toEqual([
      ["app-markers-match-structure", "mandatory", "api-maintenance-deployment"],
      ["app-markers-match-structure", "mandatory", "api-maintenance-page"],
      ["app-markers-match-structure", "mandatory", "api-maintenance-service"],
      ["traffic-requires-promotion-gate", "mandatory", "api-traffic-route"],
    ]);
    expect(lines[0][3]).toContain("must exist only while maintenance is on");
  });

  it("judges a maintenance Deployment whose pods carry a color: a color's Service could send users to it", async () => {
    const colored = mutate(runs["kube-staging"].resources, "api-maintenance-deployment", (r) => {
      r.inputs.spec.template.metadata.labels[KUBERNETES_LABELS.color] = "green";
    });
    const lines = seen(await analyzer.analyze(colored, { config: policyConfig("kube-staging") }));
    expect(lines.map((v) => v.slice(0, 3))).toContainEqual([
      "app-markers-match-structure",
      "mandatory",
      "api-maintenance-deployment",
    ]);
    expect(lines.map((v) => v.slice(0, 3))).toContainEqual([
      "traffic-requires-promotion-gate",
      "mandatory",
      "api-traffic-route",
    ]);
  });

  it("judges a marked maintenance route that also sends users to a color like any route: behind that color's gate", async () => {
    const mixed = mutate(runs["kube-staging"].resources, "api-traffic-route", (r) => {
      r.inputs.spec.rules[0].backendRefs.push({ kind: "Service", name: "api-green", port: 80, weight: 1 });
      r.dependencies = r.dependencies.filter((urn: string) => !urn.endsWith("api-green-gate-check"));
      r.dependencies = r.dependencies.filter((urn: string) => !urn.endsWith("api-green-gate"));
    });
    const lines = seen(await analyzer.analyze(mixed, { config: policyConfig("kube-staging") }));
    expect(lines.map((v) => v.slice(0, 3))).toEqual([
      ["traffic-requires-promotion-gate", "mandatory", "api-traffic-route"],
    ]);
    expect(lines[0][3]).toContain("must wait for the promotion gate of green");
  });
});
