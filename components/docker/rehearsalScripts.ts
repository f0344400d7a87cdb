/**
 * The local platform's migration rehearsal and validation as POSIX sh
 * scripts (pure string builders, run by OneShotCommand on the host).
 *
 * The rehearsal is isolated by credentials and network, never by the
 * migration's environment alone: it starts a scratch Postgres server of its
 * own, on a network that reaches nothing else, creates the app's roles there
 * under their real names with fresh passwords that only this server
 * accepts, restores the pre-migration snapshot into it as the superuser
 * (owners and grants kept, so the migration sees the same roles and
 * ownership as on the real database), and runs the migration and every
 * `migration.validate` check against it. A migration that connects to the
 * real database anyway (by its host, its name, its address, a URL of its
 * own) finds nothing there and fails, failing the rehearsal; the real
 * database is never reachable with what the rehearsal holds.
 *
 * Whatever happens (success, failure, timeout, a migration that ignores
 * SIGTERM, Ctrl-C), the EXIT trap kills the run in flight and removes the
 * scratch server with its sessions and its copy in the same run: the
 * migration runs in the background and the script `wait`s, so a signal is
 * handled at once. Leftovers of a run killed outright are found by the
 * marks the server carries (stack, app, purpose) and removed at the start of
 * the next rehearsal; anything named like a scratch copy without those marks
 * is reported and never touched.
 *
 * The programs that do each part are given as argv (ScratchServer), so the
 * platform wraps them in `docker` and tests run them against real Postgres
 * servers in their own network namespaces.
 */
import type { MigrationConfig } from "../config/schema";
import { STEP_REPORT_TAG } from "../contracts/stepReports";
import type { DatabaseRoles } from "./postgresRoles";
import { shQuote } from "./postgresScripts";

export type ValidationCheck = MigrationConfig["validate"][number];

/** How the rehearsal reaches and manages its scratch server. Every argv runs on the host. */
export interface ScratchServer {
  /** Starts the empty server, carrying this run's marks; `POSTGRES_PASSWORD` in the environment is its superuser's. */
  readonly start: readonly string[];
  /** psql as the scratch server's superuser on a maintenance database, SQL on stdin. */
  readonly admin: readonly string[];
  /** Restores the snapshot into the scratch database as the superuser, owners and grants kept. */
  readonly restore: readonly string[];
  /** Kills the migration or check container in flight, if any; succeeds when there is none. */
  readonly stopRun: readonly string[];
  /** Removes the server this run started, with its sessions, its data and its network; only what carries its marks. */
  readonly remove: readonly string[];
  /** Prints the names of earlier scratch servers carrying this stack's and app's marks, one a line. */
  readonly leftovers: readonly string[];
  /** Removes the leftover named by its last argument (appended); only if it carries the marks. */
  readonly removeLeftover: readonly string[];
  /** Prints things named like a scratch copy that do not carry this stack's marks: reported, never touched. */
  readonly strangers: readonly string[];
  /** Where the migration's clients reach the server: a host name or a unix socket directory, and a port. */
  readonly host: string;
  readonly port: number;
}

export interface RehearsalSteps {
  /** The scratch database, from rehearsalName; also the scratch server's name. */
  readonly scratch: string;
  /** The version rehearsed, for the report. */
  readonly migrationVersion: string;
  /** The app's roles, created under the same names on the scratch server. */
  readonly roles: DatabaseRoles;
  /** SQL run after the roles are created, as on the real server (the migration role's lock and statement timeouts). @default none */
  readonly roleSettings?: readonly string[];
  readonly server: ScratchServer;
  /** The migration's argv, run where only the scratch server is reachable (the platform's wrapper). */
  readonly migration: readonly string[];
  /** The checks, each as its own argv, run like the migration. */
  readonly validations: readonly ValidationCheck[];
}

const argv = (command: readonly string[]) => command.map(shQuote).join(" ");

/** What the migration is told when it failed on the copy: why a connection to the real database cannot work here. */
const ISOLATION =
  "the rehearsal's network reaches only the scratch copy and its passwords log in nowhere else, so a migration that " +
  "connects to the real database (by its host, its name, its address or a URL of its own) fails here; the real database was not touched";

/**
 * The rehearsal: leftovers removed (ours) or reported (anyone else's), the
 * scratch server started with the app's roles and fresh passwords, the
 * snapshot restored into it, the migration and the checks run against it,
 * and the server removed whatever happens.
 */
export function rehearsalScript(steps: RehearsalSteps): string {
  const { server, roles, scratch } = steps;
  return [
    "set -eu",
    `scratch=${shQuote(scratch)}`,
    `admin() { ${argv(server.admin)} -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }`,
    // Hex from the kernel's generator: a password the real database has never seen, and nothing for SQL to quote.
    "secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \\n'; }",
    `${argv(server.leftovers)} | while IFS= read -r leftover; do`,
    '  [ -n "$leftover" ] || continue',
    '  echo "rehearsal: removing $leftover, left over by an interrupted rehearsal of this stack"',
    `  ${argv(server.removeLeftover)} "$leftover"`,
    "done",
    `${argv(server.strangers)} | while IFS= read -r stranger; do`,
    '  [ -n "$stranger" ] || continue',
    '  echo "rehearsal: not removing $stranger: named like a scratch copy, but not marked as one of this stack\'s rehearsals (remove it yourself if it is yours)" >&2',
    "done",
    "running=",
    "sampler=",
    'locks=$(mktemp "${TMPDIR:-/tmp}/bluegreen-locks.XXXXXX")',
    ...SAMPLER_FUNCTIONS,
    "finish() {",
    "  status=$?",
    "  trap - EXIT",
    '  if [ -n "$running" ]; then kill -KILL "$running" 2>/dev/null || true; fi',
    "  stop_sampler",
    '  rm -f "$locks"',
    `  ${argv(server.stopRun)} >/dev/null 2>&1 || true`,
    `  if ${argv(server.remove)} >/dev/null 2>&1; then echo "rehearsal: removed the scratch server, its sessions and its copy"; else`,
    '    echo "rehearsal: could not remove the scratch server; the next rehearsal removes it" >&2; fi',
    '  exit "$status"',
    "}",
    "trap finish EXIT",
    "trap 'exit 143' TERM",
    "trap 'exit 130' INT",
    "trap 'exit 129' HUP",
    'echo "rehearsal: starting scratch server $scratch, which reaches nothing else"',
    `POSTGRES_PASSWORD=$(secret) ${argv(server.start)} >/dev/null`,
    "tries=0",
    "until printf 'SELECT 1;\\n' | admin >/dev/null 2>&1; do",
    "  tries=$((tries + 1))",
    '  if [ "$tries" -ge 240 ]; then echo "rehearsal: the scratch server did not accept connections within 60 s" >&2; exit 1; fi',
    "  sleep 0.25",
    "done",
    "migration_password=$(secret)",
    // Variables set on stdin, never on a command line: `ps` shows no password.
    "{",
    `  printf '\\\\set migration %s\\n' ${shQuote(roles.migration)}`,
    `  printf '\\\\set app %s\\n' ${shQuote(roles.app)}`,
    "  printf '\\\\set password %s\\n' \"$migration_password\"",
    "  printf '\\\\set database %s\\n' \"$scratch\"",
    "  printf '%s\\n' " +
      shQuote(
        "CREATE ROLE :\"migration\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password'; " +
          'CREATE ROLE :"app" NOLOGIN; CREATE DATABASE :"database" OWNER :"migration";',
      ),
    ...(steps.roleSettings ?? []).map((sql) => `  printf '%s\\n' ${shQuote(sql)}`),
    "} | admin",
    'echo "rehearsal: restoring the pre-migration snapshot into the scratch copy (owners and grants as on the real database)"',
    argv(server.restore),
    `export PGHOST=${shQuote(server.host)} PGPORT=${server.port} PGDATABASE="$scratch" PGUSER=${shQuote(roles.migration)} PGPASSWORD="$migration_password"`,
    ...databaseUrlLines(server, roles),
    // In the background, so a signal reaches the trap at once instead of after the run.
    "run() {",
    '  "$@" &',
    "  running=$!",
    "  status=0",
    '  wait "$running" || status=$?',
    "  running=",
    '  return "$status"',
    "}",
    'echo "rehearsal: running the migration on the scratch copy"',
    ...lockSampler(server.admin, roles),
    "started_ms=$(now_ms)",
    "migrated=0",
    `run ${argv(steps.migration)} || migrated=$?`,
    "ended_ms=$(now_ms)",
    "stop_sampler",
    ...reportLines(steps.migrationVersion),
    'if [ "$migrated" -ne 0 ]; then',
    `  echo ${shQuote(`rehearsal: the migration failed on the scratch copy ${scratch}: ${ISOLATION}`)} >&2`,
    "  exit 1",
    "fi",
    ...checkLines(steps.validations, "on the scratch copy; the real database was not touched", "run "),
    'echo "rehearsal: the migration and its checks passed on the scratch copy"',
    "",
  ].join("\n");
}

/** The lock sampler's session, by its application name. */
const SAMPLER = "bluegreen-lock-sampler";

/** `now_ms`, the copy's clock, and `stop_sampler`: defined before the EXIT trap that calls the latter. */
const SAMPLER_FUNCTIONS = [
  "now_ms() { printf 'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint;\\n' | admin; }",
  // Ended from the server's side: a signal does not reliably reach a psql behind `docker exec` or `runuser`.
  "stop_sampler() {",
  '  [ -n "$sampler" ] || return 0',
  `  printf '%s\\n' ${shQuote(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${SAMPLER}';`)} | admin >/dev/null 2>&1 || true`,
  '  wait "$sampler" 2>/dev/null || true',
  "  sampler=",
  "}",
];

/** How often the rehearsal samples the locks the migration holds. */
export const LOCK_SAMPLE_MS = 50;

/**
 * A psql `\\watch` in the background, on the scratch database, writing every
 * LOCK_SAMPLE_MS `time|schema.table|mode` for each lock a session of the
 * migration role holds on a table; and `now_ms`, the copy's clock.
 */
function lockSampler(admin: readonly string[], roles: DatabaseRoles): string[] {
  const query =
    "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint, n.nspname || '.' || c.relname, l.mode " +
    "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace " +
    "JOIN pg_stat_activity a ON a.pid = l.pid " +
    "WHERE l.granted AND a.usename = :'migration' AND c.relkind IN ('r', 'p', 'm') " +
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema');";
  return [
    "{",
    `  printf '%s\\n' ${shQuote(`SET application_name = '${SAMPLER}';`)}`,
    `  printf '\\\\set migration %s\\n' ${shQuote(roles.migration)}`,
    `  printf '%s\\n' ${shQuote(query)}`,
    `  printf '\\\\watch %s\\n' ${LOCK_SAMPLE_MS / 1000}`,
    // The admin command itself in the background (no function, no subshell between), so `kill` reaches it.
    `} | ${argv(admin)} -X -q -A -t -d "$scratch" > "$locks" 2>/dev/null &`,
    "sampler=$!",
  ];
}

/** The report line: the migration's duration by the copy's clock, and each lock held, first to last sample. */
function reportLines(migrationVersion: string): string[] {
  const awk = [
    'BEGIN { FS = "|" }',
    'NF == 3 { key = $2 "|" $3; if (!(key in first)) { first[key] = $1; order[++n] = key } last[key] = $1 }',
    "END {",
    `  printf "{\\"kind\\":\\"migration-rehearsal\\",\\"migrationVersion\\":\\"%s\\",\\"durationMs\\":%d,\\"sampledEveryMs\\":${LOCK_SAMPLE_MS},\\"locks\\":[", version, duration`,
    '  for (i = 1; i <= n; i++) { split(order[i], k, "|"); gsub(/[\\\\"]/, "", k[1]); gsub(/[\\\\"]/, "", k[2])',
    `    printf "%s{\\"table\\":\\"%s\\",\\"mode\\":\\"%s\\",\\"heldMs\\":%d}", (i > 1 ? "," : ""), k[1], k[2], last[order[i]] - first[order[i]] + ${LOCK_SAMPLE_MS} }`,
    '  printf "]}\\n"',
    "}",
  ].join("\n");
  return [
    `printf '%s ' ${shQuote(STEP_REPORT_TAG)}`,
    `awk -v version=${shQuote(migrationVersion.replace(/["\\]/g, ""))} -v duration="$((ended_ms - started_ms))" ${shQuote(awk)} "$locks"`,
  ];
}

/** DATABASE_URL for the scratch server: a unix socket directory goes in the query (`host=`), a host name in the authority. */
function databaseUrlLines(server: ScratchServer, roles: DatabaseRoles): string[] {
  const user = encodeURIComponent(roles.migration);
  return server.host.startsWith("/")
    ? [
        `export DATABASE_URL="postgresql://${user}:$migration_password@/$scratch?host=${encodeURIComponent(server.host)}&port=${server.port}"`,
      ]
    : [`export DATABASE_URL="postgresql://${user}:$migration_password@${server.host}:${server.port}/$scratch"`];
}

/** Runs the checks in order against the database the environment names; the first failure names the check and stops. */
export function validationScript(validations: readonly ValidationCheck[]): string {
  return [
    "set -eu",
    ...checkLines(validations, "after the migration", ""),
    'echo "validation: every check passed"',
    "",
  ].join("\n");
}

function checkLines(validations: readonly ValidationCheck[], where: string, runner: string): string[] {
  return validations.flatMap(({ name, command }) => [
    `echo ${shQuote(`validation ${name}: running`)}`,
    `if ${runner}${argv(command)}; then echo ${shQuote(`validation ${name}: passed`)}; else`,
    `  status=$?; echo "validation ${name}: FAILED with exit code $status ${where}" >&2; exit 1`,
    "fi",
  ]);
}
