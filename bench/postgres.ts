/**
 * Snapshot and restore speed of the local platform's scripts on a real,
 * throwaway Postgres 15 cluster: how long the pre-migration snapshot delays
 * a release, and how long a restore keeps a broken database broken.
 * Run: npx tsx bench/postgres.ts
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { restoreScript, snapshotFile, snapshotScript } from "../components/docker/postgresScripts";
import { PgEnv, startPostgres } from "../testkit/postgres";
import { describeSpread, report, spreadOf } from "./result";

const ROWS = 100_000;
const RUNS = 3;

const SEED = `
  create table orders (id int primary key, customer text not null, qty int not null, created date not null, note text not null);
  create index orders_customer on orders (customer);
  insert into orders
    select i, 'customer-' || (i % 5000), i % 97, date '2024-01-01' + (i % 365), repeat(md5(i::text), 2)
    from generate_series(1, ${ROWS}) i;
  analyze orders;`;

/** Runs a generated script with the cluster's PG* env; returns wall time in ms, or throws with its output. */
function timeScript(script: string, env: PgEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync("sh", ["-c", script], { env: { ...process.env, ...env }, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`script exited with ${result.status}: ${result.stderr}`);
  return ms;
}

async function main(): Promise<void> {
  const pg = await startPostgres({ database: "bench" });
  const dir = mkdtempSync(join(tmpdir(), "bluegreen-bench-pg-"));
  try {
    await pg.query(SEED, pg.env);
    const before = await pg.query("select md5(string_agg(o::text, ',' order by id)) from orders o", pg.env);
    const files = Array.from({ length: RUNS }, (_, i) => snapshotFile(dir, "bench", `v${i + 1}`));
    const snapshot = spreadOf(files.map((file) => timeScript(snapshotScript({ file }), pg.env)));
    const skip = spreadOf(files.map((file) => timeScript(snapshotScript({ file }), pg.env)));
    const restore = spreadOf(files.map((file) => timeScript(restoreScript({ file }), pg.env)));
    const after = await pg.query("select md5(string_agg(o::text, ',' order by id)) from orders o", pg.env);
    if (after !== before) throw new Error(`restored content differs: md5 ${after} vs ${before} before`);
    const bytes = statSync(files[0]).size;

    const rowsPerSecond = (ms: number) => Math.round(ROWS / (ms / 1000));
    report("postgres", [
      {
        figure: `snapshot (pg_dump custom format) of ${ROWS} rows: how long it delays a release`,
        observed: `${describeSpread(snapshot, "ms")}, ${rowsPerSecond(snapshot.median)} rows/s`,
      },
      {
        figure: "snapshot file size",
        observed: `${(bytes / 1024 / 1024).toFixed(2)} MiB, ${(bytes / ROWS).toFixed(1)} bytes/row`,
      },
      {
        figure: `restore (one transaction, indexes rebuilt) of ${ROWS} rows: how long a broken database stays broken`,
        observed: `${describeSpread(restore, "ms")}, ${rowsPerSecond(restore.median)} rows/s; ${(restore.median / snapshot.median).toFixed(2)}× the snapshot`,
      },
      {
        figure: "re-run with the snapshot already taken (skipped)",
        observed: `${describeSpread(skip, "ms")}, ${(skip.median / snapshot.median).toFixed(3)} of a real snapshot`,
      },
    ]);
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
