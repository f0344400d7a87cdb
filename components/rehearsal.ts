/**
 * The migration rehearsal, decided once for every platform: the scratch
 * copy's name, which of the scratch copies found are leftovers of an
 * interrupted run, and how the migration's connection is pointed at the copy.
 * Platforms restore the pre-migration snapshot under that name, run the
 * migration and `migration.validate` there with the rewritten connection,
 * and remove the copy whatever happens. Pure.
 *
 * The connection is rewritten, or refused naming the form, wherever libpq
 * (and the drivers that read the same settings) would take it from:
 *
 * - `DATABASE_URL`, as a `postgresql://` URI (host list, unix-socket host,
 *   query parameters such as `host=`, `port=`, `user=`, `options=`) or a
 *   libpq `key=value` string; any other variable holding a
 *   `postgres(ql)://` URI the same way;
 * - `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `PGOPTIONS`;
 *   `PGHOSTADDR` (which libpq prefers to the host) is removed; a connection
 *   service (`PGSERVICE`, `service=`) is refused: its file sets the host.
 *
 * With {@link ScratchTarget.login} (AWS) the copy is reached with
 * credentials only it accepts (its master user, with a password set when it
 * was restored), and the migration keeps its own role: every connection
 * asks for `options=-c role=<the user it names>`, so what the migration
 * creates is owned by that role and its privileges are checked, as in the
 * real run (the login user must be a member of that role).
 *
 * The same rules exist twice: {@link rehearsalConnection} here, for an
 * environment the program knows, and {@link connectionPrelude}, a POSIX
 * sh + awk program that applies them inside the container to the
 * environment it really gets (secrets injected at start, variables the
 * image sets itself). test/rehearsal.test.ts holds both to the same table
 * and to each other on generated strings.
 */

import {
  movesDatabase,
  refuse,
  rewriteConnectionString,
  roleOptions,
  toBytes,
  toText,
  URI_DESIGNATOR,
} from "./connectionStrings";
import { checkScratchTarget, rehearsalPrefix, ScratchTarget } from "./rehearsalRuntime";

// The names and the in-container prelude live in rehearsalRuntime.ts (what a provider captures); one surface here.
export {
  connectionPrelude,
  PRELUDE_REFUSED,
  PRELUDE_VARIABLES,
  preludeEnvironment,
  rehearsalName,
  rehearsalPrefix,
} from "./rehearsalRuntime";
export type { RefusedForm, ScratchLogin, ScratchTarget } from "./rehearsalRuntime";
export { RefusedConnection } from "./connectionStrings";

/**
 * The scratch copies among `names` (databases, instances), by name alone.
 * A platform that can mark what it creates (AWS tags) deletes only what
 * carries its marks; see rdsRehearsal.ts.
 */
export function rehearsalLeftovers(app: string, names: readonly string[]): string[] {
  return names.filter((name) => name.startsWith(rehearsalPrefix(app)));
}

/** Names sh can export: other variables are only searched for the real host. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PRELUDE_PREFIX = "BLUEGREEN_REHEARSAL_";
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** What the rehearsal's connection does to an environment: variables set (or added), variables removed. */
export interface RehearsalConnection {
  readonly set: Record<string, string>;
  readonly unset: string[];
}

/**
 * The environment `env` pointed at the copy, or a {@link RefusedConnection}
 * for the first of (in this order): a connection service with a new host or
 * database; DATABASE_URL, then each other variable holding a
 * `postgres(ql)://` URI by name, that cannot be rewritten; no role to keep
 * (with a login); variables (named together) that still hold one of
 * `realHosts`, case-insensitively. Variables `BLUEGREEN_REHEARSAL_*` are the
 * prelude's own and left out.
 */
export function rehearsalConnection(
  env: Readonly<Record<string, string>>,
  target: ScratchTarget,
  realHosts: readonly string[] = [],
): RehearsalConnection {
  checkScratchTarget(target);
  if (movesDatabase(target) && env.PGSERVICE !== undefined) refuse("service", "PGSERVICE");
  const pgUser = env.PGUSER === undefined ? "" : toBytes(env.PGUSER);
  const names = Object.keys(env)
    .filter((name) => !name.startsWith(PRELUDE_PREFIX) && name !== "DATABASE_URL")
    .sort(byName);
  if (env.DATABASE_URL !== undefined) names.unshift("DATABASE_URL");
  const set: Record<string, string> = {};
  const unset: string[] = [];
  let firstRole = "";
  for (const name of names) {
    const value = toBytes(env[name]);
    if (value === "" || (name !== "DATABASE_URL" && !(IDENTIFIER.test(name) && URI_DESIGNATOR.test(value)))) continue;
    const rewritten = rewriteConnectionString(name, value, target, pgUser);
    set[name] = toText(rewritten.value);
    if (firstRole === "") firstRole = rewritten.role;
  }
  if (target.host !== undefined) {
    set.PGHOST = target.host;
    if (target.port !== undefined) set.PGPORT = String(target.port);
    if (env.PGHOSTADDR !== undefined) unset.push("PGHOSTADDR");
  }
  if (target.database !== undefined) set.PGDATABASE = target.database;
  if (target.login !== undefined) {
    const role = pgUser !== "" ? pgUser : firstRole;
    if (role === "") refuse("no-role", "PGUSER");
    set.PGUSER = target.login.user;
    set.PGPASSWORD = target.login.password;
    set.PGOPTIONS = toText(roleOptions(role, env.PGOPTIONS === undefined ? undefined : toBytes(env.PGOPTIONS)));
  }
  const hosts = realHosts.map((host) => host.toLowerCase()).filter((host) => host !== "");
  const after: Record<string, string> = { ...env, ...set };
  for (const name of unset) delete after[name];
  const naming = Object.keys(after)
    .filter((name) => !name.startsWith(PRELUDE_PREFIX))
    .filter((name) => hosts.some((host) => toBytes(after[name]).toLowerCase().includes(host)))
    .sort(byName);
  if (naming.length > 0) refuse("real-host", naming.join(", "));
  return { set, unset };
}

/**
 * The migration's environment pointed at the scratch copy
 * ({@link rehearsalConnection} applied): PGDATABASE (and PGHOST/PGPORT when
 * the copy is on another server) replaced, PGHOSTADDR removed with a new
 * host, DATABASE_URL and every other `postgres(ql)://` variable rewritten to
 * the same place keeping what the target does not change (user, password,
 * query), and with a `login` the copy's credentials and the migration's
 * role. What cannot be rewritten is refused ({@link RefusedConnection})
 * rather than passed on: the migration would run against the real database.
 */
export function scratchEnv(env: Readonly<Record<string, string>>, target: ScratchTarget): Record<string, string> {
  const { set, unset } = rehearsalConnection(env, target);
  const out: Record<string, string> = { ...env, ...set };
  for (const name of unset) delete out[name];
  return out;
}

/**
 * One connection string pointed at the scratch copy: a `postgresql://` URI
 * (`postgres://user:pw@host:5432/db?sslmode=require` → the same URI naming
 * the copy's database, host and port; `host=`, `port=`, `dbname=` parameters
 * that would override them removed) or a libpq `key=value` string; anything
 * else is refused. `fallbackRole`: the role kept with `target.login` when the
 * string names no user (the migration's PGUSER).
 */
export function scratchDatabaseUrl(url: string, target: ScratchTarget, fallbackRole = ""): string {
  checkScratchTarget(target);
  return toText(rewriteConnectionString("DATABASE_URL", toBytes(url), target, toBytes(fallbackRole)).value);
}
