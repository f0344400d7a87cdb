/**
 * Real engine, fake cloud: a refactor keeps every resource's identity.
 * `pulumi up` with the program as it was before the restructuring (commit
 * ff92cee: HealthGate, the gate's dynamic resource named PromotionGate),
 * then `pulumi preview` with today's program: existing resources are kept
 * (same or updated in place, renamed ones through their aliases), never
 * replaced or deleted. A gate that lost its state would look like a first
 * deploy to the next update, which is not step-limited.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineProject, EngineProject, previewSteps, programAt } from "../../testkit/engine";
import { loopbackConfig } from "../../testkit/engineStandIns";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";
import { Router, startRouter } from "../../testkit/haproxy";
import { PROJECT_DIR } from "../../tooling/paths";
import * as fs from "node:fs";
import * as path from "node:path";

/** The last commit before the program was restructured and the gate renamed. */
const BEFORE_RESTRUCTURE = "ff92cee";
const STACK = "local";
/**
 * Containers whose configuration issue 14 changed (database roles and
 * passwords, the runtime API's client list, the colors' user and secret
 * file): Docker applies that by replacing them, under the same URN, with
 * their data kept in volumes. Nothing else may be replaced.
 */
const RECONFIGURED = ["api-database-postgres", "api-blue-container", "api-green-container", "api-router-haproxy"];

let project: EngineProject;
let app: FaultServer;
let router: Router;

beforeAll(async () => {
  project = createEngineProject();
  app = await startFaultServer();
  router = await startRouter({ blue: 1, green: 1 }, "api", "/health");
  project.useProgram(programAt(BEFORE_RESTRUCTURE));
  await project.ok(["stack", "init", STACK, "--secrets-provider", "passphrase"]);
  await project.setConfig(STACK, [
    ...loopbackConfig(STACK, { app, router }),
    // The old gate refused its own first deploy of an older stable color unless this was set.
    ["bluegreen:traffic.rollback", "true"],
  ]);
  await project.ok(["up", "--stack", STACK, "--yes", "--skip-preview"]);
}, 300_000);

afterAll(async () => {
  await router?.stop();
  await app?.close();
  project?.remove();
});

describe("resource identities across the restructuring, on the real engine", () => {
  it("previews today's program over the old one's state: nothing deleted, only the reconfigured containers replaced", async () => {
    const current = Object.fromEntries(
      ["index.ts", ...listFiles("components")].map((file) => [
        file,
        fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"),
      ]),
    );
    project.useProgram(current);
    const preview = await project.ok(["preview", "--stack", STACK, "--json"]);
    const steps = previewSteps(preview.stdout);
    const destructive = steps
      .filter((step) => !["same", "update", "create"].includes(step.op))
      .filter((step) => !(step.op === "replace" && RECONFIGURED.includes(step.urn.split("::").pop()!)))
      .map((step) => `${step.op} ${step.urn}`);
    expect(destructive).toEqual([]);
    // The renamed gates are found under their old names: kept, not created anew.
    const gates = steps.filter((step) => step.urn.includes("PromotionGateCheck::"));
    expect(gates.map((step) => step.op).sort()).not.toContain("create");
    expect(gates).toHaveLength(2);
  }, 180_000);

  it("then updates through the new program, every gate keeping its recorded state", async () => {
    const up = await project.ok(["up", "--stack", STACK, "--yes", "--skip-preview"]);
    const replaced = up.stdout
      .split("\n")
      .filter((line) => /(replaced|deleted)/.test(line) && !/^\s*[+-]+\d+ replaced$/.test(line))
      .map((line) => /Container (\S+) /.exec(line)?.[1] ?? line);
    expect([...new Set(replaced)].sort()).toEqual([...RECONFIGURED].sort());
    const exported = JSON.parse((await project.ok(["stack", "export", "--stack", STACK])).stdout);
    const gates = exported.deployment.resources.filter((r: { type: string }) => r.type.endsWith(":PromotionGateCheck"));
    expect(
      gates.map((g: { outputs: { weight: number } }) => g.outputs.weight).sort((a: number, b: number) => a - b),
    ).toEqual([10, 90]);
  }, 180_000);
});

function listFiles(dir: string): string[] {
  return fs.readdirSync(path.join(PROJECT_DIR, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(file) : [file];
  });
}
