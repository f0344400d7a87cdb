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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const pg = await startPostgres({ database: "bench" });
  const dir = mkdtempSync(join(tmpdir(), "bluegreen-bench-pg-"));
  try {
    await pg.query(SEED, pg.env);
    const before = await pg.query("select md5(string_agg(o::text, ',' order by id)) from orders o", pg.env);
    const files = Array.from({ length: RUNS }, (_, i) => snapshotFile(dir, "bench", `v${i + 1}`));
    const snapshotMs = median(files.map((file) => timeScript(snapshotScript({ file }), pg.env)));
    const skipMs = median(files.map((file) => timeScript(snapshotScript({ file }), pg.env)));
    const restoreMs = median(files.map((file) => timeScript(restoreScript({ file }), pg.env)));
    const after = await pg.query("select md5(string_agg(o::text, ',' order by id)) from orders o", pg.env);
    if (after !== before) throw new Error(`restored content differs: md5 ${after} vs ${before} before`);
    const bytes = statSync(files[0]).size;

    console.log(
      `snapshot (pg_dump custom) of ${ROWS} rows: ${snapshotMs.toFixed(0)} ms median of ${RUNS}, ${Math.round(ROWS / (snapshotMs / 1000))} rows/s`,
    );
    console.log(`snapshot size: ${(bytes / 1024 / 1024).toFixed(2)} MiB, ${(bytes / ROWS).toFixed(1)} bytes/row`);
    console.log(
      `restore (single transaction, with index rebuild) of ${ROWS} rows: ${restoreMs.toFixed(0)} ms median of ${RUNS}, ${Math.round(ROWS / (restoreMs / 1000))} rows/s`,
    );
    console.log(`restore/snapshot time ratio: ${(restoreMs / snapshotMs).toFixed(2)}`);
    console.log(
      `re-run with an existing snapshot (skip): ${skipMs.toFixed(0)} ms, ${(skipMs / snapshotMs).toFixed(3)} of a real snapshot`,
    );
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
