/**
 * The rehearsal's names and connection rewrite (components/rehearsal.ts):
 * every form of connection setting as a table, rewritten to the copy or
 * refused naming the form, by the pure function AND by the prelude as `sh`
 * runs it in a container (with each awk installed here: mawk, and busybox
 * and gawk when present); then the two held to each other on generated
 * strings.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  connectionPrelude,
  preludeEnvironment,
  PRELUDE_REFUSED,
  RefusedConnection,
  RefusedForm,
  rehearsalConnection,
  rehearsalLeftovers,
  rehearsalName,
  scratchDatabaseUrl,
  scratchEnv,
  ScratchTarget,
} from "../components/rehearsal";

describe("the rehearsal's scratch copy", () => {
  it("is named <app>-rehearsal-<version>, valid as a database name and an RDS instance identifier", () => {
    expect(rehearsalName("api", "42")).toBe("api-rehearsal-42");
    expect(rehearsalName("api", "2026-11-20_Orders.v2")).toBe("api-rehearsal-2026-11-20-orders-v2");
    const long = rehearsalName("billing-service", "x".repeat(40) + "-" + "y".repeat(20));
    expect(long).toHaveLength(63);
    expect(long).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    expect(rehearsalName("api", "a".repeat(49) + "--b")).toBe(`api-rehearsal-${"a".repeat(49)}`);
  });

  it("finds only this app's scratch copies by name", () => {
    expect(
      rehearsalLeftovers("api", ["api", "api-rehearsal-41", "api-rehearsal-42", "apis-rehearsal-1", "web-rehearsal-1"]),
    ).toEqual(["api-rehearsal-41", "api-rehearsal-42"]);
  });
});

describe("scratchEnv on a plain environment (the local target: same server, another database)", () => {
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

  it("moves host and port when the copy is another server with the same database, and touches nothing else", () => {
    const target = { host: "api-rehearsal-42.abc.eu-west-1.rds.amazonaws.com", port: 5433 };
    const moved = scratchEnv(env, target);
    expect(moved.DATABASE_URL).toBe(
      "postgres://api_migration:Secret123@api-rehearsal-42.abc.eu-west-1.rds.amazonaws.com:5433/api?sslmode=require",
    );
    const changed = Object.keys(env).filter((key) => moved[key] !== env[key as keyof typeof env]);
    expect(changed.sort()).toEqual(["DATABASE_URL", "PGHOST", "PGPORT"]);
  });

  it("rewrites a dbname parameter and a key=value string too, and refuses a service", () => {
    const target = { database: "api-rehearsal-1" };
    expect(scratchEnv({ PGDATABASE: "api" }, target)).toEqual({ PGDATABASE: "api-rehearsal-1" });
    expect(scratchEnv({ DATABASE_URL: "postgres://u@h/api?dbname=api&sslmode=require" }, target).DATABASE_URL).toBe(
      "postgres://u@h/api-rehearsal-1?sslmode=require",
    );
    expect(scratchEnv({ DATABASE_URL: "host=db dbname=api user=u" }, target).DATABASE_URL).toBe(
      "host=db user=u dbname='api-rehearsal-1'",
    );
    expect(scratchDatabaseUrl("postgresql://u@h/db", { database: "a b" })).toBe("postgresql://u@h/a%20b");
    expect(() => scratchEnv({ PGSERVICE: "prod", PGUSER: "u" }, target)).toThrow(
      "PGSERVICE names a connection service (pg_service.conf)",
    );
    expect(() => scratchEnv({ DATABASE_URL: "db.example.com:5432/api" }, target)).toThrow(
      "DATABASE_URL is neither a postgresql:// URI nor a key=value connection string",
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Every form, AWS target: the copy's endpoint, its master user with the password set at restore, the real host known.

const REAL = "shop-production.abc123.us-east-1.rds.amazonaws.com";
const COPY = "shop-rehearsal-0042.abc123.us-east-1.rds.amazonaws.com";
const LOGIN = { user: "bluegreen", password: "Fr3sh-Pa55w0rd" };
const AWS: ScratchTarget = { host: COPY, port: 5432, login: LOGIN };
const COPY_PG = { PGHOST: COPY, PGPORT: "5432", PGUSER: "bluegreen", PGPASSWORD: LOGIN.password };
const AS = "bluegreen:Fr3sh-Pa55w0rd@";

type Case = [
  what: string,
  env: Record<string, string>,
  expected: { set: Record<string, string>; unset?: string[] } | RefusedForm,
];

const CASES: Case[] = [
  [
    "URI with user and password, query kept",
    { DATABASE_URL: `postgres://shop:S3cr%40t@${REAL}:5432/shop?sslmode=require` },
    {
      set: {
        DATABASE_URL: `postgres://${AS}${COPY}:5432/shop?sslmode=require&options=-c%20role%3Dshop`,
        ...COPY_PG,
        PGOPTIONS: "-c role=shop",
      },
    },
  ],
  [
    "postgresql:// without credentials: the role is PGUSER's",
    { DATABASE_URL: `postgresql://${REAL}/shop`, PGUSER: "shop_migration" },
    {
      set: {
        DATABASE_URL: `postgresql://${AS}${COPY}:5432/shop?options=-c%20role%3Dshop_migration`,
        ...COPY_PG,
        PGOPTIONS: "-c role=shop_migration",
      },
    },
  ],
  ["without credentials and without PGUSER", { DATABASE_URL: `postgresql://${REAL}/shop` }, "no-role"],
  [
    "host=, hostaddr= and port= parameters, which override the authority",
    { DATABASE_URL: `postgres://shop@x/shop?host=${REAL}&hostaddr=10.0.0.7&port=6432&sslmode=verify-full` },
    {
      set: {
        DATABASE_URL: `postgres://${AS}${COPY}:5432/shop?sslmode=verify-full&options=-c%20role%3Dshop`,
        ...COPY_PG,
        PGOPTIONS: "-c role=shop",
      },
    },
  ],
  [
    "options of its own (ours first: an explicit role of the migration's still wins)",
    { DATABASE_URL: "postgres://shop@x/shop?options=-c%20search_path%3Dorders%20-c%20role%3Downer&application_name=m" },
    {
      set: {
        DATABASE_URL: `postgres://${AS}${COPY}:5432/shop?application_name=m&options=-c%20role%3Dshop%20-c%20search_path%3Dorders%20-c%20role%3Downer`,
        ...COPY_PG,
        PGOPTIONS: "-c role=shop",
      },
    },
  ],
  [
    "a unix-socket host, percent-encoded",
    { DATABASE_URL: "postgresql://shop@%2Fvar%2Frun%2Fpostgresql/shop" },
    {
      set: {
        DATABASE_URL: `postgresql://${AS}${COPY}:5432/shop?options=-c%20role%3Dshop`,
        ...COPY_PG,
        PGOPTIONS: "-c role=shop",
      },
    },
  ],
  [
    "a unix-socket host as a parameter, the user as a parameter",
    { DATABASE_URL: "postgresql:///shop?host=/cloudsql/p:r:i&user=shop&password=pw" },
    {
      set: {
        DATABASE_URL: `postgresql://${AS}${COPY}:5432/shop?options=-c%20role%3Dshop`,
        ...COPY_PG,
        PGOPTIONS: "-c role=shop",
      },
    },
  ],
  [
    "a host list and IPv6 (one copy instead), a user parameter overriding the authority's",
    { DATABASE_URL: `postgres://a:b@${REAL}:5432,[fd00::1]:5433/shop?user=shop&target_session_attrs=read-write` },
    {
      set: {
        DATABASE_URL: `postgres://${AS}${COPY}:5432/shop?target_session_attrs=read-write&options=-c%20role%3Dshop`,
        ...COPY_PG,
        PGOPTIONS: "-c role=shop",
      },
    },
  ],
  [
    "a role with a space and a backslash (escaped for the server's option splitting)",
    { DATABASE_URL: "postgres://my%20ro%5Cle@x/shop" },
    {
      set: {
        DATABASE_URL: `postgres://${AS}${COPY}:5432/shop?options=-c%20role%3Dmy%5C%20ro%5C%5Cle`,
        ...COPY_PG,
        PGOPTIONS: "-c role=my\\ ro\\\\le",
      },
    },
  ],
  [
    "key=value, quoted and escaped values, hostaddr",
    {
      DATABASE_URL: `host=${REAL} hostaddr=10.0.0.7 port=5432 dbname=shop user = 'shop' password='a b\\'c' sslmode=require`,
    },
    {
      set: {
        DATABASE_URL: `dbname=shop sslmode=require host='${COPY}' port='5432' user='bluegreen' password='Fr3sh-Pa55w0rd' options='-c role=shop'`,
        ...COPY_PG,
        PGOPTIONS: "-c role=shop",
      },
    },
  ],
  ["key=value naming a service", { DATABASE_URL: "service=prod user=shop" }, "service"],
  ["a service parameter", { DATABASE_URL: "postgres://shop@x/shop?service=prod" }, "service"],
  ["PGSERVICE", { PGSERVICE: "prod", PGUSER: "shop" }, "service"],
  ["key=value with an unterminated quote", { DATABASE_URL: "host=x password='abc" }, "keyword-syntax"],
  ["key=value with a key without =", { DATABASE_URL: "host=x sslmode" }, "keyword-syntax"],
  [
    "PG* variables the image sets itself, PGHOSTADDR (which libpq prefers to the host) and PGOPTIONS",
    {
      PGHOST: REAL,
      PGHOSTADDR: "10.0.0.7",
      PGPORT: "6432",
      PGUSER: "shop",
      PGPASSWORD: "the-real-one",
      PGOPTIONS: "-c statement_timeout=5s",
    },
    { set: { ...COPY_PG, PGOPTIONS: "-c role=shop -c statement_timeout=5s" }, unset: ["PGHOSTADDR"] },
  ],
  ["no user anywhere", { PGHOST: REAL }, "no-role"],
  ["a mysql:// URL", { DATABASE_URL: "mysql://shop:pw@x/shop" }, "scheme"],
  ["a JDBC URL", { DATABASE_URL: `jdbc:postgresql://${REAL}/shop` }, "scheme"],
  ["host:port/db without a scheme", { DATABASE_URL: `${REAL}:5432/shop` }, "not-a-connection-string"],
  ["a raw '@' in the password", { DATABASE_URL: `postgres://shop:p@ss@${REAL}/shop` }, "raw-at"],
  ["a raw '@' in the query", { DATABASE_URL: `postgres://${REAL}/shop?user=shop@corp` }, "raw-at"],
  ["a malformed percent-encoding in the user", { DATABASE_URL: "postgres://sh%zzop@x/shop" }, "percent"],
  ["%00 in a parameter", { DATABASE_URL: "postgres://shop@x/shop?options=%00" }, "percent"],
  [
    "another variable holding a postgres URI",
    { PGUSER: "shop", REPORTING_URL: `postgresql://reader:pw@${REAL}/shop` },
    {
      set: {
        REPORTING_URL: `postgresql://${AS}${COPY}:5432/shop?options=-c%20role%3Dreader`,
        ...COPY_PG,
        PGOPTIONS: "-c role=shop",
      },
    },
  ],
  [
    "other variables naming the real host (any case): refused, all named",
    {
      DATABASE_URL: "postgres://shop@x/shop",
      DB_HOST: REAL.toUpperCase(),
      SPRING_DATASOURCE_URL: `jdbc:postgresql://${REAL}/shop`,
    },
    "real-host",
  ],
  [
    "an empty DATABASE_URL is left alone",
    { DATABASE_URL: "", PGUSER: "shop" },
    { set: { ...COPY_PG, PGOPTIONS: "-c role=shop" } },
  ],
];

/** What the environment becomes after a connection change. */
function applied(env: Record<string, string>, change: { set: Record<string, string>; unset?: readonly string[] }) {
  const out: Record<string, string> = { ...env, ...change.set };
  for (const name of change.unset ?? []) delete out[name];
  return out;
}

/** The awks to run the prelude with: a directory with `awk` linked to each one installed. */
const AWKS = [
  ["mawk", "/usr/bin/mawk"],
  ["busybox awk", "/usr/bin/busybox"],
  ["gawk", "/usr/bin/gawk"],
] as const;
const awkDirs = new Map<string, string>();
for (const [name, path] of AWKS) {
  if (!existsSync(path)) continue;
  const dir = mkdtempSync(join(tmpdir(), "bluegreen-awk-"));
  symlinkSync(path, join(dir, "awk"));
  awkDirs.set(name, dir);
}
afterAll(() => awkDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type PreludeResult = { env: Record<string, string> } | { status: number; stderr: string };

/** The prelude as the container runs it: `sh -c <prelude> rehearsal env -0`, the target in BLUEGREEN_REHEARSAL_*. */
function runPrelude(awk: string, env: Record<string, string>, target: ScratchTarget, real: string[]): PreludeResult {
  const [sh, ...args] = connectionPrelude(["env", "-0"]);
  const path = `${awkDirs.get(awk)}:/usr/bin:/bin`;
  try {
    const out = execFileSync(sh, args, {
      env: { ...env, ...preludeEnvironment(target, real), PATH: path },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const seen: Record<string, string> = {};
    for (const entry of out.split("\0").filter((e) => e !== "")) {
      const eq = entry.indexOf("=");
      seen[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    delete seen.PATH;
    delete seen.PWD;
    return { env: seen };
  } catch (error) {
    const e = error as { status: number; stderr: string };
    return { status: e.status, stderr: e.stderr };
  }
}

/** The pure function's verdict in the prelude's terms. */
function expectedRun(env: Record<string, string>, target: ScratchTarget, real: string[]): PreludeResult {
  try {
    return { env: applied(env, rehearsalConnection(env, target, real)) };
  } catch (error) {
    if (!(error instanceof RefusedConnection)) throw error;
    return { status: PRELUDE_REFUSED, stderr: `rehearsal: refused (${error.form}): ${error.message}\n` };
  }
}

describe("every connection form, on AWS: rewritten to the copy with its credentials and the migration's role, or refused", () => {
  it.each(CASES)("%s (the pure rewrite)", (_, env, expected) => {
    if (typeof expected === "string") {
      let thrown: unknown;
      try {
        rehearsalConnection(env, AWS, [REAL]);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(RefusedConnection);
      expect((thrown as RefusedConnection).form).toBe(expected);
      // A refusal names the variable, never its value (which holds passwords).
      expect((thrown as Error).message).not.toMatch(/S3cr|the-real-one|pw@/);
    } else {
      expect(rehearsalConnection(env, AWS, [REAL])).toEqual({ set: expected.set, unset: expected.unset ?? [] });
    }
  });

  it("names every variable that still holds the real host, and nothing of their values", () => {
    expect(() =>
      rehearsalConnection(
        { DATABASE_URL: "postgres://shop@x/shop", DB_HOST: REAL.toUpperCase(), SPRING_DATASOURCE_URL: `jdbc:${REAL}` },
        AWS,
        [REAL],
      ),
    ).toThrow(
      "The rehearsal refuses to start: DB_HOST, SPRING_DATASOURCE_URL still names the real database's host; the migration would not be pointed at the copy.",
    );
  });

  for (const awk of AWKS.map(([name]) => name)) {
    it.skipIf(!awkDirs.has(awk)).each(CASES)(`%s (the prelude, sh + ${awk})`, (_, env, expected) => {
      const run = runPrelude(awk, env, AWS, [REAL]);
      expect(run).toEqual(expectedRun(env, AWS, [REAL]));
      if (typeof expected === "string") {
        expect(run).toMatchObject({
          status: 78,
          stderr: expect.stringContaining(`rehearsal: refused (${expected}): `),
        });
      } else {
        expect((run as { env: Record<string, string> }).env).toEqual(applied(env, expected));
      }
    });
  }

  it("leaves nothing of its own in the command's environment, and execs the command's argv untouched", () => {
    const [sh, ...args] = connectionPrelude([
      "sh",
      "-c",
      'printf "%s|" "$0" "$@"; env | grep -c BLUEGREEN_ || true',
      "a b",
      "$HOME",
    ]);
    const out = execFileSync(sh, args, {
      env: { PATH: process.env.PATH, PGUSER: "shop", ...preludeEnvironment(AWS, [REAL]) },
      encoding: "utf8",
    });
    expect(out).toBe("a b|$HOME|0\n");
  });

  it("refuses with exit 78 in an image without awk", () => {
    const [sh, ...args] = connectionPrelude(["true"]);
    const empty = mkdtempSync(join(tmpdir(), "bluegreen-noawk-"));
    try {
      symlinkSync("/bin/sh", join(empty, "sh"));
      let status = 0;
      let stderr = "";
      try {
        execFileSync(join(empty, "sh"), args, { env: { PATH: empty }, encoding: "utf8", stdio: "pipe" });
      } catch (error) {
        ({ status, stderr } = error as { status: number; stderr: string });
      }
      expect(status).toBe(78);
      expect(stderr).toContain("the migration image has no awk");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    expect(sh).toBe("sh");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The two halves held to each other on generated strings.

const piece = (chars: string, max = 8) => fc.string({ unit: fc.constantFrom(...chars.split("")), maxLength: max });
const WORD = "abcXY09_-.";
const SPECIAL = " %@:/?&=#'\\\"+,;[]é日\t";
const encoded = fc.oneof(
  piece(WORD),
  fc.constantFrom("%40", "%20", "%2F", "%3D", "%zz", "%0", "%00", "%C3%A9", "%5C"),
  piece(WORD + SPECIAL, 6),
);
const text = fc
  .array(encoded, { maxLength: 3 })
  .map((parts) => parts.join(""))
  .filter((s) => !s.includes("\0"));
const KEYS = ["host", "hostaddr", "port", "user", "password", "options", "dbname", "service", "sslmode", "h%6Fst", "a"];
const uriString = fc
  .record({
    designator: fc.constantFrom("postgres://", "postgresql://"),
    userinfo: fc.option(fc.tuple(text, fc.option(text)), { nil: undefined }),
    hosts: fc.array(
      fc.tuple(fc.constantFrom(REAL, "x", "[fd00::1]", "%2Ftmp", ""), fc.option(piece("0123456789:", 5))),
      {
        maxLength: 2,
      },
    ),
    path: fc.option(text, { nil: undefined }),
    query: fc.option(fc.array(fc.oneof(fc.tuple(fc.constantFrom(...KEYS), text), text), { maxLength: 4 }), {
      nil: undefined,
    }),
  })
  .map(({ designator, userinfo, hosts, path, query }) => {
    const user = userinfo ? `${userinfo[0]}${userinfo[1] === null ? "" : `:${userinfo[1]}`}@` : "";
    const host = hosts.map(([h, p]) => `${h}${p === null ? "" : `:${p}`}`).join(",");
    const items = (query ?? []).map((q) => (typeof q === "string" ? q : `${q[0]}=${q[1]}`));
    return `${designator}${user}${host}${path === undefined ? "" : `/${path}`}${query === undefined ? "" : `?${items.join("&")}`}`;
  });
const keywordString = fc
  .array(
    fc.tuple(
      fc.constantFrom(...KEYS, "x"),
      fc.constantFrom(" ", "", "\t"),
      fc.oneof(
        text.map((v) => `'${v}'`),
        piece(WORD + "\\'", 6),
        text,
      ),
    ),
    { maxLength: 4 },
  )
  .map((items) => items.map(([k, sp, v]) => `${k}${sp}=${sp}${v}`).join(" "));
const connectionString = fc.oneof(
  { weight: 4, arbitrary: uriString },
  { weight: 3, arbitrary: keywordString },
  { weight: 1, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom("mysql://a@b/c", "jdbc:postgresql://x/y", "") },
);
/** Present one time in `oneIn`. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, oneIn: number) =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
const environment = fc
  .record({
    DATABASE_URL: fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 4, arbitrary: connectionString },
    ),
    PGUSER: sometimes(fc.oneof(piece(WORD), text), 2),
    PGOPTIONS: sometimes(text, 4),
    PGHOSTADDR: sometimes(fc.constant("10.0.0.7"), 4),
    PGSERVICE: sometimes(fc.constant("prod"), 20),
    OTHER_URL: sometimes(uriString, 6),
    DB_HOST: sometimes(fc.constantFrom(REAL, REAL.toUpperCase(), "elsewhere"), 8),
  })
  .map((env) =>
    Object.fromEntries(
      Object.entries(env).filter(
        (entry): entry is [string, string] => entry[1] !== undefined && !entry[1].includes("\0"),
      ),
    ),
  );
const target: fc.Arbitrary<ScratchTarget> = fc.constantFrom<ScratchTarget>(
  AWS,
  { host: COPY, port: 5432 },
  { database: "api-rehearsal-42" },
  { database: "db é", login: { user: "m'aster", password: "p w'\\" } },
);

describe("the prelude and the pure rewrite agree on generated environments", () => {
  for (const awk of AWKS.map(([name]) => name)) {
    it.skipIf(!awkDirs.has(awk))(`sh + ${awk}`, () => {
      fc.assert(
        fc.property(environment, target, (env, t) => {
          expect(runPrelude(awk, env, t, [REAL])).toEqual(expectedRun(env, t, [REAL]));
        }),
        { numRuns: awk === "mawk" ? 300 : 120 },
      );
    });
  }
});
