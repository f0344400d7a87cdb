/**
 * What the rehearsal's prelude produces, read by real libpq: `psql` (the
 * Debian client installed here) connects with each connection form after
 * `sh` ran the prelude, against a real Postgres that stands for the copy.
 * Every form lands on the copy, logged in as the copy's master user with the
 * password set at restore, acting as the migration's own role (what it
 * creates is owned by that role). The real host is under `.invalid`, which
 * never resolves: a form left pointing at it cannot connect, as the control
 * without the prelude shows.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionPrelude, preludeEnvironment, ScratchTarget } from "../components/rehearsal";
import { PostgresCluster, startPostgres } from "../testkit/postgres";

const run = promisify(execFile);
const REAL = "shop-production.abc123.invalid";
const MASTER = { user: "bluegreen", password: "Fr3sh-Pa55w0rd" };
const QUERY = "select current_user, session_user, current_database(), inet_server_port()";

/** Each form, with the variables the image or the task definition would give it. */
const FORMS: [what: string, env: Record<string, string>, role: string][] = [
  [
    "URI with user and password",
    { DATABASE_URL: `postgres://shop:the-real-pw@${REAL}:5432/shop?application_name=m` },
    "shop",
  ],
  [
    "URI without credentials, PGUSER",
    { DATABASE_URL: `postgresql://${REAL}/shop`, PGUSER: "shop_migration" },
    "shop_migration",
  ],
  [
    "host=, hostaddr= and port= parameters",
    { DATABASE_URL: `postgres://shop@x/shop?host=${REAL}&hostaddr=10.255.255.1&port=6432` },
    "shop",
  ],
  ["a unix-socket host", { DATABASE_URL: "postgresql://shop@%2Fvar%2Frun%2Fpostgresql/shop" }, "shop"],
  [
    "socket and user as parameters",
    { DATABASE_URL: "postgresql:///shop?host=/nonexistent&user=shop&password=pw" },
    "shop",
  ],
  [
    "a host list, the user as a parameter",
    { DATABASE_URL: `postgres://a:b@${REAL}:5432,other.invalid:5433/shop?user=reader&target_session_attrs=read-write` },
    "reader",
  ],
  [
    "key=value with hostaddr and a quoted password",
    { DATABASE_URL: `host=${REAL} hostaddr=10.255.255.1 port=6432 dbname=shop user='shop' password='a b\\'c'` },
    "shop",
  ],
  [
    "PG* variables only (set by the image), PGHOSTADDR",
    { PGHOST: REAL, PGHOSTADDR: "10.255.255.1", PGPORT: "6432", PGUSER: "shop", PGPASSWORD: "x", PGDATABASE: "shop" },
    "shop",
  ],
];

describe("the prelude's connection, as libpq reads it", () => {
  let pg: PostgresCluster;
  let target: ScratchTarget;

  beforeAll(async () => {
    pg = await startPostgres({
      database: "shop",
      hba: "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n",
    });
    // The copy as restored: the app's roles, its master user a member of them, the master password reset.
    await pg.asSuperuser(
      `create role ${MASTER.user} login password '${MASTER.password}' createrole;` +
        " create role shop login password 'the-real-pw'; create role shop_migration login; create role reader login;" +
        ` grant shop, shop_migration, reader to ${MASTER.user}; create role stranger login;` +
        " alter database shop owner to shop; alter role shop set statement_timeout = '7s'",
      "postgres",
    );
    target = { host: "127.0.0.1", port: pg.port, login: MASTER };
  }, 60_000);
  afterAll(() => pg?.stop());

  /** The prelude, then psql with DATABASE_URL when there is one (libpq reads the PG* variables itself). */
  const psql = (env: Record<string, string>, sql: string, prelude = true) => {
    const inner = ["sh", "-c", 'psql -XAtw ${DATABASE_URL:+"$DATABASE_URL"} -c "$0"', sql];
    const [command, ...args] = prelude ? connectionPrelude(inner) : inner;
    return run(command, args, {
      env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: "3", ...env, ...preludeEnvironment(target, [REAL]) },
    }).then(
      ({ stdout }) => stdout.trim(),
      (error: { stderr: string }) => `failed: ${error.stderr.trim()}`,
    );
  };

  it.each(FORMS)("%s: on the copy, as its master user, acting as the migration's role", async (_, env, role) => {
    expect(await psql(env, QUERY)).toBe(`${role}|${MASTER.user}|shop|${pg.port}`);
    expect(await psql(env, QUERY, false)).toMatch(/^failed: /);
  });

  it("creates what the migration creates as its own role, and keeps its own options", async () => {
    const env = { DATABASE_URL: `postgres://shop@${REAL}/shop?options=-c%20search_path%3Dorders` };
    const sql =
      "create schema if not exists orders; create table probe(i int); select tableowner || '|' || schemaname from pg_tables where tablename = 'probe'; drop table probe";
    expect(await psql(env, sql)).toBe("CREATE SCHEMA\nCREATE TABLE\nshop|orders\nDROP TABLE");
    // What the session does not share with a login as the role: its ALTER ROLE ... SET settings (documented).
    expect(await psql(env, "show statement_timeout")).toBe("0");
  });

  it("fails closed when the master user may not act as the role: the connection is refused, nothing runs", async () => {
    expect(await psql({ DATABASE_URL: `postgres://stranger@${REAL}/shop` }, QUERY)).toMatch(
      /failed: .*FATAL: {2}permission denied to set role "stranger"/s,
    );
  });

  it("needs the password set at restore: the real credentials do not log in as the master user", async () => {
    const wrong = { ...target, login: { user: MASTER.user, password: "the-real-pw" } };
    const [command, ...args] = connectionPrelude(["sh", "-c", 'psql -XAtw "$DATABASE_URL" -c "select 1"']);
    const outcome = await run(command, args, {
      env: { PATH: process.env.PATH, DATABASE_URL: `postgres://shop@${REAL}/shop`, ...preludeEnvironment(wrong) },
    }).then(
      () => "connected",
      (error: { stderr: string }) => error.stderr,
    );
    expect(outcome).toMatch(/password authentication failed for user "bluegreen"/);
  });
});
