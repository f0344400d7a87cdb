/**
 * The local migration rehearsal and validation on REAL Postgres servers,
 * every script run by OneShotCommand through Pulumi's REAL dynamic-provider
 * host, as the local platform runs them, with its Docker parts stood in for
 * (testkit/scratchPostgres.ts): the scratch server is a real cluster the
 * script starts, reachable only through its unix socket, and the migration
 * and checks run in a network namespace of their own (`unshare -n`), where
 * the real server's address leads nowhere, as a container on the run's
 * `--internal` network. The real server asks the migration role for its
 * real password (SCRAM), as the local stack's does.
 */
import { asRehearsalReport, describeRehearsal } from "../../components/contracts/rehearsalReport";
import { execFile } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { databaseRoles } from "../../components/docker/postgresRoles";
import { ValidationCheck, rehearsalScript, validationScript } from "../../components/docker/rehearsalScripts";
import { snapshotScript } from "../../components/docker/postgresScripts";
import { oneShotCommandProvider } from "../../components/oneShotCommand";
import { rehearsalName } from "../../components/rehearsal";
import { PgEnv, PostgresCluster, startPostgres } from "../../testkit/postgres";
import { providerFailure } from "../../testkit/providerFailure";
import { CreateResult, ProviderHost, serializeProvider } from "../../testkit/providerHost";
import { isolatedRun, localScratchServer } from "../../testkit/scratchPostgres";

const exec = promisify(execFile);
const TYPE = DYNAMIC_TYPES.oneShotCommand.token;
const STACK = "bluegreen/test";

const SEED = `
  create table customers (id int primary key, email text unique, note text);
  insert into customers select i, 'c' || i || '@example.com', case when i % 10 = 0 then null else 'vip' end from generate_series(1, 2000) i;
  create table orders (id bigserial primary key, customer int references customers, total_cents bigint not null);
  insert into orders (customer, total_cents) select 1 + i % 2000, i * 7 from generate_series(1, 5000) i;`;
/** Passes on any schema without rows: fails only on the real data, where 200 customers have no note. */
const NOT_NULL = "alter table customers alter column note set not null;";
const ADD_COLUMN = "alter table orders add column currency text not null default 'EUR';";
/** The real server: the superuser through the socket, everyone else by SCRAM password, as on the local stack. */
const HBA = "local all postgres trust\nlocal all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n";

describe("migration rehearsal on real Postgres, through the real provider host", () => {
  let pg: PostgresCluster;
  let host: ProviderHost;
  let text: string;
  let work: string;
  let scratchBase: string;
  let databases = 0;

  beforeAll(async () => {
    [pg, host, text] = await Promise.all([
      startPostgres({ hba: HBA }),
      ProviderHost.start(),
      serializeProvider(oneShotCommandProvider),
    ]);
    work = mkdtempSync(join(tmpdir(), "bluegreen-rehearsal-"));
    // The OS user postgres restores the dumps and serves the scratch servers from here.
    chmodSync(work, 0o755);
    scratchBase = join(work, "scratch");
    mkdirSync(scratchBase);
  });
  afterAll(async () => {
    await Promise.all([host?.stop(), pg?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  interface Seeded {
    readonly app: string;
    /** The migration role's connection to the real database, with its real password. */
    readonly env: PgEnv;
    readonly file: string;
  }

  /** A seeded real database owned by the app's migration role, its snapshot taken as the snapshot step takes it. */
  async function seeded(): Promise<Seeded> {
    databases += 1;
    const app = `shop${databases}`;
    const roles = databaseRoles(app);
    const password = `real-${app}-password`;
    await pg.asSuperuser(
      `create role ${roles.migration} login nosuperuser nocreatedb nocreaterole password '${password}'; create role ${roles.app} nologin`,
      "postgres",
    );
    await pg.asSuperuser(`create database ${app} owner ${roles.migration}`, "postgres");
    const env: PgEnv = { ...pg.env, PGUSER: roles.migration, PGDATABASE: app, PGPASSWORD: password };
    await pg.query(SEED + `grant select on orders to ${roles.app};`, env);
    const file = join(work, `${app}-pre.dump`);
    await host.create(TYPE, text, {
      description: "snapshot",
      command: ["sh", "-c", snapshotScript({ file })],
      env,
      timeoutSeconds: 120,
      runKey: app,
    });
    chmodSync(file, 0o644);
    return { app, env, file };
  }

  const psqlFile = (sql: string): string[] => {
    const file = join(work, `sql-${++databases}.sql`);
    writeFileSync(file, sql);
    return ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", file];
  };
  const check = (name: string, sql: string): ValidationCheck => ({ name, command: isolatedRun(psqlFile(sql)) });

  function rehearse(
    { app, file }: Seeded,
    migration: string[],
    validations: ValidationCheck[],
    timeoutSeconds = 120,
  ): Promise<CreateResult> {
    const scratch = rehearsalName(app, "7");
    const server = localScratchServer({
      base: scratchBase,
      app,
      stack: STACK,
      migrationVersion: "7",
      scratch,
      dumpFile: file,
    });
    const script = rehearsalScript({
      scratch,
      migrationVersion: "7",
      roles: databaseRoles(app),
      server,
      migration: isolatedRun(migration),
      validations,
    });
    return host.create(TYPE, text, {
      description: `rehearsal of migration 7 on scratch server ${scratch}`,
      command: ["sh", "-c", script],
      // As the platform runs it: no credential of the real database at all.
      env: {},
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
  /** Scratch servers left in the base directory, and Postgres processes still serving one. */
  async function scratchLeft(): Promise<string[]> {
    const dirs = readdirSync(scratchBase).filter((name) => existsSync(join(scratchBase, name, "marks")));
    const { stdout } = await exec("sh", ["-c", `pgrep -af '[p]ostgres.*${scratchBase}' || true`]);
    return [...dirs, ...stdout.split("\n").filter(Boolean)];
  }

  it("GIVEN a NOT NULL migration that passes on an empty schema WHEN rehearsed on the real data THEN it fails there, names the cause, and the real database is unchanged", async () => {
    const seed = await seeded();
    const before = await fingerprint(seed.env);

    const error = await providerFailure(rehearse(seed, psqlFile(NOT_NULL), []));
    expect(error.details).toMatch(
      /^rehearsal of migration 7 on scratch server shop\d+-rehearsal-7: exited with code 1 \(expected 0\)/,
    );
    expect(error.details).toContain('column "note" of relation "customers" contains null values');
    expect(error.details).toContain(
      `rehearsal: the migration failed on the scratch copy ${rehearsalName(seed.app, "7")}: the rehearsal's network reaches only the scratch copy`,
    );
    expect(error.details).toContain("rehearsal: removed the scratch server, its sessions and its copy");
    expect(await fingerprint(seed.env)).toEqual(before);
    expect(before.rows).toEqual({
      customers: expect.stringMatching(/^2000:[0-9a-f]{32}$/),
      orders: expect.stringMatching(/^5000:[0-9a-f]{32}$/),
    });
    expect(await scratchLeft()).toEqual([]);
  });

  it("GIVEN a migration that aims at the real database (its address, its name, its URL, its password) WHEN rehearsed THEN each attempt fails, the rehearsal fails saying why, and the real database is unchanged", async () => {
    const seed = await seeded();
    const before = await fingerprint(seed.env);
    const { PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE } = seed.env;
    const realUrl = `postgresql://${PGUSER}:${PGPASSWORD}@${PGHOST}:${PGPORT}/${PGDATABASE}`;
    const drop = "drop table orders cascade;";
    const attempts: [string, string[]][] = [
      ["by its address and name", ["sh", "-c", `PGHOST=${PGHOST} PGPORT=${PGPORT} psql -X -c '${drop}' ${PGDATABASE}`]],
      ["by its name on the rehearsal's server", ["psql", "-X", "-d", PGDATABASE, "-c", drop]],
      ["by a URL of its own, with the real password", ["psql", "-X", realUrl, "-c", drop]],
    ];
    for (const [how, command] of attempts) {
      const error = await providerFailure(rehearse(seed, command, [], 60));
      expect(error.details, how).toContain("the real database was not touched");
      expect(error.details, how).toMatch(/could not connect|Network is unreachable|does not exist|Connection refused/);
      expect(await fingerprint(seed.env), how).toEqual(before);
      expect(await scratchLeft(), how).toEqual([]);
    }
  });

  it("GIVEN the password the rehearsal gives the migration WHEN tried on the real database THEN the real database refuses it: only the copy accepts it", async () => {
    const seed = await seeded();
    const seen = join(work, `${seed.app}-seen-password`);
    // The migration writes down what it was given (the work directory is the same file system), then passes.
    const rehearsal = await rehearse(
      seed,
      ["sh", "-c", `printf '%s' "$PGPASSWORD" > ${seen}; psql -X -c 'select 1'`],
      [],
    );
    expect(rehearsal.outs.outputTail).toContain("rehearsal: the migration and its checks passed on the scratch copy");
    const given = readFileSync(seen, "utf8");
    expect(given).toMatch(/^[0-9a-f]{48}$/);
    const refused = await exec("psql", ["-X", "-w", "-c", "select 1"], {
      env: { ...process.env, ...seed.env, PGPASSWORD: given },
    }).then(
      () => "accepted",
      (error: { stderr: string }) => error.stderr,
    );
    expect(refused).toContain(`password authentication failed for user "${seed.env.PGUSER}"`);
  });

  it("GIVEN the copy WHEN the migration looks at it THEN it sees the real roles and ownership: the same role names, the migration role owning the tables, the app role's grants", async () => {
    const seed = await seeded();
    const roles = databaseRoles(seed.app);
    const rehearsal = await rehearse(
      seed,
      psqlFile(
        "select current_user, (select tableowner from pg_tables where tablename = 'orders'), has_table_privilege('" +
          roles.app +
          "', 'orders', 'select');",
      ),
      [],
    );
    expect(rehearsal.outs.outputTail).toContain(`${roles.migration}|${roles.migration}|t`);
  });

  it("GIVEN a migration WHEN rehearsed THEN it reports, from the copy's real data, how long it ran and which locks it held on which table for how long", async () => {
    const seed = await seeded();
    const migration = psqlFile(
      "begin; alter table orders add column currency text not null default 'EUR'; select pg_sleep(0.6); commit;\n" +
        "create index orders_customer on orders (customer);",
    );
    const rehearsal = await rehearse(seed, migration, []);
    const report = rehearsal.outs.report as Record<string, any>;
    expect(report).toMatchObject({ kind: "migration-rehearsal", migrationVersion: "7", sampledEveryMs: 50 });
    expect(report.durationMs).toBeGreaterThanOrEqual(600);
    expect(report.durationMs).toBeLessThan(10_000);
    const held = Object.fromEntries((report.locks as any[]).map((l) => [`${l.table} ${l.mode}`, l.heldMs]));
    // ALTER TABLE holds ACCESS EXCLUSIVE until the commit, through the sleep: seen for most of those 600 ms.
    expect(held["public.orders AccessExclusiveLock"]).toBeGreaterThanOrEqual(400);
    expect(held["public.orders AccessExclusiveLock"]).toBeLessThan(5_000);
    expect(Object.keys(held).every((key) => key.startsWith("public."))).toBe(true);
    // Written where the tools read it: the state's `report` passes the stack output's schema (`rehearsal`).
    const output = asRehearsalReport(report);
    expect(output).toBeDefined();
    expect(describeRehearsal(output!)).toMatch(
      /^migration 7 rehearsed on a copy of the real data: ran \d+\.\d s; held .*public\.orders AccessExclusiveLock \d+\.\d s/,
    );
    expect(rehearsal.outs.outputTail).not.toContain("PGPASSWORD");
  });

  it("GIVEN a failing check WHEN rehearsed THEN it blocks like a failed migration: the error names the check with the end of its output", async () => {
    const seed = await seeded();
    const before = await fingerprint(seed.env);
    const checks = [
      check("orders-have-currency", "select count(*) from orders where currency is null;"),
      check(
        "every-customer-has-note",
        "\\echo customers without a note:\nselect count(*) from customers where note is null;\ndo $$ begin if exists (select from customers where note is null) then raise exception 'customers without a note'; end if; end $$;",
      ),
      check("never-reached", "select 1;"),
    ];

    const error = await providerFailure(rehearse(seed, psqlFile(ADD_COLUMN), checks));
    expect(error.details).toContain("validation orders-have-currency: passed");
    expect(error.details).toContain("customers without a note:\n200\n");
    expect(error.details).toContain("ERROR:  customers without a note");
    expect(error.details).toContain(
      "validation every-customer-has-note: FAILED with exit code 3 on the scratch copy; the real database was not touched",
    );
    expect(error.details).not.toContain("never-reached");
    expect(await fingerprint(seed.env)).toEqual(before);
    expect(await scratchLeft()).toEqual([]);
  });

  it("GIVEN leftovers of this stack's interrupted runs and look-alikes of others WHEN a rehearsal passes THEN only its own leftovers go, the others are reported and kept, and the checks run again on the real database after the real run", async () => {
    const seed = await seeded();
    const leftover = (name: string, marks: string | undefined) => {
      mkdirSync(join(scratchBase, name));
      if (marks !== undefined) writeFileSync(join(scratchBase, name, "marks"), `${marks}\n`);
    };
    leftover(`${seed.app}-rehearsal-6`, `purpose=migration-rehearsal stack=${STACK} app=${seed.app} migration=6`);
    leftover(`${seed.app}-rehearsal-5`, `purpose=migration-rehearsal stack=other/stack app=${seed.app} migration=5`);
    leftover(`${seed.app}-rehearsal-hand-made`, undefined);
    const checks = [
      check("orders-have-currency", "select current_database(), count(*) from orders where currency = 'EUR';"),
    ];

    const rehearsal = await rehearse(seed, psqlFile(ADD_COLUMN), checks);
    const output = rehearsal.outs.outputTail as string;
    expect(output).toContain(
      `rehearsal: removing ${seed.app}-rehearsal-6, left over by an interrupted rehearsal of this stack`,
    );
    for (const kept of [`${seed.app}-rehearsal-5`, `${seed.app}-rehearsal-hand-made`]) {
      expect(output).toContain(
        `rehearsal: not removing ${kept}: named like a scratch copy, but not marked as one of this stack's rehearsals`,
      );
      expect(existsSync(join(scratchBase, kept))).toBe(true);
      rmSync(join(scratchBase, kept), { recursive: true });
    }
    expect(output).toContain(
      `validation orders-have-currency: running\n${rehearsalName(seed.app, "7")}|5000\nvalidation orders-have-currency: passed`,
    );
    expect(output).toMatch(
      /passed on the scratch copy\nrehearsal: removed the scratch server, its sessions and its copy$/,
    );
    expect(await scratchLeft()).toEqual([]);
    expect(
      await pg.query("select count(*) from information_schema.columns where column_name = 'currency'", seed.env),
    ).toBe("0");

    const [psql, ...args] = psqlFile(ADD_COLUMN);
    await exec(psql, args, { env: { ...process.env, ...seed.env } });
    const validation = await host.create(TYPE, text, {
      description: "validation of migration 7",
      command: ["sh", "-c", validationScript(checks.map((c) => ({ ...c, command: c.command.slice(2) })))],
      env: seed.env,
      timeoutSeconds: 120,
      runKey: "7",
    });
    expect(validation.outs.outputTail).toBe(
      // The real database's name, redacted as every env value is: the column exists only there after the real run.
      "validation orders-have-currency: running\n<env:PGDATABASE>|5000\nvalidation orders-have-currency: passed\nvalidation: every check passed",
    );
  });

  it("GIVEN a rehearsal stopped by its timeout THEN the scratch server is removed on the way out", async () => {
    const seed = await seeded();
    const error = await providerFailure(rehearse(seed, psqlFile("select pg_sleep(600);"), [], 3));
    expect(error.details).toContain("timed out: still running after the limit of timeoutSeconds=3");
    expect(error.details).toContain("rehearsal: removed the scratch server, its sessions and its copy");
    expect(await scratchLeft()).toEqual([]);
  });

  it("GIVEN a migration that ignores SIGTERM and holds a lock WHEN the rehearsal times out THEN its session and the copy are gone in the same run, not at the next rehearsal", async () => {
    const seed = await seeded();
    const stubborn = ["sh", "-c", "trap '' TERM; psql -X -c 'begin; lock table orders; select pg_sleep(600);'"];
    const error = await providerFailure(rehearse(seed, stubborn, [], 3));
    expect(error.details).toContain("timed out: still running after the limit of timeoutSeconds=3");
    expect(error.details).toContain("rehearsal: removed the scratch server, its sessions and its copy");
    expect(await scratchLeft()).toEqual([]);
    const { stdout } = await exec("sh", ["-c", "pgrep -af 'select pg_sleep\\(600\\)' || true"]);
    expect(stdout.trim()).toBe("");
  });
});
