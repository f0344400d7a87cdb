/**
 * A real, throwaway Postgres cluster (whichever version is installed) for
 * tests and benches: initdb into a
 * fresh temp dir owned by `postgres` (initdb and pg_ctl refuse to run as
 * root), listening on a free 127.0.0.1 port with its unix socket inside the
 * temp dir, trust auth unless a pg_hba.conf is given (then it is the only
 * one, read through `-c hba_file`, as the local platform runs it).
 * `stop()` shuts it down and deletes the directory.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
/** Debian installs each major version under /usr/lib/postgresql/<major>/bin; use the newest present. */
export const PG_BIN = newestPostgresBin();
const OS_USER = "postgres";

/** libpq environment for scripts (pg_dump, pg_restore, psql) and {@link PostgresCluster.query}. */
export interface PgEnv extends Record<string, string> {
  PGHOST: string;
  PGPORT: string;
  PGUSER: string;
  PGDATABASE: string;
}

export interface PostgresCluster {
  readonly port: number;
  /** PG* variables of the database created at start. */
  readonly env: PgEnv;
  /** Creates another database on the cluster and returns its PG* variables. */
  createDatabase(name: string): Promise<PgEnv>;
  /** Runs SQL with `psql -XwAt -v ON_ERROR_STOP=1 -c`; returns trimmed stdout (rows as `a|b` lines). */
  query(sql: string, env?: PgEnv): Promise<string>;
  /** Runs SQL as the superuser through the unix socket, as the OS user postgres (peer or trust). */
  asSuperuser(sql: string, database: string): Promise<string>;
  /** libpq variables that reach the unix socket as the superuser, for scripts run as the OS user postgres. */
  readonly socketEnv: PgEnv;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Name of the database created at start. @default "app" */
  readonly database?: string;
  /** The whole pg_hba.conf. @default trust for everyone (initdb --auth=trust) */
  readonly hba?: string;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), "bluegreen-pg-"));
  const dataDir = join(dir, "data");
  const { uid, gid } = await osUser(OS_USER);
  chownSync(dir, uid, gid);
  const asPostgres = (bin: string, args: string[]) => run("runuser", ["-u", OS_USER, "--", join(PG_BIN, bin), ...args]);
  let started = false;
  const stop = async (): Promise<void> => {
    if (started) await asPostgres("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"]);
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // --no-sync: a throwaway cluster does not need initdb's fsyncs; the server itself keeps default durability.
    await asPostgres("initdb", ["-D", dataDir, "--auth=trust", "--username", OS_USER, "--encoding=UTF8", "--no-sync"]);
    const port = await freePort();
    const hbaFile = join(dir, "pg_hba.conf");
    if (options.hba !== undefined) writeFileSync(hbaFile, options.hba);
    const hbaOption = options.hba === undefined ? "" : ` -c hba_file=${hbaFile}`;
    const serverOptions = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}${hbaOption}`;
    await asPostgres("pg_ctl", ["-D", dataDir, "-l", join(dir, "server.log"), "-w", "-o", serverOptions, "start"]);
    started = true;
    const base: PgEnv = { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: OS_USER, PGDATABASE: "postgres" };
    const query = async (sql: string, env: PgEnv = base): Promise<string> => {
      // -w: never prompt for a password (a test without one must fail, not wait).
      const { stdout } = await run("psql", ["-X", "-w", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
        env: { ...process.env, ...env },
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout.trim();
    };
    const socketEnv: PgEnv = { PGHOST: dir, PGPORT: String(port), PGUSER: OS_USER, PGDATABASE: "postgres" };
    const asSuperuser = async (sql: string, database: string): Promise<string> => {
      const psql = ["-u", OS_USER, "--", "psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql];
      const { stdout } = await run("runuser", psql, { env: { ...process.env, ...socketEnv } });
      return stdout.trim();
    };
    const createDatabase = async (name: string): Promise<PgEnv> => {
      await asSuperuser(`create database "${name.replace(/"/g, '""')}"`, "postgres");
      return { ...base, PGDATABASE: name };
    };
    const env = await createDatabase(options.database ?? "app");
    return { port, env, createDatabase, query, asSuperuser, socketEnv, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run("id", ["-u", name]), run("id", ["-g", name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Asks the kernel for a free loopback port (a tiny race with other binders is acceptable in tests). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function newestPostgresBin(root = "/usr/lib/postgresql"): string {
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((entry) => /^\d+$/.test(entry))
        .map(Number)
    : [];
  if (majors.length === 0) {
    throw new Error(`no PostgreSQL server under ${root}: install Debian's postgresql package (.ci/run does)`);
  }
  return join(root, String(Math.max(...majors)), "bin");
}
