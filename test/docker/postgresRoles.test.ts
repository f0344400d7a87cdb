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
  rolesScript,
  VERIFIER_ENV,
} from "../../components/docker/postgresRoles";

describe("the local database's roles and access", () => {
  it("names an app role and a migration role after the app", () => {
    expect(databaseRoles("api")).toEqual({ app: "api_app", migration: "api_migration" });
    expect(databaseRoles("orders-v2")).toEqual({ app: "orders_v2_app", migration: "orders_v2_migration" });
  });

  it("writes a pg_hba.conf with no trust: peer for the superuser on the socket, SCRAM for the two roles (the migration role also into the rehearsal's scratch databases), nothing else", () => {
    const entries = hbaConfig("api", databaseRoles("api"))
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(entries).toEqual([
      "local  all  postgres  peer",
      'host  "api"  "api_app","api_migration"  all  scram-sha-256',
      'host  /^api-rehearsal-  "api_migration"  all  scram-sha-256',
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
});
