/**
 * The local platform's database access on a REAL Postgres cluster started
 * with the pg_hba.conf the program uploads (hbaConfig), passwords generated
 * by the PostgresPassword provider and the roles script run by
 * OneShotCommand, both through Pulumi's REAL dynamic-provider host. The
 * script runs as the OS user postgres on the unix socket, as `docker exec
 * --user postgres` runs it in the container; every other client connects
 * over TCP with a password, as the colors and one-off containers do on the
 * stack network. Not covered: Docker itself (no engine on this machine).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { postgresPasswordProvider } from "../../components/docker/postgresPassword";
import {
  databaseRoles,
  hbaConfig,
  migrationClientEnv,
  rolesScript,
  VERIFIER_ENV,
} from "../../components/docker/postgresRoles";
import { restoreScript, snapshotFile, snapshotScript } from "../../components/docker/postgresScripts";
import { oneShotCommandProvider } from "../../components/oneShotCommand";
import { PgEnv, PostgresCluster, startPostgres } from "../../testkit/postgres";
import { providerFailure } from "../../testkit/providerFailure";
import { ProviderHost, serializeProvider } from "../../testkit/providerHost";

const DB = "shop";
const ROLES = databaseRoles(DB);
const ONE_SHOT = DYNAMIC_TYPES.oneShotCommand.token;
const PASSWORD = DYNAMIC_TYPES.postgresPassword.token;

interface Credentials {
  readonly password: string;
  readonly scramVerifier: string;
}

describe("database roles on real Postgres, through the real provider host", () => {
  let pg: PostgresCluster;
  let host: ProviderHost;
  let oneShotText: string;
  let passwordText: string;
  let app: Credentials;
  let migration: Credentials;
  let work: string;
  let runs = 0;

  const run = (description: string, command: string[], env: Record<string, string>) =>
    host.create(ONE_SHOT, oneShotText, { description, command, env, timeoutSeconds: 120, runKey: `run-${++runs}` });
  /** The roles script as the program runs it, with the socket of this cluster instead of the container's. */
  const provisionRoles = (verifiers = { app: app.scramVerifier, migration: migration.scramVerifier }) =>
    run("database roles", ["runuser", "-u", "postgres", "--", "sh", "-c", rolesScript(DB, ROLES)], {
      ...pg.socketEnv,
      [VERIFIER_ENV.app]: verifiers.app,
      [VERIFIER_ENV.migration]: verifiers.migration,
    });
  const over = (user: string, password: string | undefined): PgEnv => ({
    PGHOST: "127.0.0.1",
    PGPORT: String(pg.port),
    PGUSER: user,
    PGDATABASE: DB,
    ...(password === undefined ? {} : { PGPASSWORD: password }),
  });
  const asApp = (sql: string) => pg.query(sql, over(ROLES.app, app.password));
  const asMigration = (sql: string) => pg.query(sql, over(ROLES.migration, migration.password));
  /** The one-off containers' environment (the migration role), pointed at this cluster. */
  const migrationEnv = () => ({
    ...migrationClientEnv(ROLES, "127.0.0.1", DB, migration.password),
    PGPORT: String(pg.port),
    DATABASE_URL: `postgres://${ROLES.migration}:${migration.password}@127.0.0.1:${pg.port}/${DB}`,
  });
  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => "accepted",
      (error: { stderr?: string }) => String(error.stderr ?? error).trim(),
    );

  beforeAll(async () => {
    [pg, host, oneShotText, passwordText] = await Promise.all([
      startPostgres({ database: DB, hba: hbaConfig(DB, ROLES) }),
      ProviderHost.start(),
      serializeProvider(oneShotCommandProvider),
      serializeProvider(postgresPasswordProvider),
    ]);
    const generate = async () =>
      (await host.create(PASSWORD, passwordText, { length: 32 })).outs as unknown as Credentials;
    [app, migration] = [await generate(), await generate()];
    work = mkdtempSync(join(tmpdir(), "bluegreen-roles-"));
    // Objects made by the superuser before the roles existed: a stack deployed when the apps connected as postgres.
    await pg.asSuperuser(
      "create table legacy (id serial primary key, note text); insert into legacy (note) values ('kept'); create view legacy_notes as select note from legacy",
      DB,
    );
    await provisionRoles();
  }, 120_000);
  afterAll(async () => {
    await Promise.all([host?.stop(), pg?.stop()]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("generates distinct 32-character passwords and stores only their SCRAM verifiers in Postgres", async () => {
    expect(app.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(app.password).not.toBe(migration.password);
    expect(app.scramVerifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    const stored = await pg.asSuperuser(
      `select rolname || '=' || rolpassword from pg_authid where rolname in ('${ROLES.app}', '${ROLES.migration}') order by rolname`,
      DB,
    );
    expect(stored.split("\n")).toEqual([
      `${ROLES.app}=${app.scramVerifier}`,
      `${ROLES.migration}=${migration.scramVerifier}`,
    ]);
  });

  it("lets each role in with its password over the network, and nobody without one: no trust, no superuser from the network", async () => {
    expect(await asApp("select current_user, rolsuper from pg_roles where rolname = current_user")).toBe(
      `${ROLES.app}|f`,
    );
    expect(await asMigration("select current_user")).toBe(ROLES.migration);
    expect(await rejection(pg.query("select 1", over(ROLES.app, "wrong-password")))).toContain(
      `password authentication failed for user "${ROLES.app}"`,
    );
    expect(await rejection(pg.query("select 1", { ...over(ROLES.app, undefined), PGPASSWORD: "" }))).toMatch(
      /fe_sendauth: no password supplied|password authentication failed/,
    );
    expect(await rejection(pg.query("select 1", over("postgres", undefined)))).toContain(
      `no pg_hba.conf entry for host "127.0.0.1", user "postgres", database "${DB}"`,
    );
    expect(
      await rejection(pg.query("select 1", { ...over(ROLES.app, app.password), PGDATABASE: "postgres" })),
    ).toContain(`no pg_hba.conf entry for host "127.0.0.1", user "${ROLES.app}", database "postgres"`);
  });

  it("keeps the app role to rows: it cannot create tables or schemas, read server files or become anything more", async () => {
    expect(await rejection(asApp("create table intruder (id int)"))).toContain("permission denied for schema public");
    expect(await rejection(asApp("create temp table scratch (id int)"))).toContain(
      `permission denied to create temporary tables in database "${DB}"`,
    );
    expect(await rejection(asApp("create schema mine"))).toContain(`permission denied for database ${DB}`);
    expect(await rejection(asApp("select pg_read_file('/etc/hostname')"))).toContain(
      "permission denied for function pg_read_file",
    );
    expect(await rejection(asApp("copy legacy (note) from '/etc/hostname'"))).toMatch(
      /must be superuser or (a member|have privileges) of the pg_read_server_files role/,
    );
    expect(await rejection(asApp("drop table legacy"))).toContain("must be owner of table legacy");
    expect(
      await asApp(
        "select rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, pg_has_role(current_user, 'pg_read_server_files', 'member') from pg_roles where rolname = current_user",
      ),
    ).toBe("f|f|f|f|f");
  });

  it("hands what the superuser made before to the migration role, and lets the app use it", async () => {
    expect(
      await asMigration(
        "select string_agg(c.relname || ':' || pg_get_userbyid(c.relowner), ',' order by c.relname) from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'v', 'S')",
      ),
    ).toBe(`legacy:${ROLES.migration},legacy_id_seq:${ROLES.migration},legacy_notes:${ROLES.migration}`);
    expect(
      await asApp(
        "with added as (insert into legacy (note) values ('from the app') returning id) select id from added",
      ),
    ).toBe("2");
    expect(await asApp("select string_agg(note, ',' order by note) from legacy_notes")).toBe("from the app,kept");
  });

  it("runs a migration as the migration role (its DATABASE_URL), and the app gets rows, not DDL, on what it created", async () => {
    const migrated = await run(
      "migration 42",
      [
        "sh",
        "-c",
        'psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -c "create table orders (id bigserial primary key, total_cents bigint not null)" -c "alter table legacy add column seen boolean not null default false"',
      ],
      migrationEnv(),
    );
    expect(migrated.outs).toMatchObject({ exitCode: 0 });
    expect(
      await asApp(
        "with added as (insert into orders (total_cents) values (1250), (99) returning id) select id from added",
      ),
    ).toBe("1\n2");
    expect(await asApp("select count(*), sum(total_cents) from orders")).toBe("2|1349");
    expect(await rejection(asApp("alter table orders add column hacked int"))).toContain(
      "must be owner of table orders",
    );
  });

  it("snapshots and restores as the migration role: rows, schema and the app's privileges come back", async () => {
    await asApp("insert into orders (total_cents) select g from generate_series(1, 2000) g");
    const contents = () =>
      asMigration("select count(*) || ':' || md5(string_agg(o::text, ',' order by id)) from orders o");
    const before = await contents();
    const file = snapshotFile(work, DB, "43");
    const env = migrationEnv();
    await run("snapshot shop-pre-43", ["sh", "-c", snapshotScript({ file })], env);
    // Migration 43 damages data and the schema.
    await asMigration("delete from orders where id % 2 = 0; alter table orders drop column total_cents");
    await run("restore shop-pre-43", ["sh", "-c", restoreScript({ file })], env);
    expect(await contents()).toBe(before);
    expect(await asApp("select count(*) from orders")).toBe(before.split(":")[0]);
    expect(
      await asApp(
        "with added as (insert into orders (total_cents) values (7) returning total_cents) select * from added",
      ),
    ).toBe("7");
    expect(await rejection(asApp("create table after_restore (id int)"))).toContain(
      "permission denied for schema public",
    );
  });

  it("runs again without harm (a replaced container) and refuses a plain password instead of a verifier", async () => {
    await provisionRoles();
    expect(await asApp("select current_user")).toBe(ROLES.app);
    const refused = await providerFailure(provisionRoles({ app: app.password, migration: migration.scramVerifier }));
    expect(refused.details).toContain(
      "roles: BLUEGREEN_APP_VERIFIER is not a SCRAM-SHA-256 verifier; a plain password is refused",
    );
    expect(refused.details).not.toContain(app.password);
    expect(await asApp("select current_user")).toBe(ROLES.app);
  });
});
