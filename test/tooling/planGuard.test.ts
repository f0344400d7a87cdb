/**
 * `npm run plan -- <stack> --diff base.json` applies the release guard as if
 * the base were deployed, run as users run it, on a copy of the project whose
 * stack file the test edits as a pull request would: a hotfix that carries a
 * new migration version, and a breaking production migration without a
 * window already open in the base, fail the plan (exit 1) with the guard's
 * own message, the way `pulumi preview` would once the base is deployed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { createEngineProject, EngineProject } from "../../testkit/engine";

const REASON = "INC-42: checkout times out on large carts";
let project: EngineProject;
let shipped: string;

/** Puts back the shipped Pulumi.production.yaml, then edits it: `values` by config key and field. */
function editProduction(values: Record<string, Record<string, unknown>>): void {
  const file = path.join(project.dir, "Pulumi.production.yaml");
  const doc = parseDocument(shipped);
  for (const [key, fields] of Object.entries(values)) {
    for (const [field, value] of Object.entries(fields)) doc.setIn(["config", key, field], value);
  }
  fs.writeFileSync(file, doc.toString());
}

beforeAll(async () => {
  project = createEngineProject({ commands: true, engine: false });
  shipped = fs.readFileSync(path.join(project.dir, "Pulumi.production.yaml"), "utf8");
  const base = await project.command("plan", ["production", "--json", "base.json"]);
  expect(base.code, base.stderr).toBe(0);
}, 120_000);
afterAll(() => project?.remove());

const DEPLOYED_STATE =
  "`pulumi preview` judges against the deployed state instead (the migration that last completed, the window as the last update left it)";
const BLOCKED =
  "PLAN BLOCKED: the release guard api-release-guard would refuse this change at `pulumi preview` (see REFUSED above). Change it as the message says.";

describe("npm run plan -- production --diff base.json: the release guard's verdict", () => {
  it("refuses a hotfix that carries a new migration version, with the guard's message, and exits 1", async () => {
    editProduction({
      "bluegreen:green": { version: "1.4.3", image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.3" },
      "bluegreen:release": { hotfix: { reason: REASON } },
      "bluegreen:migration": { version: "2026-12-01-index" },
    });
    const plan = await project.command("plan", ["production", "--diff", "base.json"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain("Release guard, judged from base.json as if it were deployed:");
    expect(plan.stdout).toContain(
      `  api-release-guard: production; migration 2026-11-20-orders-index -> 2026-12-01-index; maintenance window off; hotfix "${REASON}": refused`,
    );
    expect(plan.stdout).toContain(
      `  REFUSED (api-release-guard): bluegreen:release.hotfix is set ("${REASON}") but bluegreen:migration.version changes (2026-11-20-orders-index -> 2026-12-01-index): ` +
        "a hotfix carries no new migration, so the flag cannot ride along with one. Ship the migration in a regular release without bluegreen:release.hotfix, " +
        "or keep bluegreen:migration.version at 2026-11-20-orders-index.",
    );
    expect(plan.stdout).toContain(DEPLOYED_STATE);
    expect(plan.stderr).toContain(BLOCKED);
  }, 120_000);

  it("refuses a breaking production migration without a window open in the base, and never says it runs inside one", async () => {
    editProduction({
      "bluegreen:migration": { version: "2026-12-01-split-orders", reversible: false, breaking: true, rehearse: true },
    });
    const plan = await project.command("plan", ["production", "--diff", "base.json"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain(
      "  REFUSED (api-release-guard): migration 2026-12-01-split-orders is breaking (bluegreen:migration.breaking) and runs in this production update " +
        "(2026-11-20-orders-index -> 2026-12-01-split-orders), but bluegreen:maintenance.enabled is not true",
    );
    expect(plan.stdout).not.toContain("inside a maintenance window");
    expect(plan.stdout).toContain("breaking: no maintenance window is on (bluegreen:maintenance.enabled)");
    expect(plan.stderr).toContain(BLOCKED);
  }, 120_000);
});
