/**
 * What a migration that needs a lock does to the app's queries, on a real,
 * throwaway Postgres: an app transaction left open on `orders` (it read the
 * table), the migration's `ALTER TABLE orders ADD COLUMN` started through
 * the lock-timeout wrapper with the default settings
 * (components/migrationSessions.ts: lock_timeout 5 s), and the app's
 * queries on `orders` arriving at a steady pace, each on its own connection,
 * while the migration waits. Three cases: with the lock timeout (not
 * transactional: it gives up once), without any timeout (as before issue 25),
 * and transactional (run again after 5 s, and through once the app's
 * transaction ended). Each figure is the median and spread of 3 runs.
 * Run: npx tsx bench/migrationLocks.ts
 */
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { databaseRoles, rolesScript, VERIFIER_ENV } from "../components/docker/postgresRoles";
import { scramSha256Verifier } from "../components/docker/scram";
import {
  DEFAULT_LOCK_TIMEOUT_SECONDS,
  lockRetryEnv,
  MigrationSession,
  migrationSession,
  migrationSessionEnv,
} from "../components/migrationSessions";
import { LockOutcome, runLockScenario } from "../testkit/lockScenario";
import { PgEnv, startPostgres } from "../testkit/postgres";
import { describeSpread, Figure, report, spreadOf } from "./result";

const RUNS = 3;
const DB = "bench";
const ROLES = databaseRoles(DB);
const ADD_COLUMN = "ALTER TABLE orders ADD COLUMN note text";
const LOCK_MS = DEFAULT_LOCK_TIMEOUT_SECONDS * 1000;
/** The goal's allowance for a query's own time and for the client to start: the lock wait itself is bounded by lock_timeout. */
const SLACK_MS = 250;
const GOAL_SOURCE = "issue 25, point 8";

interface Case {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly holdMs: number;
  readonly intervalMs: number;
  readonly expectExit: number;
}

async function main(): Promise<void> {
  const pg = await startPostgres({ database: DB });
  try {
    const verifier = () => scramSha256Verifier(randomBytes(12).toString("hex"), randomBytes(16));
    execFileSync("runuser", ["-u", "postgres", "--", "sh", "-c", rolesScript(DB, ROLES)], {
      env: { ...process.env, ...pg.socketEnv, [VERIFIER_ENV.app]: verifier(), [VERIFIER_ENV.migration]: verifier() },
      // Its REVOKEs warn about memberships a fresh cluster never granted.
      stdio: "pipe",
    });
    const app: PgEnv = { ...pg.env, PGUSER: ROLES.app };
    const migration: PgEnv = { ...pg.env, PGUSER: ROLES.migration };
    await pg.query(
      "create table orders (id bigserial primary key, total_cents bigint not null); insert into orders (total_cents) select i * 7 from generate_series(1, 100000) i; analyze orders;",
      migration,
    );
    const envOf = (session: MigrationSession) => ({
      ...migration,
      ...migrationSessionEnv(session),
      ...lockRetryEnv(session),
    });
    const defaults = migrationSession({ timeoutSeconds: 900 });
    const cases: Case[] = [
      // 50 queries over the first 5 s: the whole time the migration may wait.
      { name: "with lock_timeout 5 s", env: envOf(defaults), holdMs: 8_000, intervalMs: 100, expectExit: 75 },
      {
        name: "without a timeout",
        env: { ...envOf(defaults), PGOPTIONS: "-c lock_timeout=0 -c statement_timeout=0" },
        holdMs: 8_000,
        intervalMs: 100,
        expectExit: 0,
      },
      // 50 queries over 12 s: both attempts of the migration and the pause between them.
      {
        name: "transactional, lock_timeout 5 s, run again after 5 s",
        env: envOf(migrationSession({ timeoutSeconds: 900, transactional: true })),
        holdMs: 12_000,
        intervalMs: 240,
        expectExit: 0,
      },
    ];
    const figures: Figure[] = [];
    for (const scenario of cases) {
      const outcomes: LockOutcome[] = [];
      for (let run = 0; run < RUNS; run++) {
        const outcome = await runLockScenario({
          pg,
          app,
          migrationEnv: scenario.env,
          migration: ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-c", ADD_COLUMN],
          table: "orders",
          holdMs: scenario.holdMs,
          intervalMs: scenario.intervalMs,
        });
        if (outcome.migration.exitCode !== scenario.expectExit || !outcome.sawLockWait || outcome.appErrors !== "") {
          throw new Error(
            `${scenario.name}: expected exit ${scenario.expectExit} after a lock wait, got ${outcome.migration.exitCode}:\n${outcome.migration.output}${outcome.appErrors}`,
          );
        }
        outcomes.push(outcome);
        await pg.query("alter table orders drop column if exists note", migration);
      }
      const migrationMs = spreadOf(outcomes.map((o) => o.migration.ms));
      const p50 = spreadOf(outcomes.map((o) => o.p50));
      const max = spreadOf(outcomes.map((o) => o.max));
      const bounded = scenario.expectExit === 75 || scenario.name.startsWith("transactional");
      figures.push(
        {
          figure: `${scenario.name}: the migration ${scenario.expectExit === 75 ? "gave up after" : "was through after"} (the app's transaction ends at ${scenario.holdMs / 1000} s)`,
          observed: describeSpread(migrationMs, "ms"),
          ...(scenario.expectExit === 75
            ? {
                goal: {
                  text: `≤ lock_timeout + 1 s to start (${LOCK_MS + 1000} ms)`,
                  source: GOAL_SOURCE,
                  met: migrationMs.max <= LOCK_MS + 1000,
                },
              }
            : {}),
        },
        {
          figure: `${scenario.name}: the app's queries on the table, p50 of 50 (each on its own connection, every ${scenario.intervalMs} ms)`,
          observed: describeSpread(p50, "ms"),
        },
        {
          figure: `${scenario.name}: the app's queries, the longest wait of 50`,
          observed: describeSpread(max, "ms"),
          ...(bounded
            ? {
                goal: {
                  text: `≤ lock_timeout (${LOCK_MS} ms) + ${SLACK_MS} ms`,
                  source: GOAL_SOURCE,
                  met: max.max <= LOCK_MS + SLACK_MS,
                },
              }
            : {}),
        },
      );
    }
    report("migrationLocks", figures);
  } finally {
    await pg.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
