/**
 * The pure generators, plus the generated scripts run by the real `sh` with
 * stub pg_dump/pg_restore (no database): quoting, env checks, archive
 * validation and the exact pg_restore flags. The real-Postgres behaviour is
 * proven in snapshotMigration.test.ts.
 */
import { spawnSync } from "node:child_process";
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
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerRunArgs, restoreScript, snapshotFile, snapshotScript } from "../../components/docker/postgresScripts";

const PG_ENV = { PGHOST: "db", PGPORT: "5432", PGUSER: "app", PGDATABASE: "shop", PGPASSWORD: "hunter2-secret" };

describe("snapshotFile", () => {
  it("names the file <dir>/<snapshotIdentifier>.dump, ignoring a trailing slash", () => {
    expect(snapshotFile("/snapshots/", "API", "42")).toBe("/snapshots/api-pre-42.dump");
    expect(snapshotFile("/var/lib/snapshots", "shop", "2024.06.01_add-price")).toBe(
      "/var/lib/snapshots/shop-pre-2024-06-01-add-price.dump",
    );
  });

  it("rejects a relative directory, saying what to pass instead", () => {
    expect(() => snapshotFile("snapshots", "api", "42")).toThrow(
      'snapshot directory must be an absolute path, got "snapshots"; use the volume\'s mount path, e.g. "/snapshots"',
    );
  });
});

describe("dockerRunArgs", () => {
  const spec = {
    image: "postgres:15-alpine",
    network: "shop-net",
    volumes: [{ name: "shop-db-snapshots", mountPath: "/snapshots" }],
    envNames: Object.keys(PG_ENV),
    command: ["sh", "-c", "echo hi"],
  };

  it("GIVEN env with a password WHEN building the argv THEN it passes names only, sorted, with --rm --init", () => {
    expect(dockerRunArgs(spec)).toEqual([
      "docker",
      "run",
      "--rm",
      "--init",
      "--network",
      "shop-net",
      "-v",
      "shop-db-snapshots:/snapshots",
      "-e",
      "PGDATABASE",
      "-e",
      "PGHOST",
      "-e",
      "PGPASSWORD",
      "-e",
      "PGPORT",
      "-e",
      "PGUSER",
      "postgres:15-alpine",
      "sh",
      "-c",
      "echo hi",
    ]);
  });

  it("rejects what docker would misread, naming the bad value", () => {
    expect(() => dockerRunArgs({ ...spec, command: [] })).toThrow("dockerRunArgs: command is empty");
    expect(() => dockerRunArgs({ ...spec, image: " " })).toThrow("dockerRunArgs: image is empty");
    expect(() => dockerRunArgs({ ...spec, network: "" })).toThrow("dockerRunArgs: network is empty");
    expect(() => dockerRunArgs({ ...spec, volumes: [{ name: "/host/dir", mountPath: "/snapshots" }] })).toThrow(
      'volume name "/host/dir" is not a Docker volume name',
    );
    expect(() => dockerRunArgs({ ...spec, volumes: [{ name: "snaps", mountPath: "snapshots" }] })).toThrow(
      'mount path "snapshots" of volume snaps must be absolute',
    );
    expect(() => dockerRunArgs({ ...spec, envNames: ["PG-HOST"] })).toThrow(
      'env name "PG-HOST" is not a valid variable name',
    );
  });
});

describe("generated scripts under the real sh, with stub Postgres tools", () => {
  let dir: string;
  let stubs: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "bluegreen-scripts-"));
    stubs = join(dir, "bin");
    writeStub(
      "pg_dump",
      'for a; do case $a in --file=*) out=${a#--file=};; esac; done\nprintf "%s" "${STUB_DUMP:-archive}" > "$out"\nexit "${STUB_DUMP_EXIT:-0}"',
    );
    writeStub("pg_restore", '[ "$1" = --list ] && exit "${STUB_LIST_EXIT:-0}"\necho "pg_restore $*"');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function writeStub(name: string, body: string): void {
    const path = join(stubs, name);
    mkdirSync(stubs, { recursive: true });
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
  }

  function sh(script: string, env: Record<string, string>) {
    const result = spawnSync("sh", ["-c", script], {
      env: { PATH: `${stubs}:${process.env.PATH}`, ...env },
      encoding: "utf8",
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it("GIVEN a path with a space and a quote WHEN snapshotting THEN the dump lands exactly there and nothing else remains", () => {
    const file = join(dir, "it's a dir", "shop-pre-1.dump");
    const result = sh(snapshotScript({ file }), { ...PG_ENV, STUB_DUMP: "archive-1" });
    expect(result.status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("archive-1");
    expect(readdirSync(join(dir, "it's a dir"))).toEqual(["shop-pre-1.dump"]);
    expect(result.stdout).toBe(`snapshot: wrote ${file} (9 bytes) of database shop on db\n`);
  });

  it("GIVEN PGDATABASE unset WHEN snapshotting THEN it fails before dumping, naming the variable", () => {
    const file = join(dir, "no-db.dump");
    const { PGDATABASE: _omitted, ...withoutDatabase } = PG_ENV;
    const result = sh(snapshotScript({ file }), withoutDatabase);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      "snapshot: PGDATABASE is not set; pass PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSWORD in the environment",
    );
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it("GIVEN pg_dump fails after writing WHEN snapshotting THEN the exit is non-zero and no partial file is left", () => {
    const file = join(dir, "dump-fails.dump");
    const result = sh(snapshotScript({ file }), { ...PG_ENV, STUB_DUMP_EXIT: "1" });
    expect(result.status).toBe(1);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it("GIVEN an archive pg_restore cannot read WHEN snapshotting THEN it is discarded, not published", () => {
    const file = join(dir, "unreadable.dump");
    const result = sh(snapshotScript({ file }), { ...PG_ENV, STUB_LIST_EXIT: "1" });
    expect(result.status).toBe(1);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it("restores with exactly --clean --if-exists --single-transaction --no-owner into $PGDATABASE", () => {
    const file = join(dir, "it's a dir", "shop-pre-1.dump");
    const result = sh(restoreScript({ file }), PG_ENV);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      `restore: restoring ${file} into database shop on db in one transaction\n` +
        `pg_restore --clean --if-exists --single-transaction --no-owner --dbname=shop ${file}\n`,
    );
  });

  it("GIVEN no snapshot file WHEN restoring THEN it fails clearly without calling pg_restore", () => {
    const file = join(dir, "missing.dump");
    const result = sh(restoreScript({ file }), PG_ENV);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      `restore: snapshot ${file} not found; list the snapshots in ${dir} and pass one that exists\n`,
    );
  });
});
