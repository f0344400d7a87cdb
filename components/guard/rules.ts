/**
 * The release guard's rules: what an update may not do given what the last
 * successful update deployed. Config validation sees one stack file; these
 * need the previous state too (which migration version already ran), so the
 * guard's Check runs them at `pulumi preview`, before any step starts. Pure
 * and dependency-free: the serialized provider carries this module.
 */
import type { CheckFailure } from "../contracts/providerKit";

/** What the guard judges, taken from the stack config (see releaseGuard.ts). */
export interface ReleaseGuardInputs {
  readonly app: string;
  /** `bluegreen:environment`. */
  readonly environment: string;
  /** `bluegreen:migration.version` and `.breaking`; absent without a migration. @default none */
  readonly migration?: { readonly version: string; readonly breaking: boolean };
  /** `bluegreen:maintenance.enabled`. */
  readonly maintenance: boolean;
  /** `bluegreen:release.hotfix`; absent for a regular release. @default none */
  readonly hotfix?: { readonly reason: string };
}

/** The shape problems of raw inputs (what Check receives), before any rule. */
export function guardInputFailures(news: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const text = (value: unknown) => typeof value === "string" && value.length > 0;
  if (!text(news.app)) fail("app", "must be the app's name");
  if (!text(news.environment)) fail("environment", "must be the stack's bluegreen:environment");
  if (typeof news.maintenance !== "boolean") fail("maintenance", "must be true or false");
  const migration = news.migration as Record<string, unknown> | undefined;
  if (migration !== undefined && (!text(migration.version) || typeof migration.breaking !== "boolean"))
    fail("migration", "must be { version, breaking } or absent");
  const hotfix = news.hotfix as Record<string, unknown> | undefined;
  if (hotfix !== undefined && !text(hotfix.reason)) fail("hotfix", "must be { reason } or absent");
  return failures;
}

/**
 * Refuses, naming the key and the fix: a hotfix that carries a new migration
 * version, and a breaking migration that runs in production unless the
 * maintenance page was already on before this update and stays on. `previous`
 * is what the last successful update recorded (undefined on the guard's first
 * update: a configured migration then counts as new, the window as closed).
 */
export function guardFailures(
  previous: Partial<ReleaseGuardInputs> | undefined,
  news: ReleaseGuardInputs,
): CheckFailure[] {
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
