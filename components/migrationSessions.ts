/**
 * How long a migration's database sessions may wait and run, decided once
 * for every platform: a schema change that waits for a lock (an `ALTER
 * TABLE` behind a long transaction) holds its place in the lock queue, and
 * every query of the app on that table queues behind it until it gets the
 * lock. So every session of the migration gets a `lock_timeout`
 * (`bluegreen:migration.lockTimeoutSeconds`, 5 s by default) and a
 * `statement_timeout` (`statementTimeoutSeconds`, by default the run's own
 * `timeoutSeconds`): it gives up instead of queueing, and the app's queries
 * wait at most that long. A migration declared transactional (a failed run
 * applied nothing) is run again after a lock timeout, with a growing pause
 * in between; any other is never re-run blindly.
 *
 * The settings reach the migration's clients in two ways, both built here:
 * `PGOPTIONS` (read by every libpq client: psql, pg_dump, psycopg, the Ruby
 * and Node drivers...), set in the migration's environment on every
 * platform, and `ALTER ROLE <migration role> SET` (every client, whatever
 * its driver), which the local platform applies to the role it owns
 * (components/docker/postgresRoles.ts) and the other platforms document
 * (docs/migration-locks.md). The retry is one POSIX sh wrapper around the
 * migration's command (`lockRetryCommand`), the same on every platform; it
 * recognises a lock timeout only by a clear signal in the command's output
 * and exits with LOCK_TIMEOUT_EXIT_CODE when it gives up on one. Pure.
 */
/** `bluegreen:migration.lockTimeoutSeconds` when unset. */
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 5;
/** `bluegreen:migration.lockRetries` when unset, for a transactional migration (a non-transactional one is never re-run). */
export const DEFAULT_LOCK_RETRIES = 3;
/** Pause before the first re-run after a lock timeout, doubled before each next one, at most LOCK_RETRY_MAX_DELAY_SECONDS. */
export const LOCK_RETRY_FIRST_DELAY_SECONDS = 5;
export const LOCK_RETRY_MAX_DELAY_SECONDS = 60;
/**
 * The wrapper's exit code when the migration gave up waiting for a lock (on
 * its last attempt): EX_TEMPFAIL of sysexits.h, "try again later". Any other
 * failure keeps the command's own exit code.
 */
export const LOCK_TIMEOUT_EXIT_CODE = 75;

/** The variables the wrapper reads its settings from: its text stays the same when the settings change. */
export const LOCK_RETRY_ENV = {
  /** Seconds to pause before each re-run, space-separated ("5 10 20"); empty: a lock timeout is not run again. */
  delays: "BLUEGREEN_LOCK_RETRY_DELAYS",
  /** The lock timeout as Postgres reads it ("5s"), for the wrapper's messages. */
  lockTimeout: "BLUEGREEN_LOCK_TIMEOUT",
  /**
   * "1" when the migration is declared transactional (a failed run applied nothing), "0" otherwise, for the
   * wrapper's messages. (One character: OneShotCommand hides env values of 4 or more in its output, and "true"
   * would be hidden wherever the migration prints it.)
   */
  transactional: "BLUEGREEN_MIGRATION_TRANSACTIONAL",
} as const;

/** The libpq variable that carries the session settings to every libpq client. */
export const SESSION_ENV = "PGOPTIONS";

/** The keys of `bluegreen:migration` this module reads (components/config/schema.ts). */
export interface MigrationSessionConfig {
  readonly timeoutSeconds: number;
  readonly lockTimeoutSeconds?: number;
  readonly statementTimeoutSeconds?: number;
  readonly transactional?: boolean;
  readonly lockRetries?: number;
}

/** The settings every session of one migration runs with. */
export interface MigrationSession {
  /** Postgres `lock_timeout`, in ms; always above 0: a migration never waits for a lock without limit. */
  readonly lockTimeoutMs: number;
  /** Postgres `statement_timeout`, in ms; 0: no limit. */
  readonly statementTimeoutMs: number;
  /** Declared transactional: a failed run applied nothing, so a lock timeout may be run again. */
  readonly transactional: boolean;
  /** Seconds to pause before each re-run after a lock timeout; empty when the migration is not transactional. */
  readonly retryDelaysSeconds: readonly number[];
}

/**
 * The settings of `bluegreen:migration`, defaults resolved: lock timeout 5
 * s; statement timeout = the run's own timeoutSeconds (so it never stops a
 * statement the platform would have let finish, and still ends on the server
 * one whose client the platform killed: Postgres notices a vanished client
 * only when it next writes to it); re-runs only when transactional (3 by
 * default, after 5, 10 and 20 s).
 */
export function migrationSession(migration: MigrationSessionConfig): MigrationSession {
  const transactional = migration.transactional === true;
  const retries = transactional ? (migration.lockRetries ?? DEFAULT_LOCK_RETRIES) : 0;
  return {
    transactional,
    lockTimeoutMs: Math.round((migration.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS) * 1000),
    statementTimeoutMs: Math.round((migration.statementTimeoutSeconds ?? migration.timeoutSeconds) * 1000),
    retryDelaysSeconds: lockRetryDelays(retries),
  };
}

/** 5, 10, 20, 40, 60, 60 ... seconds: `retries` pauses, doubling, at most a minute. */
export function lockRetryDelays(retries: number): number[] {
  return Array.from({ length: retries }, (_, i) =>
    Math.min(LOCK_RETRY_FIRST_DELAY_SECONDS * 2 ** i, LOCK_RETRY_MAX_DELAY_SECONDS),
  );
}

/** A duration as Postgres reads it: 5000 → "5s", 500 → "500ms", 0 → "0" (no limit). */
export function postgresDuration(ms: number): string {
  if (ms === 0) return "0";
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The two settings, by their Postgres names, as `SET`/`ALTER ROLE ... SET` and PGOPTIONS write them. */
export function sessionSettings(session: MigrationSession): { lock_timeout: string; statement_timeout: string } {
  return {
    lock_timeout: postgresDuration(session.lockTimeoutMs),
    statement_timeout: postgresDuration(session.statementTimeoutMs),
  };
}

/**
 * PGOPTIONS for the migration: `-c lock_timeout=5s -c statement_timeout=900s`
 * after whatever the environment already holds (the color's own PGOPTIONS,
 * which the migration inherits on AWS and Kubernetes). Postgres applies the
 * options in order, so these win over an earlier `-c` of the same setting
 * (an app's short statement_timeout must not cut a migration), and
 * PGOPTIONS wins over `ALTER ROLE ... SET`.
 */
export function pgOptions(session: MigrationSession, existing?: string): string {
  const ours = Object.entries(sessionSettings(session))
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(" ");
  const before = existing?.trim() ?? "";
  return before === "" ? ours : `${before} ${ours}`;
}

/** What the migration's environment gets: PGOPTIONS (merged with `env`'s own), and the wrapper's settings when it runs wrapped. */
export function migrationSessionEnv(
  session: MigrationSession,
  env: Readonly<Record<string, string>> = {},
  options: { readonly wrapped?: boolean } = {},
): Record<string, string> {
  return {
    [SESSION_ENV]: pgOptions(session, env[SESSION_ENV]),
    ...(options.wrapped === true ? lockRetryEnv(session) : {}),
  };
}

/** The wrapper's settings (LOCK_RETRY_ENV). */
export function lockRetryEnv(session: MigrationSession): Record<string, string> {
  return {
    [LOCK_RETRY_ENV.delays]: session.retryDelaysSeconds.join(" "),
    [LOCK_RETRY_ENV.lockTimeout]: postgresDuration(session.lockTimeoutMs),
    [LOCK_RETRY_ENV.transactional]: session.transactional ? "1" : "0",
  };
}

/**
 * What in a migration's output says it gave up waiting for a lock: Postgres'
 * message for SQLSTATE 55P03 (`lock_not_available`), as psql, node-postgres,
 * Flyway, Prisma and Rails print it, the condition's names (psycopg's
 * `LockNotAvailable`, PL/pgSQL's `lock_not_available`), or the SQLSTATE as
 * a word of its own. The message is the server's English one: a server with
 * another `lc_messages` is recognised only by tools that print the SQLSTATE.
 */
export const LOCK_TIMEOUT_SIGNALS = {
  /** Matched without regard to case (grep -Ei). */
  words: "canceling statement due to lock timeout|lock_not_available|LockNotAvailable",
  /** Matched as written (grep -E): the SQLSTATE between non-alphanumerics, so a hash or an id never matches. */
  sqlstate: "(^|[^0-9A-Za-z])55P03([^0-9A-Za-z]|$)",
} as const;

/** How many of the output's last lines are searched for a signal: where a tool prints the error it stopped on. */
export const LOCK_SIGNAL_LINES = 100;

/** Whether `output` (its last LOCK_SIGNAL_LINES lines) carries a lock-timeout signal: the wrapper's test, in TypeScript. */
export function isLockTimeoutOutput(output: string): boolean {
  const tail = output.replace(/\n$/, "").split("\n").slice(-LOCK_SIGNAL_LINES);
  const words = new RegExp(LOCK_TIMEOUT_SIGNALS.words, "i");
  const sqlstate = new RegExp(LOCK_TIMEOUT_SIGNALS.sqlstate);
  return tail.some((line) => words.test(line) || sqlstate.test(line));
}

const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * POSIX sh wrapper, run as `sh -c <this> migration <command...>`: runs the
 * command, its output streamed through unchanged and kept in a temporary
 * file (mktemp, a fifo and tee: busybox and every common base image have
 * them), and returns its exit code, except after a lock timeout (a signal of
 * LOCK_TIMEOUT_SIGNALS in its last lines): with pauses left in
 * BLUEGREEN_LOCK_RETRY_DELAYS (a transactional migration) it says so, waits
 * and runs the command again; on the last attempt, or for a migration that
 * is not transactional (no pauses), it says why it stops and exits 75. The
 * command runs in the background and the wrapper waits for it, so a
 * SIGTERM/SIGINT/SIGHUP sent to the wrapper alone (PID 1 of a container) is
 * passed on at once, and the wrapper exits 143/130/129 after it. The text is
 * constant: the settings come from LOCK_RETRY_ENV.
 */
export function lockRetryScript(): string {
  const { delays, lockTimeout, transactional } = LOCK_RETRY_ENV;
  return [
    "set -u",
    `delays=\${${delays}-}`,
    `lock_timeout=\${${lockTimeout}:-its lock timeout}`,
    `transactional=\${${transactional}:-0}`,
    'case "$delays" in',
    `  *[!0-9\\ ]*) echo "migration: ${delays} must be whole seconds separated by spaces, got '$delays'" >&2; exit 2 ;;`,
    "esac",
    // One space between pauses, none at the ends.
    "set -f",
    "delays=$(printf '%s ' $delays)",
    "set +f",
    "delays=${delays% }",
    "attempts=1",
    "for pause in $delays; do attempts=$((attempts + 1)); done",
    'dir=$(mktemp -d "${TMPDIR:-/tmp}/bluegreen-migration.XXXXXX") || {',
    '  echo "migration: cannot create a temporary directory in ${TMPDIR:-/tmp} for the lock-timeout wrapper" >&2; exit 1; }',
    "trap 'rm -rf \"$dir\"' EXIT",
    "child=",
    "signalled=",
    'forward() { signalled=$1; if [ -n "$child" ]; then kill -"$2" "$child" 2>/dev/null || true; fi; }',
    "trap 'forward 143 TERM' TERM",
    "trap 'forward 130 INT' INT",
    "trap 'forward 129 HUP' HUP",
    // A trapped signal ends `wait` early; wait again until the child is gone (a zombie still answers kill -0).
    "reap() {",
    '  while :; do wait "$child"; status=$?; kill -0 "$child" 2>/dev/null || break; done',
    "  child=",
    "}",
    "lock_timeout_seen() {",
    `  tail -n ${LOCK_SIGNAL_LINES} "$dir/output" | grep -Eiq ${sq(LOCK_TIMEOUT_SIGNALS.words)} ||`,
    `    tail -n ${LOCK_SIGNAL_LINES} "$dir/output" | grep -Eq ${sq(LOCK_TIMEOUT_SIGNALS.sqlstate)}`,
    "}",
    "attempt=1",
    "while :; do",
    '  rm -f "$dir/output" "$dir/pipe"',
    '  mkfifo "$dir/pipe" || exit 1',
    '  tee "$dir/output" < "$dir/pipe" &',
    "  reader=$!",
    '  "$@" > "$dir/pipe" 2>&1 &',
    "  child=$!",
    "  reap",
    // Stopped: its last words through, but no longer than 2 s should something it started still hold its output.
    '  if [ -n "$signalled" ]; then',
    '    (sleep 2; kill "$reader" 2>/dev/null) >/dev/null 2>&1 &',
    "    killer=$!",
    '    wait "$reader" 2>/dev/null',
    '    kill "$killer" 2>/dev/null',
    '    exit "$signalled"',
    "  fi",
    '  wait "$reader" 2>/dev/null || true',
    '  if [ "$status" -eq 0 ]; then exit 0; fi',
    '  if ! lock_timeout_seen; then exit "$status"; fi',
    '  if [ -z "$delays" ]; then',
    '    stop="find the session holding it (pg_stat_activity, pg_locks; often a long or idle-in-transaction one), end it or wait until it is gone, then run pulumi up again"',
    '    if [ "$transactional" != 1 ]; then',
    "      echo \"migration: gave up waiting for a lock ($lock_timeout): another session holds a lock the migration needs, and the app's queries would have queued behind it. " +
      'Not run again: the migration is not declared transactional (bluegreen:migration.transactional), so this run may have applied part of it; check what it applied; $stop" >&2',
    '    elif [ "$attempts" -eq 1 ]; then',
    '      echo "migration: gave up waiting for a lock ($lock_timeout): another session holds a lock the migration needs. ' +
      'Not run again (bluegreen:migration.lockRetries is 0); the migration is transactional, so it applied nothing; $stop" >&2',
    "    else",
    '      echo "migration: gave up waiting for a lock ($lock_timeout) on each of its $attempts attempts: another session holds a lock the migration needs for longer than that. ' +
      'The migration is transactional, so no attempt applied anything; $stop" >&2',
    "    fi",
    `    exit ${LOCK_TIMEOUT_EXIT_CODE}`,
    "  fi",
    "  pause=${delays%% *}",
    '  case "$delays" in *" "*) delays=${delays#* } ;; *) delays= ;; esac',
    '  echo "migration: attempt $attempt of $attempts gave up waiting for a lock ($lock_timeout); the migration is transactional, so it applied nothing: running it again in $pause s" >&2',
    '  sleep "$pause" &',
    "  child=$!",
    "  reap",
    '  if [ -n "$signalled" ]; then exit "$signalled"; fi',
    "  attempt=$((attempt + 1))",
    "done",
    "",
  ].join("\n");
}

/** `argv` run by the wrapper: `sh -c <lockRetryScript> migration argv...` (its settings in LOCK_RETRY_ENV). */
export function lockRetryCommand(argv: readonly string[]): string[] {
  if (argv.length === 0) throw new Error("lockRetryCommand: the migration's command is empty; pass its argv");
  return ["sh", "-c", lockRetryScript(), "migration", ...argv];
}
