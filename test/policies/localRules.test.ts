/**
 * The local platform's rules (policies/local.ts) through the real analyzer,
 * on the registrations of Pulumi.local.yaml: the stack as shipped passes,
 * and each way of exposing the router's runtime API or letting a database
 * client in without a password is reported, with the resource, what was
 * found and the fix. Then the pure parsers on their edge cases.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hbaMethods, haproxySections, postgresAuthProblems, runtimeApiProblems } from "../../policies/local";
import { secretReason } from "../../policies/containers";
import { mutate, seen } from "../../testkit/analyzerCases";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";

const RUNTIME_API = "docker-haproxy-runtime-api-private";
const POSTGRES = "docker-postgres-password-auth";

let analyzer: PolicyAnalyzer;
let local: ProgramRun;
beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  local = await runProgram("local");
  analyzer = await starting;
});
afterAll(() => analyzer?.stop());

/** The violations of the two local rules only. */
async function check(resources: readonly RegisteredResource[], config: Record<string, unknown> = {}) {
  const violations = await analyzer.analyze(resources, { config: { ...readPolicyConfig("local"), ...config } });
  return seen(violations.filter((v) => v.policyName === RUNTIME_API || v.policyName === POSTGRES));
}
const routerConfig = (change: (config: string) => string) =>
  mutate(
    local.resources,
    "api-router-haproxy",
    (r) => (r.inputs.uploads[0].content = change(r.inputs.uploads[0].content)),
  );
const router = (problem: string) => [
  RUNTIME_API,
  "mandatory",
  "api-router-haproxy",
  `Container api-router-haproxy must keep the HAProxy runtime API of /usr/local/etc/haproxy/haproxy.cfg off the network: ${problem}`,
];
const database = (problem: string) => [
  POSTGRES,
  "mandatory",
  "api-database-postgres",
  `Container api-database-postgres must ask every database client for its password: ${problem}`,
];
/** The Postgres container's uploads, through the secret envelope the program registers them in. */
const postgresUploads = (r: { inputs: Record<string, any> }) =>
  r.inputs.uploads.value as { file: string; content: string }[];

describe("docker-haproxy-runtime-api-private", () => {
  it("passes the router as the program builds it: a unix socket behind a listener that answers the gateway only", async () => {
    expect(await check(local.resources)).toEqual([]);
  });

  it("reports the runtime API on a network address, as the router had it before (stats socket ipv4@0.0.0.0:9999)", async () => {
    const exposed = routerConfig((c) =>
      c.replace("stats socket /var/lib/haproxy/runtime-api.sock", "stats socket ipv4@0.0.0.0:9999"),
    );
    expect(await check(exposed)).toEqual([
      router(
        '"stats socket ipv4@0.0.0.0:9999" listens on a network address, so any container on its network can drive the router. ' +
          "Make it a unix socket and reach it through a listener that refuses other clients (renderHaproxyConfig, components/docker/haproxyConfig.ts).",
      ),
    ]);
  });

  it("reports a listener that forwards to the socket without refusing other clients", async () => {
    const open = routerConfig((c) => c.replace(/ {4}tcp-request connection reject.*\n/, ""));
    expect(await check(open)).toEqual([
      router(
        'listen runtime-api forwards to the runtime API without refusing other clients (no "tcp-request connection reject unless { src ... }"), ' +
          "so any container on its network can drive the router. Keep the client list of renderHaproxyConfig (components/docker/haproxyConfig.ts).",
      ),
    ]);
  });

  it("reports the listener published beyond the host's loopback, naming the key; this policy's hostAddresses can allow it", async () => {
    const published = mutate(local.resources, "api-router-haproxy", (r) => (r.inputs.ports[1].ip = "0.0.0.0"));
    const problem =
      'port 9999 of listen runtime-api is published on "0.0.0.0" (allowed: 127.0.0.1), so other machines reach the runtime API. ' +
      "Publish it on the host's loopback only, as the program does for `bluegreen:docker.adminPort`, or extend this policy's hostAddresses.";
    expect(await check(published)).toEqual([router(problem)]);
    expect(await check(published, { [RUNTIME_API]: { hostAddresses: ["127.0.0.1", "0.0.0.0"] } })).toEqual([]);
    const everywhere = mutate(local.resources, "api-router-haproxy", (r) => delete r.inputs.ports[1].ip);
    expect((await check(everywhere))[0][3]).toContain(
      "port 9999 of listen runtime-api is published on every address (no ip)",
    );
  });
});

describe("docker-postgres-password-auth", () => {
  it("passes the database as the program builds it: SCRAM from the network, peer for the superuser inside, password from a file", async () => {
    expect(await check(local.resources)).toEqual([]);
  });

  it("reports trust mode and a plain superuser password, as the database had them before", async () => {
    const before = mutate(local.resources, "api-database-postgres", (r) => {
      r.inputs.envs = ["POSTGRES_DB=api", "POSTGRES_HOST_AUTH_METHOD=trust", "POSTGRES_PASSWORD=hunter2hunter2"];
      delete r.inputs.command;
    });
    expect(await check(before)).toEqual([
      database(
        'POSTGRES_HOST_AUTH_METHOD is "trust" (allowed: scram-sha-256, peer, reject), so the image lets clients in without a valid password. Remove it, as components/docker/localDatabase.ts does.',
      ),
      database(
        "its superuser password is in the plain variable POSTGRES_PASSWORD, readable in the container's definition and state. " +
          "Give it as POSTGRES_PASSWORD_FILE, uploaded from a Pulumi secret (components/docker/localDatabase.ts).",
      ),
    ]);
  });

  it("reads the uploaded pg_hba.conf: a trust line is reported; this policy's allowedAuthMethods can allow it", async () => {
    const trusting = mutate(local.resources, "api-database-postgres", (r) => {
      postgresUploads(r)[0].content += "host  all  all  0.0.0.0/0  trust\n";
    });
    const problem =
      'its pg_hba.conf (/etc/bluegreen/pg_hba.conf) has "host  all  all  0.0.0.0/0  trust", method "trust" (allowed: scram-sha-256, peer, reject), so a client connects without its password. ' +
      "Use scram-sha-256 (hbaConfig, components/docker/postgresRoles.ts), or extend this policy's allowedAuthMethods.";
    expect(await check(trusting)).toEqual([database(problem)]);
    expect(
      await check(trusting, { [POSTGRES]: { allowedAuthMethods: ["scram-sha-256", "peer", "reject", "trust"] } }),
    ).toEqual([]);
  });

  it("reports an hba_file it cannot read, rather than passing what it cannot see", async () => {
    const hidden = mutate(local.resources, "api-database-postgres", (r) => {
      r.inputs.uploads.value = postgresUploads(r).slice(1);
    });
    expect(await check(hidden)).toEqual([
      database(
        "its hba_file /etc/bluegreen/pg_hba.conf is not uploaded with it, so who may connect without a password cannot be checked. Upload the file (hbaConfig, components/docker/postgresRoles.ts).",
      ),
    ]);
  });
});

describe("the local rules' parsers", () => {
  it("splits an HAProxy config into sections, comments dropped", () => {
    expect(haproxySections("# head\nglobal\n    maxconn 10 # note\n\nlisten api\n    bind :80\n")).toEqual([
      { kind: "global", name: "", lines: ["maxconn 10"] },
      { kind: "listen", name: "api", lines: ["bind :80"] },
    ]);
  });

  it("follows a frontend to a backend that reaches the socket, and passes a config with no runtime API", () => {
    const config = [
      "global",
      "    stats socket unix@/run/admin.sock level admin",
      "frontend admin",
      "    bind 0.0.0.0:9000",
      "    default_backend cli",
      "backend cli",
      "    server s /run/admin.sock",
    ].join("\n");
    expect(runtimeApiProblems(config, [{ internal: 9000, ip: "127.0.0.1" }], ["127.0.0.1"])).toEqual([
      expect.stringMatching(/^frontend admin forwards to the runtime API without refusing other clients/),
    ]);
    const guarded = config.replace(
      "    default_backend",
      "    tcp-request connection reject if !{ src 10.0.0.1 }\n    default_backend",
    );
    expect(runtimeApiProblems(guarded, [{ internal: 9000, ip: "127.0.0.1" }], ["127.0.0.1"])).toEqual([]);
    expect(runtimeApiProblems("global\n    maxconn 10\n", [], ["127.0.0.1"])).toEqual([]);
    expect(runtimeApiProblems("global\n    stats socket abns@admin level admin\n", [], [])).toEqual([]);
  });

  it("reads each pg_hba.conf entry's method, also after an address and mask", () => {
    expect(
      hbaMethods(
        "# c\nlocal all postgres peer\nhost all all 10.0.0.0 255.0.0.0 md5\nhostssl db app all scram-sha-256 x=1\n",
      ),
    ).toEqual([
      ["local all postgres peer", "peer"],
      ["host all all 10.0.0.0 255.0.0.0 md5", "md5"],
      ["hostssl db app all scram-sha-256 x=1", "scram-sha-256"],
    ]);
    expect(postgresAuthProblems(new Map([["POSTGRES_DB", "api"]]), [], [], ["scram-sha-256"])).toEqual([]);
  });

  it("no-plaintext-secrets: a `_FILE` variable holding a path names a secret's file, not the secret", () => {
    const pattern = /PASSWORD/i;
    expect(secretReason("POSTGRES_PASSWORD_FILE", "/run/secrets/postgres-password", pattern, [])).toBeUndefined();
    expect(secretReason("POSTGRES_PASSWORD_FILE", "hunter2", pattern, [])).toBe("its name says it holds a secret");
    expect(secretReason("POSTGRES_PASSWORD", "/run/secrets/postgres-password", pattern, [])).toBe(
      "its name says it holds a secret",
    );
  });
});
