/**
 * Snapshot -> migration -> restore on a REAL Postgres 15 cluster, every step
 * run by OneShotCommand through Pulumi's REAL dynamic-provider host, exactly
 * as the local platform runs it (minus the `docker run` wrapper: no Docker
 * engine here). Each test gets its own freshly seeded database.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { restoreScript, snapshotFile, snapshotScript } from "../../components/docker/postgresScripts";
import { oneShotCommandProvider } from "../../components/oneShotCommand";
import { PG_BIN, PgEnv, PostgresCluster, startPostgres } from "../../testkit/postgres";
import { providerFailure } from "../../testkit/providerFailure";
import { CreateResult, ProviderHost, serializeProvider } from "../../testkit/providerHost";

const TYPE = DYNAMIC_TYPES.oneShotCommand.token;
const ROWS = 5000;
const REAL_PG_DUMP = join(PG_BIN, "pg_dump");

const SEED = `
  create table t (id int primary key, name text not null, qty int not null, created date not null);
  insert into t select i, 'item-' || i, i % 97, date '2024-01-01' + (i % 365) from generate_series(1, ${ROWS}) i;`;
/** Version 42 succeeds: a new column, backfilled, and an index. */
const MIGRATION_42 = `
  alter table t add column price_cents bigint not null default 0;
  update t set price_cents = qty * 100;
  create index t_price_cents on t (price_cents);`;
/** Version 43 damages data, then fails: not in a transaction, so the damage stays until the restore. */
const MIGRATION_43 = `
  delete from t where id % 2 = 0;
  update t set name = upper(name);
  select 1 / 0;
  alter table t drop column qty;`;

describe("snapshot before migration on real Postgres, through the real provider host", () => {
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
    work = mkdtempSync(join(tmpdir(), "bluegreen-snapmig-"));
    writeFileSync(join(work, "42.sql"), MIGRATION_42);
    writeFileSync(join(work, "43.sql"), MIGRATION_43);
  });
  afterAll(async () => {
    await Promise.all([host?.stop(), pg?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  async function seededDatabase(): Promise<{ env: PgEnv; dir: string }> {
    databases += 1;
    const env = await pg.createDatabase(`shop${databases}`);
    await pg.query(SEED, env);
    // Not named like the database: OneShotCommand redacts env values (PGDATABASE too) from its output.
    const dir = join(work, `db${databases}`);
    mkdirSync(dir);
    return { env, dir };
  }

  const run = (
    description: string,
    command: string[],
    runKey: string,
    env: Record<string, string>,
    timeoutSeconds = 60,
  ): Promise<CreateResult> => host.create(TYPE, text, { description, command, env, timeoutSeconds, runKey });
  const snapshot = (file: string, env: Record<string, string>, timeoutSeconds?: number) =>
    run(
      `snapshot ${basename(file, ".dump")}`,
      ["sh", "-c", snapshotScript({ file })],
      basename(file),
      env,
      timeoutSeconds,
    );
  const migrate = (version: string, env: PgEnv) =>
    run(
      `migrate ${version}`,
      ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-f", join(work, `${version}.sql`)],
      version,
      env,
    );
  const restore = (file: string, env: PgEnv) =>
    run(`restore ${basename(file, ".dump")}`, ["sh", "-c", restoreScript({ file })], `restore-${basename(file)}`, env);

  /** `<rows>:<md5 of every row in id order>`: equal only if count and content are equal. */
  const contents = (env: PgEnv) =>
    pg.query("select count(*) || ':' || md5(string_agg(t::text, ',' order by id)) from t", env);
  const columns = (env: PgEnv) =>
    pg.query(
      "select string_agg(column_name, ',' order by ordinal_position) from information_schema.columns where table_name = 't'",
      env,
    );
  const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

  /** A pg_dump on PATH that runs `before` first, then the real pg_dump. */
  function pgDumpShim(name: string, before: string): string {
    const bin = join(work, `shim-${name}`);
    mkdirSync(bin);
    writeFileSync(join(bin, "pg_dump"), `#!/bin/sh\n${before}\nexec ${REAL_PG_DUMP} "$@"\n`);
    chmodSync(join(bin, "pg_dump"), 0o755);
    return `${bin}:${process.env.PATH}`;
  }

  it("GIVEN release 42 WHEN snapshot then migration run THEN the schema is new, and the snapshot restores the old schema and rows", async () => {
    const { env, dir } = await seededDatabase();
    const before = await contents(env);
    const file = snapshotFile(dir, "shop", "42");

    const snap = await snapshot(file, env);
    expect(snap.outs.outputTail).toBe(
      `snapshot: wrote ${file} (${statSync(file).size} bytes) of database <env:PGDATABASE> on <env:PGHOST>`,
    );
    const migration = await migrate("42", env);
    expect(migration.outs).toMatchObject({ exitCode: 0, runKey: "42" });
    expect(await columns(env)).toBe("id,name,qty,created,price_cents");
    expect(await pg.query("select count(*), sum(price_cents) = sum(qty) * 100 from t", env)).toBe(`${ROWS}|t`);

    await restore(file, env);
    expect(await columns(env)).toBe("id,name,qty,created");
    expect(await contents(env)).toBe(before);
  });

  it("GIVEN migration 43 fails half-way WHEN it runs THEN the error has exit code and output, and restoring its snapshot brings back every row exactly", async () => {
    const { env, dir } = await seededDatabase();
    const before = await contents(env);
    const file = snapshotFile(dir, "shop", "43");
    await snapshot(file, env);

    const error = await providerFailure(migrate("43", env));
    expect(error.details).toMatch(
      /^migrate 43: exited with code 3 \(expected 0\) after \d+\.\d s\. Last 20 lines of output:\n/,
    );
    expect(error.details).toContain("UPDATE 2500\npsql:");
    expect(error.details).toContain("ERROR:  division by zero\nFix: ");
    expect(await pg.query("select count(*), count(*) filter (where name like 'ITEM-%') from t", env)).toBe("2500|2500");

    const restored = await restore(file, env);
    expect(restored.outs.outputTail).toBe(
      `restore: restoring ${file} into database <env:PGDATABASE> on <env:PGHOST> in one transaction`,
    );
    expect(await contents(env)).toBe(before);
    expect(before).toMatch(new RegExp(`^${ROWS}:[0-9a-f]{32}$`));
  });

  it("GIVEN a snapshot for version 42 exists WHEN the same version snapshots again after data changed THEN it skips and the file is byte-identical", async () => {
    const { env, dir } = await seededDatabase();
    const file = snapshotFile(dir, "shop", "42");
    await snapshot(file, env);
    const first = { hash: sha256(file), mtimeMs: statSync(file).mtimeMs };
    await pg.query("insert into t values (999999, 'late', 1, current_date)", env);

    const again = await snapshot(file, env);
    expect(again.outs.outputTail).toBe(
      `snapshot: ${file} already exists; skipped (one snapshot per migration version, never overwritten)`,
    );
    expect({ hash: sha256(file), mtimeMs: statSync(file).mtimeMs }).toEqual(first);
    expect(readdirSync(dir)).toEqual([basename(file)]);
  });

  it("GIVEN a snapshot for 42 WHEN version 43 snapshots THEN a second file holds the new data and the first is untouched", async () => {
    const { env, dir } = await seededDatabase();
    const file42 = snapshotFile(dir, "shop", "42");
    const file43 = snapshotFile(dir, "shop", "43");
    await snapshot(file42, env);
    const hash42 = sha256(file42);
    await pg.query("delete from t where id > 10", env);

    await snapshot(file43, env);
    expect(readdirSync(dir).sort()).toEqual(["shop-pre-42.dump", "shop-pre-43.dump"]);
    expect(sha256(file42)).toBe(hash42);
    expect(sha256(file43)).not.toBe(hash42);
    await pg.query("drop table t", env);
    await restore(file43, env);
    expect(await pg.query("select count(*) from t", env)).toBe("10");
  });

  it("GIVEN the snapshot file appears while dumping (concurrent run) THEN it is not clobbered: the run fails and discards its dump", async () => {
    const { env, dir } = await seededDatabase();
    const file = snapshotFile(dir, "shop", "42");
    const PATH = pgDumpShim("concurrent", `printf 'concurrent snapshot' > '${file}'`);

    const error = await providerFailure(snapshot(file, { ...env, PATH }));
    expect(error.details).toMatch(/^snapshot shop-pre-42: exited with code 1 \(expected 0\)/);
    expect(error.details).toContain(
      `snapshot: ${file} appeared while dumping (a concurrent snapshot of this version?); kept it untouched and discarded this dump`,
    );
    expect(readFileSync(file, "utf8")).toBe("concurrent snapshot");
    expect(readdirSync(dir)).toEqual([basename(file)]);
  });

  it("GIVEN pg_dump fails (no such database) THEN the run fails with its message and leaves neither snapshot nor partial file", async () => {
    const { env, dir } = await seededDatabase();
    const file = snapshotFile(dir, "shop", "42");

    const error = await providerFailure(snapshot(file, { ...env, PGDATABASE: "missing_db" }));
    expect(error.details).toMatch(/^snapshot shop-pre-42: exited with code 1 \(expected 0\)/);
    // The libpq error, with the env values OneShotCommand redacts from output.
    expect(error.details).toContain(
      'connection to server at "<env:PGHOST>", port <env:PGPORT> failed: FATAL:  database "<env:PGDATABASE>" does not exist',
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it("GIVEN a dump that outlives its timeout THEN it is stopped at the limit and its partial file is removed", async () => {
    const { env, dir } = await seededDatabase();
    const file = snapshotFile(dir, "shop", "42");
    // Writes part of the partial file, then hangs like a dump stuck on a lock.
    const PATH = pgDumpShim("hang", `printf 'half a dump' > '${file}.partial'; sleep 30`);

    const error = await providerFailure(snapshot(file, { ...env, PATH }, 1));
    expect(error.details).toContain(
      "snapshot shop-pre-42: timed out: still running after the limit of timeoutSeconds=1 (stopped with SIGTERM",
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it("GIVEN a partial file left by a killed run THEN the snapshot refuses, says how to fix it, and leaves that file for the operator", async () => {
    const { env, dir } = await seededDatabase();
    const file = snapshotFile(dir, "shop", "42");
    writeFileSync(`${file}.partial`, "left by SIGKILL");

    const error = await providerFailure(snapshot(file, env));
    expect(error.details).toContain(
      `snapshot: ${file}.partial already exists: another snapshot of this version is running, or one was killed mid-dump. If none is running, delete ${file}.partial and run again.`,
    );
    expect(readFileSync(`${file}.partial`, "utf8")).toBe("left by SIGKILL");
    expect(readdirSync(dir)).toEqual([`${basename(file)}.partial`]);
  });
});
