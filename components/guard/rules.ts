/**
 * The release guard's rules: what an update may not do given what earlier
 * updates completed. Config validation sees one stack file; these need the
 * previous state too (which migration version already ran, whether the
 * maintenance window was already open), so the guard's Check runs them at
 * `pulumi preview`, before any step starts. The offline plan runs them too,
 * from a base plan (tooling/plan/guardCheck.ts), through `checkGuard` and
 * `deployedGuard`. Pure and dependency-free: the serialized provider carries
 * this module.
 */
import type { CheckFailure } from "../contracts/providerKit";

/** A migration as the guard judges it: `bluegreen:migration.version` and `.breaking`. */
export interface GuardedMigration {
  readonly version: string;
  readonly breaking: boolean;
}

/**
 * What the guard's record holds: the migration of the last update whose
 * migration step completed (the run and its checks), or `false` when that
 * update had no migration.
 */
export type CompletedMigration = GuardedMigration | false;

/** What the guard judges, taken from the stack config (see releaseGuard.ts). */
export interface ReleaseGuardInputs {
  readonly app: string;
  /** `bluegreen:environment`. */
  readonly environment: string;
  /** `bluegreen:migration.version` and `.breaking`; absent without a migration. @default none */
  readonly migration?: GuardedMigration;
  /** `bluegreen:maintenance.enabled`. */
  readonly maintenance: boolean;
  /** `bluegreen:release.hotfix`; absent for a regular release. @default none */
  readonly hotfix?: { readonly reason: string };
  /**
   * The guard's record (`<app>-release-guard-record`): the migration that last
   * completed. Written only after the migration step succeeded, so a failed run
   * leaves it where it was. Absent (or unknown at a first preview) while the
   * record holds nothing yet. @default none
   */
  readonly completedMigration?: CompletedMigration;
}

/** The state an update is judged against: what earlier updates completed. */
export interface PreviousRelease {
  /** The migration that last completed; absent when none did. */
  readonly migration?: GuardedMigration;
  /** `bluegreen:maintenance.enabled` as the guard last recorded it. */
  readonly maintenance: boolean;
}

/** The shape problems of raw inputs (what Check receives), before any rule. */
export function guardInputFailures(news: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const text = (value: unknown) => typeof value === "string" && value.length > 0;
  if (!text(news.app)) fail("app", "must be the app's name");
  if (!text(news.environment)) fail("environment", "must be the stack's bluegreen:environment");
  if (typeof news.maintenance !== "boolean") fail("maintenance", "must be true or false");
  if (news.migration !== undefined && !isGuardedMigration(news.migration))
    fail("migration", "must be { version, breaking } or absent");
  const hotfix = news.hotfix as Record<string, unknown> | undefined;
  if (hotfix !== undefined && !text(hotfix.reason)) fail("hotfix", "must be { reason } or absent");
  return failures;
}

function isGuardedMigration(value: unknown): value is GuardedMigration {
  const migration = value as Record<string, unknown> | null | undefined;
  return (
    typeof migration === "object" &&
    migration !== null &&
    typeof migration.version === "string" &&
    migration.version.length > 0 &&
    typeof migration.breaking === "boolean"
  );
}

/** A record's value; anything else (absent, or the engine's unknown marker at a first preview) is none. */
function asCompleted(value: unknown): CompletedMigration | undefined {
  if (value === false) return false;
  return isGuardedMigration(value) ? { version: value.version, breaking: value.breaking } : undefined;
}

/** What the record holds once an update with these inputs completed its migration step. */
export function recordedMigration(inputs: Pick<ReleaseGuardInputs, "migration">): CompletedMigration {
  return inputs.migration ? { version: inputs.migration.version, breaking: inputs.migration.breaking } : false;
}

/**
 * The migration that last completed: the record's, when it holds one; else
 * what the guard judged against last time (the record is new, or its first
 * write never came because that update failed); else, for a guard from
 * before the record, the migration it last let through (the best it knew).
 * Undefined on the guard's first update.
 */
export function lastCompletedMigration(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): CompletedMigration | undefined {
  const recorded = asCompleted(news.completedMigration) ?? asCompleted(olds.completedMigration);
  if (recorded !== undefined || typeof olds.app !== "string") return recorded;
  return isGuardedMigration(olds.migration) ? asCompleted(olds.migration) : false;
}

/**
 * What the guard's Check decides: the inputs it records (with the migration
 * it judged against) and its refusals. `olds` are its recorded inputs ({} on
 * its first update), `news` the new ones.
 */
export function checkGuard(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  const shape = guardInputFailures(news);
  if (shape.length > 0) return { inputs: news, failures: shape };
  const { completedMigration: _recordInput, ...rest } = news;
  const completed = lastCompletedMigration(olds, news);
  const inputs = { ...rest, ...(completed === undefined ? {} : { completedMigration: completed }) };
  const previous: PreviousRelease | undefined =
    typeof olds.app === "string" || completed !== undefined
      ? { ...(completed ? { migration: completed } : {}), maintenance: olds.maintenance === true }
      : undefined;
  return { inputs, failures: guardFailures(previous, inputs as unknown as ReleaseGuardInputs) };
}

/**
 * The guard as `pulumi preview` finds it once an update with `inputs`
 * completed: its recorded inputs and its record. What the offline plan
 * judges a change against when it takes a base plan as deployed.
 */
export function deployedGuard(inputs: ReleaseGuardInputs): {
  readonly olds: Record<string, unknown>;
  readonly completedMigration: CompletedMigration;
} {
  const completedMigration = recordedMigration(inputs);
  return { olds: { ...inputs, completedMigration }, completedMigration };
}

/**
 * Refuses, naming the key and the fix: a hotfix that carries a new migration
 * version, and a breaking migration that runs in production unless the
 * maintenance page was already on before this update and stays on. `previous`
 * is what earlier updates completed (undefined on the guard's first update:
 * a configured migration then counts as new, the window as closed).
 */
export function guardFailures(previous: PreviousRelease | undefined, news: ReleaseGuardInputs): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const migration = news.migration;
  const before = previous?.migration?.version;
  // Every input comes from the stack config, so all are known at preview.
  if (migration === undefined || migration.version === before) return failures;
  const change = `${before ?? "none"} -> ${migration.version}`;

  if (news.hotfix !== undefined) {
    failures.push({
      property: "hotfix",
      reason:
        `bluegreen:release.hotfix is set ("${news.hotfix.reason}") but bluegreen:migration.version changes (${change}): a hotfix carries no new migration, ` +
        `so the flag cannot ride along with one. Ship the migration in a regular release without bluegreen:release.hotfix, or ` +
        (before === undefined
          ? "remove bluegreen:migration for this hotfix."
          : `keep bluegreen:migration.version at ${before}.`),
    });
  }
  // The page goes up at the routing step, after the gates and so after this update's migration: a window
  // opened in the same update would come too late. It must already be on from an earlier update.
  const openBefore = previous?.maintenance === true;
  if (news.environment === "production" && migration.breaking && !(openBefore && news.maintenance)) {
    const state = !news.maintenance
      ? "bluegreen:maintenance.enabled is not true"
      : "the maintenance window opens in this same update, and its page goes up only at the routing step, after the migration";
    const keep =
      before === undefined ? "without bluegreen:migration" : `with bluegreen:migration.version still ${before}`;
    failures.push({
      property: "maintenance",
      reason:
        `migration ${migration.version} is breaking (bluegreen:migration.breaking) and runs in this production update (${change}), but ${state}: ` +
        "old code cannot run on the new schema, so users must already get the maintenance page when it starts. " +
        `Open the window first: set bluegreen:maintenance.enabled to true ${keep} and run \`pulumi up\`; then change the migration in a second update, ` +
        "and close the window once the new color passed its gate. Or split the change so that it only expands the schema and set bluegreen:migration.breaking to false.",
    });
  }
  return failures;
}
