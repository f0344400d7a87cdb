/**
 * The local platform's migration rehearsal and validation as POSIX sh
 * scripts (pure string builders, run by OneShotCommand on the host): the
 * pre-migration pg_dump restored into a scratch database of the same
 * Postgres, the migration and every `migration.validate` check run there,
 * and the scratch database dropped whatever happens. The programs that do
 * each part (psql as the superuser, the restore, the migration, the checks)
 * are given as argv, so the platform wraps them in `docker exec`/`docker
 * run` and tests run them directly against a real Postgres.
 */
import type { MigrationConfig } from "../config/schema";
import { rehearsalPrefix } from "../rehearsal";
import { shQuote } from "./postgresScripts";

export type ValidationCheck = MigrationConfig["validate"][number];

export interface RehearsalSteps {
  readonly app: string;
  /** The scratch database, from rehearsalName. */
  readonly scratch: string;
  /** Role that owns the scratch database: the migration role, as it owns the real one. */
  readonly owner: string;
  /** argv of psql as the superuser on a maintenance database, SQL on stdin (e.g. `docker exec -i --user postgres <container> psql`). */
  readonly admin: readonly string[];
  /** argv restoring the snapshot into $PGDATABASE (see scratchRestoreScript). */
  readonly restore: readonly string[];
  /** The migration's argv. */
  readonly migration: readonly string[];
  /** The checks, each as its own argv. */
  readonly validations: readonly ValidationCheck[];
}

const argv = (command: readonly string[]) => command.map(shQuote).join(" ");

/**
 * Drops every `<app>-rehearsal-*` database (leftovers of a run that was
 * killed), creates the scratch database, restores the snapshot, runs the
 * migration and the checks; the EXIT trap drops the scratch database on
 * success, failure, timeout (SIGTERM) or Ctrl-C. The connection variables
 * of the environment must already name the scratch database (scratchEnv):
 * nothing here can reach the real one except the superuser's DDL on the
 * scratch names.
 */
export function rehearsalScript(steps: RehearsalSteps): string {
  return [
    "set -eu",
    `scratch=${shQuote(steps.scratch)}`,
    `admin() { ${argv(steps.admin)} -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }`,
    `drop() { printf '%s\\n' 'DROP DATABASE IF EXISTS :"name" WITH (FORCE);' | admin -v name="$1"; }`,
    `leftovers=$(printf '%s\\n' "SELECT datname FROM pg_database WHERE starts_with(datname, :'prefix') ORDER BY 1;" | admin -v prefix=${shQuote(rehearsalPrefix(steps.app))})`,
    "printf '%s\\n' \"$leftovers\" | while IFS= read -r leftover; do",
    '  [ -n "$leftover" ] || continue',
    '  echo "rehearsal: dropping $leftover, left over by an interrupted rehearsal"',
    '  drop "$leftover"',
    "done",
    "finish() {",
    "  status=$?",
    "  trap - EXIT",
    '  if drop "$scratch"; then echo "rehearsal: dropped the scratch database"; else',
    '    echo "rehearsal: could not drop the scratch database; the next rehearsal drops it" >&2; fi',
    '  exit "$status"',
    "}",
    "trap finish EXIT",
    "trap 'exit 143' TERM",
    "trap 'exit 130' INT",
    "trap 'exit 129' HUP",
    `printf '%s\\n' 'CREATE DATABASE :"name" OWNER :"owner";' | admin -v name="$scratch" -v owner=${shQuote(steps.owner)}`,
    'echo "rehearsal: restoring the pre-migration snapshot into the scratch database"',
    argv(steps.restore),
    'echo "rehearsal: running the migration on the scratch copy"',
    `if ! ${argv(steps.migration)}; then`,
    '  echo "rehearsal: the migration failed on the scratch copy; the real database was not touched" >&2',
    "  exit 1",
    "fi",
    ...checkLines(steps.validations, "on the scratch copy; the real database was not touched"),
    'echo "rehearsal: the migration and its checks passed on the scratch copy"',
    "",
  ].join("\n");
}

/** Runs the checks in order against the database the environment names; the first failure names the check and stops. */
export function validationScript(validations: readonly ValidationCheck[]): string {
  return [
    "set -eu",
    ...checkLines(validations, "after the migration"),
    'echo "validation: every check passed"',
    "",
  ].join("\n");
}

function checkLines(validations: readonly ValidationCheck[], where: string): string[] {
  return validations.flatMap(({ name, command }) => [
    `echo ${shQuote(`validation ${name}: running`)}`,
    `if ${argv(command)}; then echo ${shQuote(`validation ${name}: passed`)}; else`,
    `  status=$?; echo "validation ${name}: FAILED with exit code $status ${where}" >&2; exit 1`,
    "fi",
  ]);
}

/**
 * Restores `file` into the fresh scratch database $PGDATABASE in one
 * transaction, without owners and grants: the connecting role (the
 * migration role, owner of the scratch database) owns what it restores, as
 * it owns the real schema.
 */
export function scratchRestoreScript(file: string): string {
  return [
    "set -eu",
    `file=${shQuote(file)}`,
    'if [ ! -f "$file" ]; then echo "rehearsal: snapshot $file not found; the snapshot step writes it before the rehearsal" >&2; exit 1; fi',
    'exec pg_restore --single-transaction --no-owner --no-acl --dbname="$PGDATABASE" "$file"',
    "",
  ].join("\n");
}
