/**
 * The migration's session settings and the lock-timeout wrapper
 * (components/migrationSessions.ts): the pure builders, what counts as a
 * lock timeout, and the wrapper run by real shells (dash as sh, bash in
 * POSIX mode, busybox ash when installed: Alpine images' sh) around stub
 * commands: retries, pauses, exit codes, output passed through, signals
 * passed on. On a real Postgres: test/docker/migrationLocks.test.ts.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  isLockTimeoutOutput,
  LOCK_SIGNAL_LINES,
  LOCK_TIMEOUT_EXIT_CODE,
  lockRetryCommand,
  lockRetryDelays,
  lockRetryEnv,
  lockRetryScript,
  MigrationSession,
  migrationSession,
  migrationSessionEnv,
  pgOptions,
  postgresDuration,
  sessionSettings,
} from "../components/migrationSessions";

const SESSION: MigrationSession = {
  lockTimeoutMs: 5_000,
  statementTimeoutMs: 900_000,
  transactional: true,
  retryDelaysSeconds: [5, 10, 20],
};

describe("the migration's session settings", () => {
  it("resolves the defaults: 5 s for a lock, the run's timeout for a statement, re-runs only when transactional", () => {
    expect(migrationSession({ timeoutSeconds: 900 })).toEqual({
      ...SESSION,
      transactional: false,
      retryDelaysSeconds: [],
    });
    expect(migrationSession({ timeoutSeconds: 900, transactional: true })).toEqual(SESSION);
    // lockRetries without transactional is refused by the config; here it cannot re-run anything either.
    expect(migrationSession({ timeoutSeconds: 900, lockRetries: 4 }).retryDelaysSeconds).toEqual([]);
    expect(lockRetryDelays(7)).toEqual([5, 10, 20, 40, 60, 60, 60]);
  });

  it("writes durations as Postgres reads them", () => {
    expect([5_000, 250, 0, 900_000, 1_500].map(postgresDuration)).toEqual(["5s", "250ms", "0", "900s", "1500ms"]);
    expect(sessionSettings({ ...SESSION, statementTimeoutMs: 0 })).toEqual({
      lock_timeout: "5s",
      statement_timeout: "0",
    });
  });

  it("puts PGOPTIONS after the environment's own, so the migration's settings win; the wrapper's settings only when wrapped", () => {
    expect(pgOptions(SESSION)).toBe("-c lock_timeout=5s -c statement_timeout=900s");
    expect(pgOptions(SESSION, "  -c search_path=app ")).toBe(
      "-c search_path=app -c lock_timeout=5s -c statement_timeout=900s",
    );
    expect(migrationSessionEnv(SESSION, { PGOPTIONS: "-c statement_timeout=2s", OTHER: "x" })).toEqual({
      PGOPTIONS: "-c statement_timeout=2s -c lock_timeout=5s -c statement_timeout=900s",
    });
    expect(migrationSessionEnv(SESSION, {}, { wrapped: true })).toEqual({
      PGOPTIONS: "-c lock_timeout=5s -c statement_timeout=900s",
      ...lockRetryEnv(SESSION),
    });
    expect(lockRetryEnv(SESSION)).toEqual({
      BLUEGREEN_LOCK_RETRY_DELAYS: "5 10 20",
      BLUEGREEN_LOCK_TIMEOUT: "5s",
      BLUEGREEN_MIGRATION_TRANSACTIONAL: "1",
    });
  });

  it("wraps a command without changing it, and refuses an empty one", () => {
    expect(lockRetryCommand(["npm", "run", "migrate"])).toEqual([
      "sh",
      "-c",
      lockRetryScript(),
      "migration",
      "npm",
      "run",
      "migrate",
    ]);
    expect(() => lockRetryCommand([])).toThrow("lockRetryCommand: the migration's command is empty; pass its argv");
  });
});

/** What tools print when Postgres cancels a statement on lock_timeout (SQLSTATE 55P03), and look-alikes that are not. */
const LOCK_TIMEOUTS = {
  psql: "psql:/m/0042.sql:3: ERROR:  canceling statement due to lock timeout",
  "node-postgres": "error: canceling statement due to lock timeout\n    at Parser.parseErrorMessage",
  flyway: "SQL State  : 55P03\nError Code : 0\nMessage    : ERROR: canceling statement due to lock timeout",
  prisma: "Error: P3018\nDatabase error code: 55P03",
  psycopg: "psycopg.errors.LockNotAvailable: canceling statement due to lock timeout",
  rails: "ActiveRecord::LockWaitTimeout: PG::LockNotAvailable: ERROR:  canceling statement due to lock timeout",
  plpgsql: "ERROR:  lock_not_available",
  "psql, verbose": 'ERROR:  55P03: could not obtain lock on relation "orders"',
};
const NOT_LOCK_TIMEOUTS = {
  "statement timeout": "ERROR:  canceling statement due to statement timeout",
  deadlock: "ERROR:  deadlock detected (SQLSTATE 40P01)",
  "settings echoed": "using lock_timeout=5s, statement_timeout=900s",
  "an id with 55P03 inside": "applied 1f955P03a in 55P031 ms",
  "a lowercase look-alike": "checksum a55p03 ok",
  syntax: 'ERROR:  syntax error at or near "tabel"',
};

/** A signal on the last line searched, and on the line before it. */
const BOUNDARY = {
  last: `${LOCK_TIMEOUTS.psql}\n${"went on\n".repeat(LOCK_SIGNAL_LINES - 1)}`,
  beyond: `${LOCK_TIMEOUTS.psql}\n${"went on\n".repeat(LOCK_SIGNAL_LINES)}`,
};

describe("what counts as a lock timeout", () => {
  it.each(Object.entries(LOCK_TIMEOUTS))("%s's output is one", (_tool, output) => {
    expect(isLockTimeoutOutput(output)).toBe(true);
  });
  it.each(Object.entries(NOT_LOCK_TIMEOUTS))("%s is not", (_what, output) => {
    expect(isLockTimeoutOutput(output)).toBe(false);
  });
  it("reads only the last lines, where a tool prints the error it stopped on", () => {
    expect(isLockTimeoutOutput(BOUNDARY.last)).toBe(true);
    expect(isLockTimeoutOutput(BOUNDARY.beyond)).toBe(false);
  });
});

const SHELLS: Record<string, string[]> = {
  "dash (sh)": ["sh"],
  "bash --posix": ["bash", "--norc", "--posix"],
  ...(spawnSync("busybox", ["true"]).status === 0 ? { "busybox ash": ["busybox", "sh"] } : {}),
};

const work = mkdtempSync(join(tmpdir(), "bluegreen-wrapper-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** How many times the wrapped command ran. */
  readonly runs: number;
}

describe.each(Object.entries(SHELLS))("the lock-timeout wrapper under %s", (_name, shell) => {
  let case_ = 0;
  /** Runs `script` (sh) as the wrapped command, each run counted in a file; the wrapper's settings from `env`. */
  function wrap(script: string, env: Record<string, string>): Ran {
    const dir = join(work, `${shell.join("-")}-${++case_}`);
    const tmp = join(dir, "tmp");
    spawnSync("mkdir", ["-p", tmp]);
    const counter = join(dir, "runs");
    const [, ...args] = lockRetryCommand(["sh", "-c", `echo run >> "$RUNS"\n${script}`]);
    const result = spawnSync(shell[0], [...shell.slice(1), ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH, TMPDIR: tmp, RUNS: counter, ...env },
    });
    const runs = (() => {
      try {
        return readFileSync(counter, "utf8").split("\n").filter(Boolean).length;
      } catch {
        return 0;
      }
    })();
    // The wrapper's temporary directory is gone whatever happened.
    expect(readdirSync(tmp)).toEqual([]);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, runs };
  }
  const transactional = (delays: string) => ({
    BLUEGREEN_LOCK_RETRY_DELAYS: delays,
    BLUEGREEN_LOCK_TIMEOUT: "5s",
    BLUEGREEN_MIGRATION_TRANSACTIONAL: "1",
  });
  const lockTimeout = `echo "${LOCK_TIMEOUTS.psql}" >&2; exit 3`;

  it("passes a success and its output through unchanged, once", () => {
    expect(wrap("echo out; echo err >&2", transactional("0 0"))).toEqual({
      status: 0,
      stdout: "out\nerr\n",
      stderr: "",
      runs: 1,
    });
  });

  it("returns any other failure's own exit code after one run, transactional or not", () => {
    const ran = wrap(`echo "${NOT_LOCK_TIMEOUTS["statement timeout"]}"; exit 4`, transactional("0 0"));
    expect(ran).toMatchObject({ status: 4, runs: 1, stderr: "" });
  });

  it("runs a transactional migration again after a lock timeout, and succeeds when the lock comes free", () => {
    const ran = wrap(
      `[ "$(wc -l < "$RUNS")" -ge 2 ] && { echo applied; exit 0; }\n${lockTimeout}`,
      transactional("0 0 0"),
    );
    expect(ran).toMatchObject({ status: 0, runs: 2 });
    expect(ran.stdout).toBe(`${LOCK_TIMEOUTS.psql}\napplied\n`);
    expect(ran.stderr).toBe(
      "migration: attempt 1 of 4 gave up waiting for a lock (5s); the migration is transactional, so it applied nothing: running it again in 0 s\n",
    );
  });

  it("gives up after the last attempt with exit 75 and says why; a migration not declared transactional after its first", () => {
    const exhausted = wrap(lockTimeout, transactional("0 0"));
    expect(exhausted.status).toBe(LOCK_TIMEOUT_EXIT_CODE);
    expect(exhausted.runs).toBe(3);
    expect(exhausted.stderr.split("\n").filter(Boolean)).toEqual([
      "migration: attempt 1 of 3 gave up waiting for a lock (5s); the migration is transactional, so it applied nothing: running it again in 0 s",
      "migration: attempt 2 of 3 gave up waiting for a lock (5s); the migration is transactional, so it applied nothing: running it again in 0 s",
      expect.stringMatching(
        /^migration: gave up waiting for a lock \(5s\) on each of its 3 attempts: .* The migration is transactional, so no attempt applied anything; find the session holding it \(pg_stat_activity, pg_locks/,
      ),
    ]);
    expect(exhausted.stdout.match(/canceling statement due to lock timeout/g)).toHaveLength(3);

    const once = wrap(lockTimeout, { BLUEGREEN_LOCK_RETRY_DELAYS: "", BLUEGREEN_LOCK_TIMEOUT: "2s" });
    expect(once).toMatchObject({ status: LOCK_TIMEOUT_EXIT_CODE, runs: 1 });
    expect(once.stderr).toContain(
      "migration: gave up waiting for a lock (2s): another session holds a lock the migration needs, and the app's queries would have queued behind it. Not run again: the migration is not declared transactional (bluegreen:migration.transactional), so this run may have applied part of it",
    );
    const noRetries = wrap(lockTimeout, transactional(""));
    expect(noRetries).toMatchObject({ status: LOCK_TIMEOUT_EXIT_CODE, runs: 1 });
    expect(noRetries.stderr).toContain(
      "Not run again (bluegreen:migration.lockRetries is 0); the migration is transactional, so it applied nothing",
    );
  });

  it("pauses as long as it is told between attempts", () => {
    const started = Date.now();
    const ran = wrap(lockTimeout, transactional("1 1"));
    expect(ran).toMatchObject({ status: LOCK_TIMEOUT_EXIT_CODE, runs: 3 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
  });

  it("agrees with isLockTimeoutOutput on every sample", () => {
    const samples = [...Object.values(LOCK_TIMEOUTS), ...Object.values(NOT_LOCK_TIMEOUTS), ...Object.values(BOUNDARY)];
    for (const output of samples) {
      const ran = wrap(`cat <<'OUT'\n${output.replace(/\n$/, "")}\nOUT\nexit 1`, { BLUEGREEN_LOCK_RETRY_DELAYS: "" });
      expect(ran.status === LOCK_TIMEOUT_EXIT_CODE, output).toBe(isLockTimeoutOutput(output));
    }
  });

  it("refuses pauses that are not whole seconds", () => {
    const ran = wrap("exit 0", { BLUEGREEN_LOCK_RETRY_DELAYS: "5 ten" });
    expect(ran).toMatchObject({ status: 2, runs: 0 });
    expect(ran.stderr).toBe(
      "migration: BLUEGREEN_LOCK_RETRY_DELAYS must be whole seconds separated by spaces, got '5 ten'\n",
    );
  });

  it("passes SIGTERM sent to it alone (PID 1 of a container) to the migration at once, and exits 143", async () => {
    const dir = join(work, `${shell.join("-")}-signal`);
    spawnSync("mkdir", ["-p", join(dir, "tmp")]);
    const [, ...args] = lockRetryCommand([
      "sh",
      "-c",
      "trap 'echo got TERM; exit 7' TERM; echo started; while :; do sleep 0.1; done",
    ]);
    const child = spawn(shell[0], [...shell.slice(1), ...args], {
      env: { PATH: process.env.PATH, TMPDIR: join(dir, "tmp"), ...transactional("0") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    const started = Date.now();
    child.kill("SIGTERM");
    const status = await new Promise((resolve) => child.on("close", resolve));
    expect(status).toBe(143);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(output).toBe("started\ngot TERM\n");
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
  });
});
