/**
 * Shell scripts and argv for database safety on the local (docker) platform:
 * a `pg_dump` snapshot per migration version, its restore, and the
 * `docker run` line that runs either in a throwaway container. Pure string
 * builders, so they are unit-tested without Docker and run unchanged by
 * `sh` on the host or in a container. Connection settings come from the
 * standard libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD),
 * never from the script text, so a password is never part of a command line.
 */
import { snapshotIdentifier } from "../contracts/snapshots";

export interface SnapshotScriptArgs {
  /** Absolute path of the snapshot file, normally from {@link snapshotFile}. */
  readonly file: string;
}

export interface DockerVolumeMount {
  /** Docker named volume, e.g. "api-db-snapshots". */
  readonly name: string;
  /** Absolute path inside the container, e.g. "/snapshots". */
  readonly mountPath: string;
}

export interface DockerRunSpec {
  /** Image providing `sh`, `pg_dump`, `pg_restore` and `psql`, e.g. "postgres:15-alpine". */
  readonly image: string;
  /** Docker network on which the database is reachable. */
  readonly network: string;
  /** Named volumes to mount, e.g. the snapshot volume. */
  readonly volumes: readonly DockerVolumeMount[];
  /**
   * Names of the container's environment variables. Only names go on the
   * command line (`-e NAME`): docker copies each value from its own
   * environment, so the caller hands the values to the process that runs
   * docker (e.g. as OneShotCommand's secret `env`) and no value, such as
   * PGPASSWORD, ever appears in argv, `ps` or Pulumi state.
   */
  readonly envNames: readonly string[];
  /** Command run in the container, e.g. `["sh", "-c", snapshotScript(...)]`. */
  readonly command: readonly string[];
  /** The container's name (so another command can stop it). @default docker's */
  readonly name?: string;
  /** Labels to put on the container. @default none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The variables every script needs; PGPORT defaults to 5432 and PGPASSWORD is optional (trust, .pgpass). */
const REQUIRED_PG_ENV = ["PGHOST", "PGUSER", "PGDATABASE"] as const;

/** `<dir>/<app>-pre-<version>.dump`: one file per migration version, so a re-run finds it and skips. */
export function snapshotFile(dir: string, app: string, migrationVersion: string): string {
  if (!dir.startsWith("/")) {
    throw new Error(
      `snapshot directory must be an absolute path, got "${dir}"; use the volume's mount path, e.g. "/snapshots"`,
    );
  }
  return `${dir.replace(/\/+$/, "")}/${snapshotIdentifier(app, migrationVersion)}.dump`;
}

/**
 * POSIX sh script: `pg_dump --format=custom` into `<file>.partial`, check
 * the archive is readable, then hard-link it to `<file>`. `ln` fails when
 * the target exists, so an existing snapshot is never overwritten, not even
 * by a concurrent run; if `<file>` already exists the script exits 0 and
 * says it skipped. Any failure, or SIGTERM/SIGINT/SIGHUP, exits non-zero and
 * removes the partial file. pg_dump runs in the background and the script
 * `wait`s for it so that a signal sent to the script alone (e.g. forwarded
 * by `docker run`) still stops the dump at once.
 */
export function snapshotScript({ file }: SnapshotScriptArgs): string {
  return [
    "set -eu",
    `file=${shQuote(file)}`,
    'partial="$file.partial"',
    ...requireEnvLines("snapshot"),
    'if [ -e "$file" ]; then',
    '  echo "snapshot: $file already exists; skipped (one snapshot per migration version, never overwritten)"',
    "  exit 0",
    "fi",
    'mkdir -p "$(dirname "$file")"',
    // noclobber in a subshell: creating the partial file is the lock against a concurrent run.
    'if ! (set -C; : > "$partial") 2>/dev/null; then',
    '  echo "snapshot: $partial already exists: another snapshot of this version is running, or one was killed mid-dump. If none is running, delete $partial and run again." >&2',
    "  exit 1",
    "fi",
    "dump=",
    'stop() { if [ -n "$dump" ]; then kill "$dump" 2>/dev/null || true; fi; exit "$1"; }',
    "trap 'rm -f \"$partial\"' EXIT",
    "trap 'stop 143' TERM",
    "trap 'stop 130' INT",
    "trap 'stop 129' HUP",
    'pg_dump --format=custom --file="$partial" &',
    "dump=$!",
    'wait "$dump"',
    "dump=",
    'pg_restore --list "$partial" > /dev/null',
    'if ! ln "$partial" "$file"; then',
    '  if [ -e "$file" ]; then',
    '    echo "snapshot: $file appeared while dumping (a concurrent snapshot of this version?); kept it untouched and discarded this dump" >&2',
    "  else",
    '    echo "snapshot: could not hard-link $partial to $file; the snapshot directory must be on a file system with hard links (a Docker named volume is)" >&2',
    "  fi",
    "  exit 1",
    "fi",
    'echo "snapshot: wrote $file ($(wc -c < "$file" | tr -d \' \') bytes) of database $PGDATABASE on $PGHOST"',
    "",
  ].join("\n");
}

/**
 * POSIX sh script restoring `<file>` into $PGDATABASE in ONE transaction:
 * the live color sees either the old data or the restored data, never a mix,
 * and a failed restore changes nothing. `--clean --if-exists` drops and
 * recreates every object in the snapshot; objects that exist only in the
 * database (created after the snapshot) are left alone.
 */
export function restoreScript({ file }: SnapshotScriptArgs): string {
  return [
    "set -eu",
    `file=${shQuote(file)}`,
    ...requireEnvLines("restore"),
    'if [ ! -f "$file" ]; then',
    '  echo "restore: snapshot $file not found; list the snapshots in $(dirname "$file") and pass one that exists" >&2',
    "  exit 1",
    "fi",
    'echo "restore: restoring $file into database $PGDATABASE on $PGHOST in one transaction"',
    // exec: signals reach pg_restore directly; a killed restore rolls back.
    'exec pg_restore --clean --if-exists --single-transaction --no-owner --dbname="$PGDATABASE" "$file"',
    "",
  ].join("\n");
}

/**
 * `docker run --rm --init --network N -v vol:/path -e NAME ... image cmd...`.
 * `--init` puts a real init as PID 1 so the SIGTERM that docker forwards on
 * timeout reaches the command (PID 1 ignores signals it has no handler for).
 */
export function dockerRunArgs(spec: DockerRunSpec): string[] {
  if (spec.image.trim() === "")
    throw new Error("dockerRunArgs: image is empty; pass an image that has sh and the Postgres client tools");
  if (spec.network.trim() === "")
    throw new Error("dockerRunArgs: network is empty; pass the Docker network the database is on");
  if (spec.command.length === 0)
    throw new Error("dockerRunArgs: command is empty; pass the argv to run in the container");
  const volumeArgs = spec.volumes.flatMap(({ name, mountPath }) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]+$/.test(name)) {
      throw new Error(`dockerRunArgs: volume name "${name}" is not a Docker volume name ([A-Za-z0-9][A-Za-z0-9_.-]+)`);
    }
    if (!mountPath.startsWith("/") || mountPath.includes(":")) {
      throw new Error(`dockerRunArgs: mount path "${mountPath}" of volume ${name} must be absolute and contain no ":"`);
    }
    return ["-v", `${name}:${mountPath}`];
  });
  const envArgs = [...spec.envNames].sort().flatMap((name) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new Error(`dockerRunArgs: env name "${name}" is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)`);
    }
    return ["-e", name];
  });
  return [
    "docker",
    "run",
    "--rm",
    "--init",
    ...(spec.name === undefined ? [] : ["--name", spec.name]),
    ...Object.entries(spec.labels ?? {}).flatMap(([key, value]) => ["--label", `${key}=${value}`]),
    "--network",
    spec.network,
    ...volumeArgs,
    ...envArgs,
    spec.image,
    ...spec.command,
  ];
}

function requireEnvLines(script: string): string[] {
  return REQUIRED_PG_ENV.map(
    (name) =>
      `: "\${${name}:?${script}: ${name} is not set; pass PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSWORD in the environment}"`,
  );
}

/** Single-quotes a value for sh: the only character to escape inside '...' is ' itself. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
