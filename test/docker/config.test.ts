/**
 * The local platform's config rules through parseConfig, as the program
 * reads a stack file: host ports that cannot collide, and no stack-file value
 * for what the platform sets on each color (the database URL above all).
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../components/platforms";
import { hostPortIssues } from "../../components/docker/config";
import { colorEnvLines, DATABASE_URL_FILE } from "../../components/docker/colorEnv";
import { networkGateways } from "../../components/docker";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { configError, engineValues, issueLines } from "../configErrors";

function raw(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return engineValues({
    "bluegreen:platform": "docker",
    "bluegreen:app": { name: "api", port: 80 },
    "bluegreen:blue": { version: "1.4.2", image: "api:1.4.2" },
    "bluegreen:green": { version: "1.5.0", image: "api:1.5.0" },
    "bluegreen:traffic": { blue: 90, green: 10 },
    ...overrides,
  });
}

const ports = (docker: Record<string, unknown>) => issueLines(raw({ "bluegreen:docker": docker }), "local");
const DEFAULTS_HINT =
  "the router, its runtime API and each color need a host port of their own (the defaults are 8080, 9999, 8081 and 8082). Give each a different port";

describe("bluegreen:docker host ports", () => {
  it("accepts the shipped local stack and the defaults", () => {
    expect(configError(readStackConfig("local").values, "local")).toBeUndefined();
    expect(parseConfig(raw(), "local").docker).toMatchObject({
      routerPort: 8080,
      adminPort: 9999,
      colorPorts: { blue: 8081, green: 8082 },
    });
  });

  it("refuses the router on a color's port, naming both keys", () => {
    expect(ports({ routerPort: 8081 })).toEqual([
      `bluegreen:docker.routerPort: is 8081, the same as \`bluegreen:docker.colorPorts.blue\`: ${DEFAULTS_HINT}`,
      `bluegreen:docker.colorPorts.blue: is 8081, the same as \`bluegreen:docker.routerPort\`: ${DEFAULTS_HINT}`,
    ]);
  });

  it("refuses the runtime API on the router's port or a color's, naming both keys", () => {
    expect(ports({ adminPort: 8080 })).toEqual([
      `bluegreen:docker.routerPort: is 8080, the same as \`bluegreen:docker.adminPort\`: ${DEFAULTS_HINT}`,
      `bluegreen:docker.adminPort: is 8080, the same as \`bluegreen:docker.routerPort\`: ${DEFAULTS_HINT}`,
    ]);
    expect(ports({ adminPort: 8082 }).map((line) => line.split(": is")[0])).toEqual([
      "bluegreen:docker.adminPort",
      "bluegreen:docker.colorPorts.green",
    ]);
  });

  it("refuses both colors on one port, and lists every key of a three-way collision at once", () => {
    expect(ports({ colorPorts: { blue: 9000, green: 9000 } })).toEqual([
      `bluegreen:docker.colorPorts.blue: is 9000, the same as \`bluegreen:docker.colorPorts.green\`: ${DEFAULTS_HINT}`,
      `bluegreen:docker.colorPorts.green: is 9000, the same as \`bluegreen:docker.colorPorts.blue\`: ${DEFAULTS_HINT}`,
    ]);
    expect(
      hostPortIssues({ routerPort: 7000, adminPort: 7000, colorPorts: { blue: 7000, green: 8082 } }).map((i) => [
        i.key,
        i.message.split(":")[0],
      ]),
    ).toEqual([
      ["bluegreen:docker.routerPort", "is 7000, the same as `bluegreen"],
      ["bluegreen:docker.adminPort", "is 7000, the same as `bluegreen"],
      ["bluegreen:docker.colorPorts.blue", "is 7000, the same as `bluegreen"],
    ]);
    expect(
      hostPortIssues({ routerPort: 7000, adminPort: 7000, colorPorts: { blue: 7000, green: 8082 } })[0].message,
    ).toContain("the same as `bluegreen:docker.adminPort` and `bluegreen:docker.colorPorts.blue`");
  });
});

describe("what the local platform sets on each color", () => {
  const DATABASE_URL_MESSAGE =
    "is set by the local platform: each color connects as the app role (no superuser, no DDL) with a generated password, " +
    "given as a file (DATABASE_URL_FILE=/run/secrets/database-url) so it never sits in a plain variable. A value here would bypass that role; remove it";

  it("refuses `env.DATABASE_URL` (it would be replaced silently) and `secrets.DATABASE_URL`, saying the platform sets it", () => {
    const lines = issueLines(
      raw({
        "bluegreen:blue": { version: "1.4.2", image: "api:1.4.2", env: { DATABASE_URL: "postgres://postgres@db/api" } },
        "bluegreen:green": { version: "1.5.0", image: "api:1.5.0", secrets: { DATABASE_URL: "db/url" } },
      }),
      "local",
    );
    expect(lines).toEqual([
      `bluegreen:blue.env.DATABASE_URL: ${DATABASE_URL_MESSAGE}`,
      `bluegreen:green.secrets.DATABASE_URL: ${DATABASE_URL_MESSAGE}`,
    ]);
    expect(
      configError(
        raw({ "bluegreen:blue": { version: "1.4.2", image: "api:1.4.2", env: { DATABASE_URL: "x" } } }),
        "local",
      )?.message,
    ).toMatch(
      /^Pulumi\.local\.yaml has 1 configuration problem; nothing was deployed:\n {2}- bluegreen:blue\.env\.DATABASE_URL: is set by the local platform/,
    );
  });

  it("refuses the other names it sets, with what each holds, and keeps every other variable", () => {
    const lines = issueLines(
      raw({
        "bluegreen:green": {
          version: "1.5.0",
          image: "api:1.5.0",
          env: { PORT: "3000", APP_VERSION: "9.9.9", LOG_LEVEL: "debug" },
        },
      }),
      "local",
    );
    // In key order: the engine hands objects over as Go's JSON, keys sorted.
    expect(lines).toEqual([
      "bluegreen:green.env.APP_VERSION: is set by the local platform (`bluegreen:<color>.version`), which would replace this value; remove it",
      "bluegreen:green.env.PORT: is set by the local platform (`bluegreen:app.port`), which would replace this value; remove it",
    ]);
  });

  it("gives each color its identity, its port and where its database URL is, after the stack file's own variables", () => {
    expect(colorEnvLines({ color: "green", version: "1.5.0", port: 80, env: { LOG_LEVEL: "debug" } })).toEqual([
      "APP_COLOR=green",
      "APP_VERSION=1.5.0",
      `DATABASE_URL_FILE=${DATABASE_URL_FILE}`,
      "LOG_LEVEL=debug",
      "PORT=80",
    ]);
  });

  it("leaves these names alone on the other platforms (they set their own)", () => {
    const kubernetes = engineValues({
      "bluegreen:platform": "kubernetes",
      "bluegreen:app": { name: "api" },
      "bluegreen:blue": { version: "1.4.2", image: "api:1.4.2", secrets: { DATABASE_URL: "api-database/url" } },
      "bluegreen:green": { version: "1.5.0", image: "api:1.5.0" },
      "bluegreen:traffic": { blue: 90, green: 10 },
      "bluegreen:kubernetes": { gateway: { name: "public" }, hostnames: ["api.example.com"] },
    });
    expect(issueLines(kubernetes, "kube-dev")).toEqual([]);
  });
});

describe("bluegreen:docker.runtimeApiClients, the escape hatch for engines that forward published ports from elsewhere", () => {
  const docker = (settings: Record<string, unknown>) => issueLines(raw({ "bluegreen:docker": settings }), "local");

  it("is accepted with its stated reason, and the router then answers those addresses besides the gateway", () => {
    const settings = {
      runtimeApiClients: ["10.88.0.1"],
      securityException: "podman forwards published ports from 10.88.0.1",
    };
    expect(docker(settings)).toEqual([]);
    expect(parseConfig(raw({ "bluegreen:docker": settings }), "local").docker.runtimeApiClients).toEqual(["10.88.0.1"]);
  });

  it("needs `bluegreen:docker.securityException`, refuses a list that admits everyone, and takes IPv4 only", () => {
    expect(docker({ runtimeApiClients: ["10.88.0.1", "0.0.0.0/0"] })).toEqual([
      "bluegreen:docker.runtimeApiClients.1: is 0.0.0.0/0, which admits every address, the app and migration containers included: the runtime API drives the router with no authentication. List only the address your engine's published ports arrive from",
      "bluegreen:docker.securityException: is required: `bluegreen:docker.runtimeApiClients` (10.88.0.1, 0.0.0.0/0) lets more than the stack network's gateway drive the router. " +
        'Say why (e.g. "podman forwards published ports from 10.88.0.1"), or remove runtimeApiClients',
    ]);
    expect(docker({ runtimeApiClients: ["fd00::1"], securityException: "ipv6" })).toEqual([
      'bluegreen:docker.runtimeApiClients.0: must be an IPv4 address or CIDR, such as 10.88.0.1 or 10.88.0.0/16 (got "fd00::1")',
    ]);
  });

  it("finds the gateway Docker reports for the stack network, and fails loudly when there is none", () => {
    expect(networkGateways("bluegreen-api", [{ subnet: "172.18.0.0/16", gateway: "172.18.0.1" } as never])).toEqual([
      "172.18.0.1",
    ]);
    expect(() => networkGateways("bluegreen-api", [{ gateway: "fd00::1" }])).toThrow(
      'Docker reported no IPv4 gateway for network bluegreen-api (ipam config [{"gateway":"fd00::1"}]); ' +
        "the router's runtime API answers only the gateway. Fix: give the network an IPv4 subnet (the bridge driver's default).",
    );
  });
});

describe("bluegreen:docker.postgresImage with a rehearsal", () => {
  it("accepts any server version: the rehearsal runs its own scratch server of the same image", () => {
    const migration = { version: "7", image: "postgres:16.4", command: ["psql", "-c", "select 1"], reversible: true };
    for (const postgresImage of ["postgres:15.8-alpine", "postgres:16.4", "registry.example.com/library/postgres:17"]) {
      expect(
        issueLines(
          raw({ "bluegreen:docker": { postgresImage }, "bluegreen:migration": { ...migration, rehearse: true } }),
          "local",
        ),
      ).toEqual([]);
    }
  });
});
