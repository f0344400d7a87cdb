/**
 * The release guard judges against the migration that last completed: its
 * record, written only after the migration step succeeded (see
 * components/guard/releaseGuard.ts; the real engine proves the writing in
 * test/engine/guardRecord.test.ts). Here: which migration the guard takes as
 * completed (pure), its Check in Pulumi's real dynamic-provider host after a
 * failed migration (a hotfix carrying that version, a breaking one re-run
 * outside its window), and the record's providers, which never drop it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import {
  checkGuard,
  CompletedMigration,
  deployedGuard,
  lastCompletedMigration,
  recordedMigration,
  ReleaseGuardInputs,
} from "../../components/guard/rules";
import { Props, ProviderHost } from "../../testkit/providerHost";
import { useReleaseGuardHost } from "./guardHost";
import { serializeProviderModule } from "../../testkit/serializeModule";

const SHIPPED = { version: "2026-11-20-orders-index", breaking: false };
const FAILED = { version: "2026-12-01-index", breaking: false };
const BREAKING = { version: "2026-12-01-split-orders", breaking: true };
const HOTFIX = { reason: "INC-42: checkout times out on large carts" };
/** The engine's marker for a value unknown at preview (a record created in this update). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function inputs(overrides: Partial<ReleaseGuardInputs> = {}): ReleaseGuardInputs & Props {
  return { app: "api", environment: "production", migration: SHIPPED, maintenance: false, ...overrides };
}
/** What the guard recorded in an update whose migration then failed: the new version, judged against `completed`. */
const afterFailure = (
  migration: typeof FAILED,
  completed: CompletedMigration,
  overrides: Partial<ReleaseGuardInputs> = {},
) => inputs({ migration, completedMigration: completed, ...overrides });

describe("which migration the guard takes as completed (pure)", () => {
  it.each<[string, Props, Props, CompletedMigration | undefined]>([
    [
      "the record, over the version the guard last let through",
      afterFailure(FAILED, SHIPPED),
      { completedMigration: SHIPPED },
      SHIPPED,
    ],
    ["the record's `false`: the last completed update had none", inputs(), { completedMigration: false }, false],
    [
      "what the guard judged against last time, while the record is unknown (a first preview)",
      afterFailure(FAILED, SHIPPED),
      { completedMigration: UNKNOWN },
      SHIPPED,
    ],
    [
      "what the guard judged against last time, while the record is empty (its first write failed)",
      afterFailure(FAILED, SHIPPED),
      {},
      SHIPPED,
    ],
    ["a guard from before the record: the migration it last let through", inputs(), {}, SHIPPED],
    ["a guard from before the record, without a migration", inputs({ migration: undefined }), {}, false],
    ["nothing on the guard's first update", {}, {}, undefined],
    [
      "the record on the guard's first update (the guard renamed, the record kept)",
      {},
      { completedMigration: SHIPPED },
      SHIPPED,
    ],
  ])("%s", (_case, olds, news, expected) => {
    expect(lastCompletedMigration(olds, news)).toEqual(expected);
  });

  it("recordedMigration: the update's migration without anything else, or false", () => {
    expect(recordedMigration(inputs({ migration: BREAKING, hotfix: HOTFIX }))).toEqual(BREAKING);
    expect(recordedMigration(inputs({ migration: undefined }))).toBe(false);
  });

  it("deployedGuard: the state an update leaves once it completed is judged like a guard that recorded it", () => {
    const base = inputs({ migration: BREAKING, maintenance: true });
    const { olds, completedMigration } = deployedGuard(base);
    expect(completedMigration).toEqual(BREAKING);
    expect(checkGuard(olds, { ...inputs({ migration: BREAKING }), completedMigration }).failures).toEqual([]);
    expect(checkGuard(olds, { ...inputs(), completedMigration }).failures).toEqual([]);
  });
});

describe("the guard's Check with its record, in the real dynamic-provider host", () => {
  const TYPE = DYNAMIC_TYPES.releaseGuard.token;
  const rig = useReleaseGuardHost();
  const check = (olds: Props, news: Props) => rig.host.check(TYPE, rig.text, olds, news);

  it("GIVEN a migration that failed WHEN a hotfix keeps its version THEN Check refuses: it would run in the hotfix", async () => {
    const { failures } = await check(afterFailure(FAILED, SHIPPED), {
      ...inputs({ migration: FAILED, hotfix: HOTFIX }),
      completedMigration: SHIPPED,
    });
    expect(failures).toEqual([
      {
        property: "hotfix",
        reason:
          'bluegreen:release.hotfix is set ("INC-42: checkout times out on large carts") but bluegreen:migration.version changes (2026-11-20-orders-index -> 2026-12-01-index): ' +
          "a hotfix carries no new migration, so the flag cannot ride along with one. Ship the migration in a regular release without bluegreen:release.hotfix, " +
          "or keep bluegreen:migration.version at 2026-11-20-orders-index.",
      },
    ]);
  });

  it("GIVEN a breaking migration that failed inside its window WHEN the window closes with that version THEN Check refuses", async () => {
    const olds = afterFailure(BREAKING, SHIPPED, { maintenance: true });
    const { failures } = await check(olds, { ...inputs({ migration: BREAKING }), completedMigration: SHIPPED });
    expect(failures.map((f) => f.property)).toEqual(["maintenance"]);
    expect(failures[0].reason).toContain(
      "migration 2026-12-01-split-orders is breaking (bluegreen:migration.breaking) and runs in this production update (2026-11-20-orders-index -> 2026-12-01-split-orders), but bluegreen:maintenance.enabled is not true",
    );
  });

  it("GIVEN the same failure WHEN the window stays open THEN Check passes: the migration runs again inside it", async () => {
    const olds = afterFailure(BREAKING, SHIPPED, { maintenance: true });
    const news = { ...inputs({ migration: BREAKING, maintenance: true }), completedMigration: SHIPPED };
    expect((await check(olds, news)).failures).toEqual([]);
  });

  it("GIVEN the breaking migration completed (the record holds it) WHEN the window closes THEN Check passes", async () => {
    const olds = inputs({ migration: BREAKING, maintenance: true, completedMigration: SHIPPED });
    const news = { ...inputs({ migration: BREAKING }), completedMigration: BREAKING };
    expect((await check(olds, news)).failures).toEqual([]);
  });

  it("records the migration it judged against, so an update that fails before the record's first write is judged the same next time", async () => {
    const legacy = inputs();
    const first = await check(legacy, inputs({ migration: FAILED }));
    expect(first.failures).toEqual([]);
    expect(first.inputs).toMatchObject({ migration: FAILED, completedMigration: SHIPPED });
    const next = await check(first.inputs, {
      ...inputs({ migration: FAILED, hotfix: HOTFIX }),
      completedMigration: UNKNOWN,
    });
    expect(next.failures.map((f) => f.property)).toEqual(["hotfix"]);
  });
});

describe("the record's providers never drop it", () => {
  const RECORD = DYNAMIC_TYPES.releaseGuardRecord.token;
  const COMPLETED = DYNAMIC_TYPES.migrationCompleted.token;
  let host: ProviderHost;
  let record: string;
  let completed: string;
  beforeAll(async () => {
    [host, record, completed] = await Promise.all([
      ProviderHost.start(),
      serializeProviderModule("components/guard/recordProviders.ts", "releaseGuardRecordProvider"),
      serializeProviderModule("components/guard/recordProviders.ts", "migrationCompletedProvider"),
    ]);
  });
  afterAll(() => host.stop());

  it("the record starts empty, has no change while the app keeps its name, and keeps what was written through a rename", async () => {
    const created = await host.create(RECORD, record, { app: "api" });
    expect(created).toEqual({ id: "api-release-guard-record", outs: { app: "api" } });
    const written = { app: "api", migration: SHIPPED };
    expect((await host.diff(RECORD, record, created.id, written, { app: "api" })).changes).toBe("none");
    const renamed = await host.diff(RECORD, record, created.id, written, { app: "shop" });
    expect(renamed).toMatchObject({ changes: "some", replaces: [] });
    expect(await host.update(RECORD, record, created.id, written, { app: "shop" })).toEqual({
      app: "shop",
      migration: SHIPPED,
    });
  });

  it("MigrationCompleted changes only with the migration, never by replacement, and holds it", async () => {
    const props = { app: "api", migration: SHIPPED };
    expect((await host.create(COMPLETED, completed, props)).outs).toEqual(props);
    expect((await host.diff(COMPLETED, completed, "id", props, props)).changes).toBe("none");
    const next = { app: "api", migration: FAILED };
    expect(await host.diff(COMPLETED, completed, "id", props, next)).toMatchObject({ changes: "some", replaces: [] });
    expect((await host.check(COMPLETED, completed, {}, { app: "api" })).failures.map((f) => f.property)).toEqual([
      "migration",
    ]);
  });
});
