/**
 * The pure builders of the local database's access: role names, pg_hba.conf,
 * connection URLs and the roles script's shape. What they do on a real
 * Postgres: databaseRoles.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  CLIENT_ENV_NAMES,
  connectionUrl,
  databaseRoles,
  hbaConfig,
  migrationClientEnv,
  migrationRoleSettingsSql,
  rolesScript,
  VERIFIER_ENV,
} from "../../components/docker/postgresRoles";
import { migrationSession } from "../../components/migrationSessions";

describe("the local database's roles and access", () => {
  it("names an app role and a migration role after the app", () => {
    expect(databaseRoles("api")).toEqual({ app: "api_app", migration: "api_migration" });
    expect(databaseRoles("orders-v2")).toEqual({ app: "orders_v2_app", migration: "orders_v2_migration" });
  });

  it("writes a pg_hba.conf with no trust: peer for the superuser on the socket, SCRAM for the two roles, nothing else (the rehearsal runs a server of its own)", () => {
    const entries = hbaConfig("api", databaseRoles("api"))
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(entries).toEqual([
      "local  all  postgres  peer",
      'host  "api"  "api_app","api_migration"  all  scram-sha-256',
    ]);
  });

  it("gives the one-off steps the migration role's variables, whose names are known before the password", () => {
    const env = migrationClientEnv(databaseRoles("api"), "api-postgres", "api", "Secret123");
    expect(Object.keys(env).sort()).toEqual([...CLIENT_ENV_NAMES].sort());
    expect(env).toEqual({
      DATABASE_URL: "postgres://api_migration:Secret123@api-postgres:5432/api",
      PGDATABASE: "api",
      PGHOST: "api-postgres",
      PGPASSWORD: "Secret123",
      PGPORT: "5432",
      PGUSER: "api_migration",
    });
    expect(connectionUrl("api_app", "pw", "api-postgres", "api")).toBe("postgres://api_app:pw@api-postgres:5432/api");
  });

  it("reads both verifiers from the environment and sends SQL on stdin: no secret on a command line", () => {
    const script = rolesScript("api", databaseRoles("api"));
    for (const variable of Object.values(VERIFIER_ENV)) expect(script).toContain(`'\${${variable}}'`);
    expect(script).toContain("} | psql -X -q -v ON_ERROR_STOP=1 --dbname='api'");
    expect(script).not.toMatch(/psql[^\n]*(-c|-v [a-z_]+=)/);
    expect(script.match(/^BEGIN;$/gm)).toHaveLength(1);
    expect(script.match(/^COMMIT;$/gm)).toHaveLength(1);
  });

  it("gives the migration role the migration's lock and statement timeouts in the same transaction, and leaves them alone without a migration", () => {
    const session = migrationSession({ timeoutSeconds: 900, lockTimeoutSeconds: 2.5 });
    expect(migrationRoleSettingsSql("api_migration", session)).toEqual([
      `ALTER ROLE "api_migration" SET lock_timeout = '2500ms';`,
      `ALTER ROLE "api_migration" SET statement_timeout = '900s';`,
    ]);
    const script = rolesScript("api", databaseRoles("api"), session);
    const body = script.slice(script.indexOf("BEGIN;"), script.indexOf("COMMIT;"));
    for (const statement of migrationRoleSettingsSql("api_migration", session)) expect(body).toContain(statement);
    expect(script).not.toContain(`ALTER ROLE "api_app" SET`);
    expect(rolesScript("api", databaseRoles("api"))).not.toMatch(/SET (lock|statement)_timeout/);
  });
});
