/**
 * The scenario of a migration that needs a lock another session holds, on a
 * real Postgres: a transaction of the app left open on `table` (it read it,
 * so it holds ACCESS SHARE until it ends), the migration started through the
 * lock-timeout wrapper (components/migrationSessions.ts) with the
 * environment given, and, once the migration waits for its lock, the app's
 * queries on the same table arriving at a steady pace, each on a connection
 * of its own (so one blocked query never holds back the next arrival, as
 * with a pool under load). Measures how long the migration took and how long
 * each of the app's queries waited. Shared by test/docker/migrationLocks.test.ts
 * and bench/migrationLocks.ts.
 */
import { spawn } from "node:child_process";
import { lockRetryCommand } from "../components/migrationSessions";
import type { PgEnv, PostgresCluster } from "./postgres";
import { latencySummary, PsqlSession } from "./psqlSession";

export interface LockScenario {
  readonly pg: PostgresCluster;
  /** The app's connection (its role and database). */
  readonly app: PgEnv;
  /** The migration's connection and settings: PGOPTIONS, the wrapper's variables. */
  readonly migrationEnv: Record<string, string>;
  /** The migration's argv, run by the wrapper (`sh -c <wrapper> migration argv...`). */
  readonly migration: readonly string[];
  /** The table both want. */
  readonly table: string;
  /** How long the app's transaction stays open after the migration started. */
  readonly holdMs: number;
  /** The app's queries: how many, and the time between two arrivals. @default 50 every 40 ms */
  readonly queries?: number;
  readonly intervalMs?: number;
}

export interface LockOutcome {
  readonly migration: { readonly exitCode: number | null; readonly ms: number; readonly output: string };
  /** Each app query's wait, in arrival order (ms), and their median and maximum. */
  readonly latencies: readonly number[];
  readonly p50: number;
  readonly max: number;
  /** Whether the migration was seen waiting for its lock before the app's queries started. */
  readonly sawLockWait: boolean;
  /** Errors the app's sessions reported (none expected: their queries wait, they never fail). */
  readonly appErrors: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runLockScenario(scenario: LockScenario): Promise<LockOutcome> {
  const count = scenario.queries ?? 50;
  const interval = scenario.intervalMs ?? 40;
  const [blocker, ...sessions] = await Promise.all(
    Array.from({ length: count + 1 }, () => PsqlSession.open(scenario.app)),
  );
  try {
    // The app's transaction: it read the table and stays open, holding ACCESS SHARE on it.
    await blocker.query(`begin; select count(*) from ${scenario.table};`);
    const started = Date.now();
    const migration = runWrapped(scenario.migration, scenario.migrationEnv);
    const release = sleep(scenario.holdMs).then(() => blocker.query("commit;"));
    const sawLockWait = await waitForLockWait(scenario.pg, scenario.app.PGDATABASE, started + 5_000);
    const answers = [];
    for (const [index, session] of sessions.entries()) {
      answers.push(session.query(`select count(*) from ${scenario.table} where id = ${index + 1};`));
      await sleep(interval);
    }
    const latencies = (await Promise.all(answers)).map((answer) => answer.ms);
    const [ran] = await Promise.all([migration, release]);
    const { p50, max } = latencySummary(latencies);
    const appErrors = sessions
      .map((session) => session.errorOutput)
      .join("")
      .trim();
    return { migration: ran, latencies, p50, max, sawLockWait, appErrors };
  } finally {
    await Promise.all([blocker, ...sessions].map((session) => session.close()));
  }
}

/** Runs argv in the wrapper; resolves with its exit code, its wall time and its whole output. */
export function runWrapped(
  argv: readonly string[],
  env: Record<string, string>,
): Promise<{ exitCode: number | null; ms: number; output: string }> {
  const [program, ...args] = lockRetryCommand(argv);
  const started = process.hrtime.bigint();
  const child = spawn(program, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ exitCode, ms: Number(process.hrtime.bigint() - started) / 1e6, output }));
  });
}

/** Polls pg_stat_activity until a session of `database` waits for a lock (true), or the deadline passes (false). */
async function waitForLockWait(pg: PostgresCluster, database: string, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    const waiting = await pg.asSuperuser(
      `select count(*) from pg_stat_activity where datname = '${database}' and wait_event_type = 'Lock'`,
      "postgres",
    );
    if (Number(waiting) > 0) return true;
    await sleep(10);
  }
  return false;
}
