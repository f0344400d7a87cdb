/**
 * The release guard through Pulumi's real dynamic-provider host: its Check
 * sees the previous inputs (the last successful update) and the new ones,
 * and refuses at preview a breaking migration in production without the
 * maintenance page, and a hotfix that carries a new migration version.
 */
import { describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { releaseGuardInputs } from "../../components/guard/releaseGuard";
import type { ReleaseGuardInputs } from "../../components/guard/rules";
import type { Props } from "../../testkit/providerHost";
import { useReleaseGuardHost } from "./guardHost";

const TYPE = DYNAMIC_TYPES.releaseGuard.token;

function inputs(overrides: Partial<ReleaseGuardInputs> = {}): ReleaseGuardInputs & Props {
  return {
    app: "shop",
    environment: "production",
    migration: { version: "2026-11-01-orders", breaking: false },
    maintenance: false,
    ...overrides,
  };
}

const BREAKING = { version: "2026-11-30-split-orders", breaking: true };
const HOTFIX = { reason: "INC-42: checkout times out on large carts" };

describe("ReleaseGuard in the real dynamic-provider host", () => {
  const rig = useReleaseGuardHost();

  const check = async (olds: Props, news: Props) => (await rig.host.check(TYPE, rig.text, olds, news)).failures;

  it("GIVEN a breaking migration that runs in this production update WHEN maintenance is off THEN Check refuses naming bluegreen:maintenance.enabled", async () => {
    expect(await check(inputs(), inputs({ migration: BREAKING }))).toEqual([
      {
        property: "maintenance",
        reason:
          "migration 2026-11-30-split-orders is breaking (bluegreen:migration.breaking) and runs in this production update (2026-11-01-orders -> 2026-11-30-split-orders), but bluegreen:maintenance.enabled is not true: " +
          "old code cannot run on the new schema, so users must already get the maintenance page when it starts. " +
          "Open the window first: set bluegreen:maintenance.enabled to true with bluegreen:migration.version still 2026-11-01-orders and run `pulumi up`; " +
          "then change the migration in a second update, and close the window once the new color passed its gate. " +
          "Or split the change so that it only expands the schema and set bluegreen:migration.breaking to false.",
      },
    ]);
  });

  it("GIVEN the same breaking migration WHEN maintenance opens in the same update THEN Check refuses: the page would go up after the migration", async () => {
    const failures = await check(inputs(), inputs({ migration: BREAKING, maintenance: true }));
    expect(failures.map((f) => f.property)).toEqual(["maintenance"]);
    expect(failures[0].reason).toContain(
      "the maintenance window opens in this same update, and its page goes up only at the routing step, after the migration",
    );
  });

  it("GIVEN the window opened by an earlier update WHEN the breaking migration runs with it still on THEN Check passes", async () => {
    expect(await check(inputs({ maintenance: true }), inputs({ migration: BREAKING, maintenance: true }))).toEqual([]);
  });

  it("GIVEN the window opened by an earlier update WHEN the breaking migration runs and the window closes in the same update THEN Check refuses", async () => {
    const failures = await check(inputs({ maintenance: true }), inputs({ migration: BREAKING }));
    expect(failures.map((f) => f.property)).toEqual(["maintenance"]);
  });

  it("GIVEN a breaking migration that already ran WHEN maintenance goes off THEN Check passes: the migration does not run again", async () => {
    expect(await check(inputs({ migration: BREAKING, maintenance: true }), inputs({ migration: BREAKING }))).toEqual(
      [],
    );
  });

  it("GIVEN a new breaking migration outside production WHEN maintenance is off THEN Check passes", async () => {
    const staging = { environment: "staging" };
    expect(await check(inputs(staging), inputs({ ...staging, migration: BREAKING }))).toEqual([]);
  });

  it("GIVEN the guard's first update with a breaking migration in production THEN the migration counts as new and is refused", async () => {
    const failures = await check({}, inputs({ migration: BREAKING }));
    expect(failures.map((f) => f.property)).toEqual(["maintenance"]);
    expect(failures[0].reason).toContain("(none -> 2026-11-30-split-orders)");
  });

  it("GIVEN a hotfix WHEN bluegreen:migration.version changes THEN Check refuses naming bluegreen:release.hotfix and the fix", async () => {
    const news = inputs({ migration: { version: "2026-11-30-index", breaking: false }, hotfix: HOTFIX });
    expect(await check(inputs(), news)).toEqual([
      {
        property: "hotfix",
        reason:
          'bluegreen:release.hotfix is set ("INC-42: checkout times out on large carts") but bluegreen:migration.version changes (2026-11-01-orders -> 2026-11-30-index): ' +
          "a hotfix carries no new migration, so the flag cannot ride along with one. Ship the migration in a regular release without bluegreen:release.hotfix, " +
          "or keep bluegreen:migration.version at 2026-11-01-orders.",
      },
    ]);
  });

  it("GIVEN a hotfix that adds the first migration THEN Check refuses and says to remove bluegreen:migration", async () => {
    const failures = await check(inputs({ migration: undefined }), inputs({ hotfix: HOTFIX }));
    expect(failures.map((f) => f.property)).toEqual(["hotfix"]);
    expect(failures[0].reason).toMatch(/none -> 2026-11-01-orders.*remove bluegreen:migration for this hotfix\.$/);
  });

  it("GIVEN a hotfix with a breaking new migration and no maintenance THEN Check lists both refusals at once", async () => {
    const failures = await check(inputs(), inputs({ migration: BREAKING, hotfix: HOTFIX }));
    expect(failures.map((f) => f.property)).toEqual(["hotfix", "maintenance"]);
  });

  it("GIVEN a hotfix WHEN the migration version is unchanged or absent THEN Check passes", async () => {
    expect(await check(inputs(), inputs({ hotfix: HOTFIX }))).toEqual([]);
    expect(await check(inputs({ migration: undefined }), inputs({ migration: undefined, hotfix: HOTFIX }))).toEqual([]);
  });

  it("GIVEN malformed inputs THEN Check names each property", async () => {
    const failures = await check({}, { app: "", environment: 3, maintenance: "yes", migration: { version: "x" } });
    expect(failures.map((f) => f.property)).toEqual(["app", "environment", "maintenance", "migration"]);
  });

  it("records its inputs on create and update, and diffs only what it judges", async () => {
    const created = await rig.host.create(TYPE, rig.text, inputs());
    expect(created.id).toBe("shop-release-guard");
    expect(created.outs).toMatchObject(inputs());
    const next = inputs({ migration: BREAKING, maintenance: true });
    expect((await rig.host.diff(TYPE, rig.text, created.id, inputs(), inputs())).changes).toBe("none");
    expect((await rig.host.diff(TYPE, rig.text, created.id, inputs(), next)).changes).toBe("some");
    expect(await rig.host.update(TYPE, rig.text, created.id, inputs(), next)).toMatchObject(next);
  });
});

describe("releaseGuardInputs", () => {
  it("takes the environment, migration version and breaking flag, maintenance state and hotfix from the config", () => {
    const config = {
      app: { name: "shop" },
      environment: "production",
      migration: { version: "7", breaking: true, reversible: false },
      maintenance: { enabled: true, message: "m", retryAfterSeconds: 60 },
      release: { hotfix: HOTFIX },
    } as unknown as Parameters<typeof releaseGuardInputs>[0];
    expect(releaseGuardInputs(config)).toEqual({
      app: "shop",
      environment: "production",
      migration: { version: "7", breaking: true },
      maintenance: true,
      hotfix: HOTFIX,
    });
    const plain = { ...config, migration: undefined, release: {} } as typeof config;
    expect(releaseGuardInputs(plain)).toEqual({ app: "shop", environment: "production", maintenance: true });
  });
});
