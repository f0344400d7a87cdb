/**
 * Migrations never queue behind locks (issue 25, point 8), on a REAL
 * Postgres: the roles script gives the migration role the migration's
 * lock_timeout and statement_timeout (ALTER ROLE ... SET), PGOPTIONS carries
 * them to libpq clients, and the lock-timeout wrapper runs the migration as
 * every platform runs it (locally around `docker run`, in the container on
 * ECS and Kubernetes; here around psql: no Docker engine on this machine).
 * The app's transaction left open on `orders` holds a lock the migration's
 * ALTER TABLE needs; the app's queries that arrive meanwhile queue behind the
 * waiting ALTER. With the timeout the migration gives up within it and the
 * app's queries wait at most that long; without, they pile up until the
 * app's transaction ends. Timing bounds are generous (a loaded machine runs
 * the test files in parallel): they prove the mechanism, the figures are in
 * bench/migrationLocks.ts.
 */
import { randomBytes } from "node:crypto";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { databaseRoles, rolesScript, VERIFIER_ENV } from "../../components/docker/postgresRoles";
import { snapshotScript } from "../../components/docker/postgresScripts";
import { scramSha256Verifier } from "../../components/docker/scram";
import {
  LOCK_TIMEOUT_EXIT_CODE,
  lockRetryCommand,
  lockRetryEnv,
  MigrationSession,
  migrationSession,
  migrationSessionEnv,
} from "../../components/migrationSessions";
import { oneShotCommandProvider } from "../../components/oneShotCommand";
import { runLockScenario, runWrapped } from "../../testkit/lockScenario";
import { PgEnv, PostgresCluster, startPostgres } from "../../testkit/postgres";
import { providerFailure } from "../../testkit/providerFailure";
import { ProviderHost, serializeProvider } from "../../testkit/providerHost";
import { PsqlSession } from "../../testkit/psqlSession";

const exec = promisify(execFile);
const DB = "shop";
const ROLES = databaseRoles(DB);
const ADD_COLUMN = "ALTER TABLE orders ADD COLUMN note text";
/** The settings the roles script gives the migration role in this file: what a client without PGOPTIONS gets. */
const ROLE_SESSION = migrationSession({ timeoutSeconds: 60, lockTimeoutSeconds: 1, statementTimeoutSeconds: 30 });
/** One second for a lock, not transactional: given up at once, never run again. */
const ONE_SECOND = migrationSession({ timeoutSeconds: 60, lockTimeoutSeconds: 1 });
/** The same, transactional, with 1 s pauses instead of 5, 10, 20 (the wrapper reads them from its environment). */
const TRANSACTIONAL: MigrationSession = { ...ONE_SECOND, transactional: true, retryDelaysSeconds: [1, 1, 1] };

describe("migrations never queue behind locks, on real Postgres", () => {
  let pg: PostgresCluster;
  let work: string;
  let app: PgEnv;
  let migrationRole: PgEnv;

  /** The migration's environment: its role, PGOPTIONS and the wrapper's settings, as the platforms set them. */
  const envFor = (session: MigrationSession): Record<string, string> => ({
    ...migrationRole,
    ...migrationSessionEnv(session),
    ...lockRetryEnv(session),
  });
  const psqlFile = (name: string, sql: string): string[] => {
    const file = join(work, `${name}.sql`);
    writeFileSync(file, sql);
    return ["psql", "-X", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", file];
  };
  const columns = () =>
    pg.query(
      "select string_agg(column_name, ',' order by ordinal_position) from information_schema.columns where table_name = 'orders'",
      app,
    );

  beforeAll(async () => {
    pg = await startPostgres({ database: DB });
    work = mkdtempSync(join(tmpdir(), "bluegreen-locks-"));
    const verifier = () => scramSha256Verifier(randomBytes(12).toString("hex"), randomBytes(16));
    await exec("runuser", ["-u", "postgres", "--", "sh", "-c", rolesScript(DB, ROLES, ROLE_SESSION)], {
      env: { ...process.env, ...pg.socketEnv, [VERIFIER_ENV.app]: verifier(), [VERIFIER_ENV.migration]: verifier() },
    });
    // Trust authentication on loopback (testkit/postgres.ts): the roles log in without their passwords here.
    app = { ...pg.env, PGUSER: ROLES.app };
    migrationRole = { ...pg.env, PGUSER: ROLES.migration };
    await pg.query(
      "create table orders (id bigserial primary key, total_cents bigint not null); insert into orders (total_cents) select i * 7 from generate_series(1, 5000) i;",
      migrationRole,
    );
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("gives the migration role the migration's limits for every client, lets PGOPTIONS override them, and leaves the app role and pg_dump alone", async () => {
    const show = (env: PgEnv, extra: Record<string, string> = {}) =>
      pg.query("show lock_timeout; show statement_timeout;", { ...env, ...extra } as PgEnv);
    // A client that reads no PGOPTIONS (a JDBC or Prisma tool) still gets them from the role.
    expect(await show(migrationRole)).toBe("1s\n30s");
    expect(await show(migrationRole, migrationSessionEnv(migrationSession({ timeoutSeconds: 900 })))).toBe("5s\n15min");
    expect(await show(app)).toBe("0\n0");
    // pg_dump sets both to 0 for itself: the snapshot waits for a lock held longer than the role's 1 s.
    const holder = await PsqlSession.open(app);
    await holder.query("begin; lock table orders in access exclusive mode;");
    const release = new Promise((resolve) => setTimeout(resolve, 2_000)).then(() => holder.query("commit;"));
    const file = join(work, "shop-pre-1.dump");
    const started = Date.now();
    await exec("sh", ["-c", snapshotScript({ file })], { env: { ...process.env, ...migrationRole } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    await release;
    await holder.close();
  }, 30_000);

  it("WITH the lock timeout: the migration gives up within it, and the app's queries wait at most that long", async () => {
    const outcome = await runLockScenario({
      pg,
      app,
      migrationEnv: envFor(ONE_SECOND),
      migration: ["psql", "-X", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-c", ADD_COLUMN],
      table: "orders",
      holdMs: 4_000,
    });
    console.log(
      `with lock_timeout 1s: migration gave up after ${outcome.migration.ms.toFixed(0)} ms; app queries p50 ${outcome.p50.toFixed(0)} ms, max ${outcome.max.toFixed(0)} ms`,
    );
    expect(outcome.sawLockWait).toBe(true);
    expect(outcome.appErrors).toBe("");
    expect(outcome.migration.exitCode).toBe(LOCK_TIMEOUT_EXIT_CODE);
    expect(outcome.migration.output).toContain("ERROR:  canceling statement due to lock timeout");
    expect(outcome.migration.output).toContain("migration: gave up waiting for a lock (1s)");
    expect(outcome.migration.output).toContain("Not run again: the migration is not declared transactional");
    expect(outcome.migration.ms).toBeGreaterThanOrEqual(1_000);
    expect(outcome.migration.ms).toBeLessThan(3_000);
    // The app's queries did queue behind the waiting ALTER, and none for longer than the lock timeout (+ slack).
    expect(outcome.latencies.filter((ms) => ms > 300).length).toBeGreaterThan(5);
    expect(outcome.max).toBeLessThan(2 * 1_000);
    expect(await columns()).toBe("id,total_cents");
  }, 30_000);

  it("WITHOUT a lock timeout (as before): the migration waits for the app's transaction, and the app's queries pile up behind it", async () => {
    const none = { ...envFor(ONE_SECOND), PGOPTIONS: "-c lock_timeout=0 -c statement_timeout=0" };
    const outcome = await runLockScenario({
      pg,
      app,
      migrationEnv: none,
      migration: ["psql", "-X", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-c", ADD_COLUMN],
      table: "orders",
      holdMs: 5_000,
    });
    console.log(
      `without lock_timeout: migration waited ${outcome.migration.ms.toFixed(0)} ms; app queries p50 ${outcome.p50.toFixed(0)} ms, max ${outcome.max.toFixed(0)} ms`,
    );
    expect(outcome.sawLockWait).toBe(true);
    expect(outcome.appErrors).toBe("");
    expect(outcome.migration.exitCode).toBe(0);
    expect(outcome.migration.ms).toBeGreaterThanOrEqual(4_500);
    // Every query that arrived while the ALTER waited (all 50, within about 2 s) waited until the app's transaction ended.
    expect(outcome.latencies.filter((ms) => ms > 1_000).length).toBeGreaterThanOrEqual(45);
    expect(outcome.max).toBeGreaterThan(4_000);
    expect(await columns()).toBe("id,total_cents,note");
    await pg.query("alter table orders drop column note", migrationRole);
  }, 30_000);

  it("runs a transactional migration again after a lock timeout: the first attempt applied nothing, the second applies it once, and the app never waits longer than the timeout", async () => {
    const migration = psqlFile(
      "notes",
      `create table order_notes (order_id bigint primary key references orders, body text not null);\n${ADD_COLUMN};\n`,
    );
    const outcome = await runLockScenario({
      pg,
      app,
      migrationEnv: envFor(TRANSACTIONAL),
      migration,
      table: "orders",
      holdMs: 2_500,
    });
    console.log(
      `transactional, lock_timeout 1s: done after ${outcome.migration.ms.toFixed(0)} ms; app queries p50 ${outcome.p50.toFixed(0)} ms, max ${outcome.max.toFixed(0)} ms`,
    );
    expect(outcome.migration.exitCode).toBe(0);
    expect(outcome.migration.output).toContain(
      "migration: attempt 1 of 4 gave up waiting for a lock (1s); the migration is transactional, so it applied nothing: running it again in 1 s",
    );
    expect(outcome.migration.output).not.toContain("attempt 3 of 4");
    expect(outcome.max).toBeLessThan(2 * 1_000);
    expect(await columns()).toBe("id,total_cents,note");
    expect(await pg.query("select count(*) from pg_class where relname = 'order_notes'", app)).toBe("1");
    await pg.query("drop table order_notes; alter table orders drop column note", migrationRole);
  }, 30_000);

  it("gives up on a transactional migration after its last attempt with exit 75, having applied nothing", async () => {
    const holder = await PsqlSession.open(app);
    await holder.query("begin; select count(*) from orders;");
    const ran = await runWrapped(
      psqlFile("never", `${ADD_COLUMN};\n`),
      envFor({ ...TRANSACTIONAL, retryDelaysSeconds: [1] }),
    );
    await holder.query("commit;");
    await holder.close();
    expect(ran.exitCode).toBe(LOCK_TIMEOUT_EXIT_CODE);
    expect(ran.output.match(/canceling statement due to lock timeout/g)).toHaveLength(2);
    expect(ran.output).toContain("migration: gave up waiting for a lock (1s) on each of its 2 attempts");
    expect(ran.output).toContain("The migration is transactional, so no attempt applied anything");
    expect(await columns()).toBe("id,total_cents");
  }, 30_000);

  it("never runs again a failure that is not a lock timeout, transactional or not: the command's own exit code", async () => {
    const ran = await runWrapped(psqlFile("typo", "alter tabel orders add column x int;\n"), envFor(TRANSACTIONAL));
    expect(ran.exitCode).toBe(3);
    expect(ran.output).toContain('syntax error at or near "tabel"');
    expect(ran.output).not.toContain("migration: ");
  });

  it("ends a statement at statement_timeout, not run again; and ends on the server a statement whose client was killed, which without it runs on", async () => {
    const slow = migrationSession({ timeoutSeconds: 60, lockTimeoutSeconds: 1, statementTimeoutSeconds: 1 });
    const ran = await runWrapped(
      ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-c", "select pg_sleep(10)"],
      envFor({ ...slow, transactional: true, retryDelaysSeconds: [1] }),
    );
    expect(ran.exitCode).toBe(1);
    expect(ran.output).toContain("canceling statement due to statement timeout");
    expect(ran.output).not.toContain("migration: attempt");
    expect(ran.ms).toBeLessThan(5_000);

    // The platform stops a migration at timeoutSeconds by killing its client: Postgres does not notice while the
    // statement runs. Only statement_timeout (by default timeoutSeconds) ends it on the server.
    const killedAfter = async (pgOptions: string, tag: string) => {
      const client = spawn("psql", ["-X", "-c", `select pg_sleep(6) /* ${tag} */`], {
        env: { ...process.env, ...migrationRole, PGOPTIONS: pgOptions },
        stdio: "ignore",
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      client.kill("SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      return pg.asSuperuser(
        `select count(*) from pg_stat_activity where query like '%/* ${tag} */%' and pid <> pg_backend_pid()`,
        "postgres",
      );
    };
    expect(await killedAfter("-c statement_timeout=0", "no-limit")).toBe("1");
    expect(await killedAfter("-c statement_timeout=1500", "limit")).toBe("0");
  }, 30_000);

  it("fails the local platform's step (OneShotCommand, through the real provider host) with exit 75 and why, in its last lines", async () => {
    const host = await ProviderHost.start();
    try {
      const text = await serializeProvider(oneShotCommandProvider);
      const holder = await PsqlSession.open(app);
      await holder.query("begin; select count(*) from orders;");
      const failure = await providerFailure(
        host.create(DYNAMIC_TYPES.oneShotCommand.token, text, {
          description: "migration 7",
          command: lockRetryCommand(psqlFile("step", `${ADD_COLUMN};\n`)),
          env: envFor(ONE_SECOND),
          timeoutSeconds: 60,
          runKey: "7",
        }),
      );
      await holder.query("commit;");
      await holder.close();
      expect(failure.details).toContain(`migration 7: exited with code ${LOCK_TIMEOUT_EXIT_CODE} (expected 0)`);
      expect(failure.details).toContain("canceling statement due to lock timeout");
      expect(failure.details).toContain("migration: gave up waiting for a lock (1s)");
    } finally {
      await host.stop();
    }
  }, 60_000);
});
