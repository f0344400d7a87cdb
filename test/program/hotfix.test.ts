/**
 * The release guard and a hotfix in the real program, under deterministic
 * mocks, on every shipped platform: the guard comes before every step, a
 * hotfix takes its emergency snapshot `<app>-hotfix-<version>` (migration or
 * not) before the candidate starts, the gates get `hotfix`, and the stack
 * outputs show HOTFIX with the reason.
 */
import { describe, expect, it } from "vitest";
import { CLOUD_TYPES, DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { ProgramRun, runProgram } from "../../tooling/engine/offlineProgram";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { named, ofType, waitsFor } from "./graph";

const REASON = "INC-42: checkout times out on large carts";
const HOTFIX = { "bluegreen:release": { hotfix: { reason: REASON } } };

/** The stack with green as a patch release of blue's version (local ships one already). */
function patchRelease(stack: string): Record<string, unknown> {
  const values = readStackConfig(stack).values;
  const blue = JSON.parse(values["bluegreen:blue"]) as { version: string; image: string };
  if (stack === "local") return {};
  const [major, minor, patch] = blue.version.split(".").map(Number);
  const version = `${major}.${minor}.${patch + 1}`;
  const green = JSON.parse(values["bluegreen:green"]) as Record<string, unknown>;
  return { "bluegreen:green": { ...green, version, image: blue.image.replace(blue.version, version) } };
}

const guardOf = (run: ProgramRun) => named(run, "api-release-guard");

describe.each([
  {
    stack: "local",
    steps: ["api-pre-migration-snapshot", "api-migration-run"],
    snapshot: "api-hotfix-snapshot",
    version: "1.10.3",
    green: "api-green-container",
  },
  {
    stack: "production",
    steps: ["api-pre-migration", "api-migration"],
    snapshot: "api-hotfix-snapshot",
    version: "1.4.3",
    green: "api-green-service",
  },
  {
    stack: "kube-staging",
    steps: ["api-pre-migration", "api-migration"],
    snapshot: "api-hotfix-snapshot",
    version: "1.4.3",
    green: "api-green-deployment",
  },
])("$stack", ({ stack, steps, snapshot, version, green }) => {
  it("registers the release guard with the config it judges, and every snapshot and the migration wait for it", async () => {
    const run = await runProgram(stack);
    const guard = guardOf(run);
    expect(guard.type).toBe(DYNAMIC_TYPES.releaseGuard.token);
    expect(guard.inputs).toMatchObject({ app: "api", maintenance: false, migration: { breaking: false } });
    expect(guard.inputs.hotfix).toBeUndefined();
    for (const step of steps) expect(waitsFor(run, named(run, step), guard), step).toBe(true);
    expect(run.resources.filter((r) => r.name.includes("hotfix"))).toEqual([]);
    expect(run.outputs.hotfix).toBeUndefined();
  });

  it(`with bluegreen:release.hotfix takes the emergency snapshot api-hotfix-${version.replace(/\./g, "-")} after the guard and before the candidate, and tells the gates`, async () => {
    const run = await runProgram(stack, { overrides: { ...HOTFIX, ...patchRelease(stack) } });
    const guard = guardOf(run);
    expect(guard.inputs.hotfix).toEqual({ reason: REASON });
    const snapshotId = `api-hotfix-${version.replace(/\./g, "-")}`;
    const emergency = run.resources.filter((r) => r.name.startsWith("api-hotfix"));
    expect(emergency.length).toBeGreaterThan(0);
    const step = named(run, snapshot);
    expect(waitsFor(run, step, guard)).toBe(true);
    expect(waitsFor(run, named(run, green), step)).toBe(true);
    if (stack === "local") {
      expect(step.inputs).toMatchObject({
        runKey: snapshotId,
        description: `emergency snapshot ${snapshotId} (hotfix)`,
      });
    } else {
      const [rds] = [...ofType(run, CLOUD_TYPES.rdsSnapshot), ...ofType(run, CLOUD_TYPES.rdsClusterSnapshot)].filter(
        (r) => r.name.startsWith("api-hotfix"),
      );
      expect(rds.inputs).toMatchObject({ tags: { "bluegreen:purpose": "hotfix" } });
      expect(rds.inputs.dbSnapshotIdentifier ?? rds.inputs.dbClusterSnapshotIdentifier).toBe(snapshotId);
    }
    for (const color of ["blue", "green"]) expect(named(run, `api-${color}-gate-check`).inputs.hotfix).toBe(true);
    expect(run.outputs.hotfix).toEqual({ reason: REASON, snapshotId });
  });
});
