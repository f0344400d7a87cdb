/**
 * A real, throwaway Postgres cluster (whichever version is installed) for
 * tests and benches: initdb into a
 * fresh temp dir owned by `postgres` (initdb and pg_ctl refuse to run as
 * root), listening on a free 127.0.0.1 port with its unix socket inside the
 * temp dir, trust auth. `stop()` shuts it down and deletes the directory.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
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
  /** Runs SQL with `psql -XAt -v ON_ERROR_STOP=1 -c`; returns trimmed stdout (rows as `a|b` lines). */
  query(sql: string, env?: PgEnv): Promise<string>;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Name of the database created at start. @default "app" */
  readonly database?: string;
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
    const serverOptions = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`;
    await asPostgres("pg_ctl", ["-D", dataDir, "-l", join(dir, "server.log"), "-w", "-o", serverOptions, "start"]);
    started = true;
    const base: PgEnv = { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: OS_USER, PGDATABASE: "postgres" };
    const query = async (sql: string, env: PgEnv = base): Promise<string> => {
      const { stdout } = await run("psql", ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
        env: { ...process.env, ...env },
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout.trim();
    };
    const createDatabase = async (name: string): Promise<PgEnv> => {
      await query(`create database "${name.replace(/"/g, '""')}"`);
      return { ...base, PGDATABASE: name };
    };
    const env = await createDatabase(options.database ?? "app");
    return { port, env, createDatabase, query, stop };
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
