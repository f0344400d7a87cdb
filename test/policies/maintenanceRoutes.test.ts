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
    'passes the %s window on a first preview (outputs unknown), without even a "can\'t run during preview"',
    async (stack) => {
      const config = configFor(stack);
      const { resources } = runs[`${stack} first preview`];
      expect(await analyzer.analyze(resources, config ? { config } : {})).toEqual([]);
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
        'HTTPRoute api-traffic-route must send traffic only to a color: Service "api-maintenance" gets weight 1 but has no color ' +
          "(a `color` tag or label of blue or green), so no promotion gate can vouch for it. Route only to the app's colors, tagged as the program tags them.",
      ],
    ]);
  });

  it("judges a marked maintenance route to a Service that is not marked as the maintenance backend", async () => {
    const unmarkedBackend = mutate(runs["kube-staging"].resources, "api-maintenance-service", (r) => {
      delete r.inputs.metadata.labels[KUBERNETES_LABELS.route];
    });
    expect(
      seen(await analyzer.analyze(unmarkedBackend, { config: policyConfig("kube-staging") })).map((v) => v.slice(0, 3)),
    ).toEqual([["traffic-requires-promotion-gate", "mandatory", "api-traffic-route"]]);
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
