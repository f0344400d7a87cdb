/**
 * The migration rehearsal, decided once for every platform: the scratch
 * copy's name, which of the scratch copies found are leftovers of an
 * interrupted run, and how the migration's connection is pointed at the copy.
 * Platforms restore the pre-migration snapshot under that name, run the
 * migration and `migration.validate` there with the overridden connection,
 * and remove the copy whatever happens. Pure.
 *
 * The connection overrides are the libpq variables and the URL most
 * migration tools read: PGHOST, PGPORT, PGDATABASE and DATABASE_URL. Other
 * variables (PGUSER, PGPASSWORD, the app's own settings) stay as they are:
 * the copy is restored from the real database's snapshot, so the same role
 * and password log in.
 */

/** Longest scratch name: a Postgres identifier (63 bytes) and an RDS instance identifier (63 characters). */
const MAX_NAME = 63;

/** `<app>-rehearsal-`: what every scratch copy of the app is named from, current or left over. */
export function rehearsalPrefix(app: string): string {
  return `${app}-rehearsal-`;
}

/**
 * `<app>-rehearsal-<version>`, lowercased, runs of other characters turned
 * into one '-', cut to 63 characters: valid as a database name and as an RDS
 * instance identifier (letters, digits, hyphens, starting with a letter; app
 * names start with a letter).
 */
export function rehearsalName(app: string, migrationVersion: string): string {
  const slug = migrationVersion
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `${rehearsalPrefix(app)}${slug}`.slice(0, MAX_NAME).replace(/-+$/, "");
}

/** The scratch copies among `names` (databases, instances): all of them are dropped before a new rehearsal starts. */
export function rehearsalLeftovers(app: string, names: readonly string[]): string[] {
  return names.filter((name) => name.startsWith(rehearsalPrefix(app)));
}

/** Where the scratch copy answers; what is absent stays as it is (local: the same server; AWS: the same database name). */
export interface ScratchTarget {
  readonly database?: string;
  readonly host?: string;
  readonly port?: number;
}

/**
 * The migration's environment pointed at the scratch copy: PGDATABASE (and
 * PGHOST/PGPORT when the copy is on another server) replaced, and a
 * DATABASE_URL rewritten to the same place with its user, password and
 * query kept. A DATABASE_URL that is not a URL is refused rather than passed
 * on: the migration would run against the real database.
 */
export function scratchEnv(env: Readonly<Record<string, string>>, target: ScratchTarget): Record<string, string> {
  const overrides: Record<string, string> = {
    ...(target.database === undefined ? {} : { PGDATABASE: target.database }),
    ...(target.host === undefined ? {} : { PGHOST: target.host }),
    ...(target.port === undefined ? {} : { PGPORT: String(target.port) }),
  };
  const url = env.DATABASE_URL;
  return { ...env, ...overrides, ...(url === undefined ? {} : { DATABASE_URL: scratchDatabaseUrl(url, target) }) };
}

/** `postgres://user:pw@host:5432/db?sslmode=require` → the same URL naming the scratch database (and host, port). */
export function scratchDatabaseUrl(url: string, target: ScratchTarget): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      "DATABASE_URL is not a URL (postgres://user:password@host:5432/database), so the rehearsal cannot point it at the scratch copy; " +
        "fix the variable, or set PGHOST/PGDATABASE instead of DATABASE_URL",
    );
  }
  if (target.host !== undefined) parsed.hostname = target.host;
  if (target.port !== undefined) parsed.port = String(target.port);
  if (target.database !== undefined) parsed.pathname = `/${encodeURIComponent(target.database)}`;
  return parsed.toString();
}

/**
 * A `sh` prelude for a DATABASE_URL the program never sees (injected from a
 * secret store when the container starts): the host and port of the URL are
 * rewritten from PGHOST and PGPORT, which the rehearsal sets as plain
 * overrides (user, password, database and query are kept), then the
 * command's own argv is `exec`ed. Needs `sh` and `sed` in the image; without
 * DATABASE_URL it changes nothing.
 */
export function secretUrlRewrite(command: readonly string[]): string[] {
  const script = [
    'if [ -n "${DATABASE_URL:-}" ]; then',
    '  DATABASE_URL=$(printf %s "$DATABASE_URL" | sed -E "s#@[^/?]*#@$PGHOST:$PGPORT#")',
    "  export DATABASE_URL",
    "fi",
    'exec "$@"',
  ].join("\n");
  return ["sh", "-c", script, "rehearsal", ...command];
}
