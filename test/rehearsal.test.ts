import { describe, expect, it } from "vitest";
import { rehearsalLeftovers, rehearsalName, scratchDatabaseUrl, scratchEnv } from "../components/rehearsal";

describe("the rehearsal's scratch copy", () => {
  it("is named <app>-rehearsal-<version>, valid as a database name and an RDS instance identifier", () => {
    expect(rehearsalName("api", "42")).toBe("api-rehearsal-42");
    expect(rehearsalName("api", "2026-11-20_Orders.v2")).toBe("api-rehearsal-2026-11-20-orders-v2");
    const long = rehearsalName("billing-service", "x".repeat(40) + "-" + "y".repeat(20));
    expect(long).toHaveLength(63);
    expect(long).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    expect(rehearsalName("api", "a".repeat(49) + "--b")).toBe(`api-rehearsal-${"a".repeat(49)}`);
  });

  it("finds only this app's scratch copies as leftovers", () => {
    expect(
      rehearsalLeftovers("api", ["api", "api-rehearsal-41", "api-rehearsal-42", "apis-rehearsal-1", "web-rehearsal-1"]),
    ).toEqual(["api-rehearsal-41", "api-rehearsal-42"]);
  });
});

describe("the connection overrides", () => {
  const env = {
    PGHOST: "api-postgres",
    PGPORT: "5432",
    PGDATABASE: "api",
    PGUSER: "api_migration",
    PGPASSWORD: "Secret123",
    DATABASE_URL: "postgres://api_migration:Secret123@api-postgres:5432/api?sslmode=require",
    LOG_LEVEL: "debug",
  };

  it("points PGDATABASE and DATABASE_URL at the scratch database of the same server, keeping user, password and query", () => {
    expect(scratchEnv(env, { database: "api-rehearsal-42" })).toEqual({
      ...env,
      PGDATABASE: "api-rehearsal-42",
      DATABASE_URL: "postgres://api_migration:Secret123@api-postgres:5432/api-rehearsal-42?sslmode=require",
    });
  });

  it("moves host and port when the copy is another server with the same database (AWS), and touches nothing else", () => {
    const target = { host: "api-rehearsal-42.abc.eu-west-1.rds.amazonaws.com", port: 5433 };
    const moved = scratchEnv(env, target);
    expect(moved.DATABASE_URL).toBe(
      "postgres://api_migration:Secret123@api-rehearsal-42.abc.eu-west-1.rds.amazonaws.com:5433/api?sslmode=require",
    );
    const changed = Object.keys(env).filter((key) => moved[key] !== env[key as keyof typeof env]);
    expect(changed.sort()).toEqual(["DATABASE_URL", "PGHOST", "PGPORT"]);
  });

  it("adds no DATABASE_URL when there is none, and refuses one that is not a URL rather than pass the real database on", () => {
    expect(scratchEnv({ PGDATABASE: "api" }, { database: "api-rehearsal-1" })).toEqual({
      PGDATABASE: "api-rehearsal-1",
    });
    expect(() => scratchEnv({ DATABASE_URL: "host=db dbname=api" }, { database: "x" })).toThrow(
      "DATABASE_URL is not a URL (postgres://user:password@host:5432/database), so the rehearsal cannot point it at the scratch copy",
    );
    expect(scratchDatabaseUrl("postgresql://u@h/db", { database: "a b" })).toBe("postgresql://u@h/a%20b");
  });
});
