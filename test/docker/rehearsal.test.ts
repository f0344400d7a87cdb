/**
 * The local migration rehearsal and validation on a REAL Postgres cluster,
 * every script run by OneShotCommand through Pulumi's REAL dynamic-provider
 * host, as the local platform runs them (minus the `docker exec`/`docker
 * run` wrappers: no Docker engine here; the superuser's psql goes through
 * the unix socket as `docker exec --user postgres` does). The migration and
 * the checks connect as a migration role that owns the database and cannot
 * create databases, as on the local stack. Not covered here: the pg_hba.conf
 * line for the scratch databases, a Postgres 16 regular expression (this
 * machine has Postgres 15; its text is checked in postgresRoles.test.ts).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import {
  rehearsalScript,
  scratchRestoreScript,
  ValidationCheck,
  validationScript,
} from "../../components/docker/rehearsalScripts";
import { snapshotScript } from "../../components/docker/postgresScripts";
import { oneShotCommandProvider } from "../../components/oneShotCommand";
import { rehearsalName, scratchEnv } from "../../components/rehearsal";
import { PgEnv, PostgresCluster, startPostgres } from "../../testkit/postgres";
import { providerFailure } from "../../testkit/providerFailure";
import { CreateResult, ProviderHost, serializeProvider } from "../../testkit/providerHost";

const exec = promisify(execFile);
const TYPE = DYNAMIC_TYPES.oneShotCommand.token;
const OWNER = "shop_migration";

const SEED = `
  create table customers (id int primary key, email text unique, note text);
  insert into customers select i, 'c' || i || '@example.com', case when i % 10 = 0 then null else 'vip' end from generate_series(1, 2000) i;
  create table orders (id bigserial primary key, customer int references customers, total_cents bigint not null);
  insert into orders (customer, total_cents) select 1 + i % 2000, i * 7 from generate_series(1, 5000) i;`;
/** Passes on any schema without rows: fails only on the real data, where 200 customers have no note. */
const NOT_NULL = "alter table customers alter column note set not null;";
const ADD_COLUMN = "alter table orders add column currency text not null default 'EUR';";

describe("migration rehearsal on real Postgres, through the real provider host", () => {
  let pg: PostgresCluster;
  let host: ProviderHost;
  let text: string;
  let work: string;
  let databases = 0;

  beforeAll(async () => {
    [pg, host, text] = await Promise.all([
      startPostgres(),
      ProviderHost.start(),
      serializeProvider(oneShotCommandProvider),
    ]);
    work = mkdtempSync(join(tmpdir(), "bluegreen-rehearsal-"));
    await pg.asSuperuser(`create role ${OWNER} login nosuperuser nocreatedb nocreaterole`, "postgres");
  });
  afterAll(async () => {
    await Promise.all([host?.stop(), pg?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  /** A seeded database owned by the migration role, its snapshot taken as the snapshot step takes it. */
  async function seeded(): Promise<{ app: string; env: PgEnv; file: string }> {
    databases += 1;
    const app = `shop${databases}`;
    await pg.asSuperuser(`create database ${app} owner ${OWNER}`, "postgres");
    const env: PgEnv = { ...pg.env, PGUSER: OWNER, PGDATABASE: app };
    await pg.query(SEED, env);
    const file = join(work, `${app}-pre.dump`);
    await host.create(TYPE, text, {
      description: "snapshot",
      command: ["sh", "-c", snapshotScript({ file })],
      env,
      timeoutSeconds: 120,
      runKey: app,
    });
    return { app, env, file };
  }

  const psqlFile = (sql: string): string[] => {
    const file = join(work, `sql-${++databases}.sql`);
    writeFileSync(file, sql);
    return ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", file];
  };
  const check = (name: string, sql: string): ValidationCheck => ({ name, command: psqlFile(sql) });

  function rehearse(
    app: string,
    env: PgEnv,
    file: string,
    migration: string[],
    validations: ValidationCheck[],
    timeoutSeconds = 120,
  ): Promise<CreateResult> {
    const scratch = rehearsalName(app, "7");
    const admin = ["runuser", "-u", "postgres", "--", "psql", `--host=${pg.socketEnv.PGHOST}`, `--port=${pg.port}`];
    const script = rehearsalScript({
      app,
      scratch,
      owner: OWNER,
      admin: [...admin, "--username=postgres", "--dbname=postgres"],
      restore: ["sh", "-c", scratchRestoreScript(file)],
      migration,
      validations,
    });
    const url = `postgres://${OWNER}@127.0.0.1:${pg.port}/${app}`;
    return host.create(TYPE, text, {
      description: `rehearsal of migration 7 on scratch database ${scratch}`,
      command: ["sh", "-c", script],
      env: scratchEnv({ ...env, DATABASE_URL: url }, { database: scratch }),
      timeoutSeconds,
      runKey: "7",
    });
  }

  /** What must not change: the schema as pg_dump prints it, and every table's rows in order. */
  async function fingerprint(env: PgEnv): Promise<{ schema: string; rows: Record<string, string> }> {
    const { stdout: schema } = await exec("pg_dump", ["--schema-only", "--restrict-key=fingerprint"], {
      env: { ...process.env, ...env },
    });
    const tables = (await pg.query("select tablename from pg_tables where schemaname = 'public' order by 1", env))
      .split("\n")
      .filter(Boolean);
    const rows: Record<string, string> = {};
    for (const table of tables) {
      rows[table] = await pg.query(
        `select count(*) || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') from ${table} t`,
        env,
      );
    }
    return { schema, rows };
  }
  const scratchDatabases = () =>
    pg.query("select coalesce(string_agg(datname, ','), '') from pg_database where datname like 'shop%-rehearsal-%'");

  it("GIVEN a NOT NULL migration that passes on an empty schema WHEN rehearsed on the real data THEN it fails there, names the cause, and the real database is unchanged", async () => {
    const { app, env, file } = await seeded();
    const empty = await pg.createDatabase(`${app}_empty`);
    await exec("sh", ["-c", `pg_restore --schema-only --no-owner --dbname=${empty.PGDATABASE} '${file}'`], {
      env: { ...process.env, ...empty },
    });
    await pg.query(NOT_NULL, empty);
    const before = await fingerprint(env);

    const error = await providerFailure(rehearse(app, env, file, psqlFile(NOT_NULL), []));
    expect(error.details).toMatch(
      /^rehearsal of migration 7 on scratch database shop\d+-rehearsal-7: exited with code 1 \(expected 0\)/,
    );
    expect(error.details).toContain('column "note" of relation "customers" contains null values');
    expect(error.details).toContain(
      "rehearsal: the migration failed on the scratch copy; the real database was not touched",
    );
    expect(error.details).toContain("rehearsal: dropped the scratch database");
    expect(await fingerprint(env)).toEqual(before);
    expect(before.rows).toEqual({
      customers: expect.stringMatching(/^2000:[0-9a-f]{32}$/),
      orders: expect.stringMatching(/^5000:[0-9a-f]{32}$/),
    });
    expect(await scratchDatabases()).toBe("");
  });

  it("GIVEN a failing check WHEN rehearsed THEN it blocks like a failed migration: the error names the check with the end of its output", async () => {
    const { app, env, file } = await seeded();
    const before = await fingerprint(env);
    const checks = [
      check("orders-have-currency", "select count(*) from orders where currency is null;"),
      check(
        "every-customer-has-note",
        "\\echo customers without a note:\nselect count(*) from customers where note is null;\ndo $$ begin if exists (select from customers where note is null) then raise exception 'customers without a note'; end if; end $$;",
      ),
      check("never-reached", "select 1;"),
    ];

    const error = await providerFailure(rehearse(app, env, file, psqlFile(ADD_COLUMN), checks));
    expect(error.details).toContain("validation orders-have-currency: passed");
    expect(error.details).toContain("customers without a note:\n200\n");
    expect(error.details).toContain("ERROR:  customers without a note");
    expect(error.details).toContain(
      "validation every-customer-has-note: FAILED with exit code 3 on the scratch copy; the real database was not touched",
    );
    expect(error.details).not.toContain("never-reached");
    expect(await fingerprint(env)).toEqual(before);
    expect(await scratchDatabases()).toBe("");
  });

  it("GIVEN leftovers of an interrupted run WHEN a rehearsal passes THEN they are dropped, the real run follows, and the checks run again after it on the real database", async () => {
    const { app, env, file } = await seeded();
    for (const leftover of [`${app}-rehearsal-6`, `${app}-rehearsal-7`]) {
      await pg.asSuperuser(`create database "${leftover}" owner ${OWNER}`, "postgres");
    }
    await pg.asSuperuser(`create database "other-rehearsal-1"`, "postgres");
    const checks = [
      check("orders-have-currency", "select current_database(), count(*) from orders where currency = 'EUR';"),
    ];

    const rehearsal = await rehearse(app, env, file, psqlFile(ADD_COLUMN), checks);
    expect(rehearsal.outs.outputTail).toContain(
      `rehearsal: dropping ${app}-rehearsal-6, left over by an interrupted rehearsal`,
    );
    expect(rehearsal.outs.outputTail).toContain(
      "validation orders-have-currency: running\n<env:PGDATABASE>|5000\nvalidation orders-have-currency: passed",
    );
    expect(rehearsal.outs.outputTail).toMatch(/passed on the scratch copy\nrehearsal: dropped the scratch database$/);
    expect(await scratchDatabases()).toBe("");
    expect(await pg.query("select count(*) from pg_database where datname = 'other-rehearsal-1'")).toBe("1");
    expect(await pg.query("select count(*) from information_schema.columns where column_name = 'currency'", env)).toBe(
      "0",
    );

    const [psql, ...args] = psqlFile(ADD_COLUMN);
    await exec(psql, args, { env: { ...process.env, ...env } });
    const validation = await host.create(TYPE, text, {
      description: "validation of migration 7",
      command: ["sh", "-c", validationScript(checks)],
      env,
      timeoutSeconds: 120,
      runKey: "7",
    });
    expect(validation.outs.outputTail).toBe(
      // The real database's name, redacted as every env value is: the column exists only there after the real run.
      "validation orders-have-currency: running\n<env:PGDATABASE>|5000\nvalidation orders-have-currency: passed\nvalidation: every check passed",
    );
  });

  it("GIVEN a rehearsal stopped by its timeout THEN the scratch database is dropped on the way out", async () => {
    const { app, env, file } = await seeded();
    const error = await providerFailure(rehearse(app, env, file, psqlFile("select pg_sleep(600);"), [], 3));
    expect(error.details).toContain("timed out: still running after the limit of timeoutSeconds=3");
    expect(error.details).toContain("rehearsal: dropped the scratch database");
    expect(await scratchDatabases()).toBe("");
  });
});
