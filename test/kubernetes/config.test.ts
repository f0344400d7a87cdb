/**
 * The kubernetes config: the `bluegreen:kubernetes` schema (through
 * parseConfig, as the program reads it), the platform's own rules, and the
 * pure name, label, quantity and gate-URL helpers they rely on.
 */
import { describe, expect, it } from "vitest";
import { BlueGreenConfig, parseConfig } from "../../components/platforms";
import { gateUrl } from "../../components/kubernetes/manifests";
import { labelValue, migrationJobName, parseSecretRef } from "../../components/kubernetes/names";
import { parseQuantity } from "../../components/kubernetes/quantity";
import { kubernetesConfigIssues } from "../../components/kubernetes/config";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { engineValues, issueLines } from "../configErrors";

const KUBERNETES = { gateway: { name: "public" }, hostnames: ["api.example.com"] };

function raw(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const values: Record<string, unknown> = {
    "bluegreen:platform": "kubernetes",
    "bluegreen:app": { name: "api" },
    "bluegreen:blue": { version: "1.4.2", image: "api:1.4.2", secrets: { DATABASE_URL: "api-database/url" } },
    "bluegreen:green": { version: "1.5.0", image: "api:1.5.0" },
    "bluegreen:traffic": { blue: 90, green: 10 },
    "bluegreen:kubernetes": KUBERNETES,
    ...overrides,
  };
  return engineValues(values);
}

function config(overrides: Record<string, unknown> = {}): BlueGreenConfig {
  return parseConfig(raw(overrides), "kube-dev");
}

function rejected(overrides: Record<string, unknown>): string[] {
  const lines = issueLines(raw(overrides), "kube-dev");
  if (lines.length === 0) throw new Error("expected a ConfigError");
  return lines;
}

describe("bluegreen:kubernetes", () => {
  it("applies documented defaults", () => {
    expect(config().kubernetes).toEqual({
      namespace: "default",
      createNamespace: false,
      gateway: { name: "public" },
      hostnames: ["api.example.com"],
      scheme: "https",
      servicePort: 80,
      resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    });
  });

  it("parses Pulumi.kube-staging.yaml", () => {
    const parsed = parseConfig(readStackConfig("kube-staging").values, "kube-staging");
    expect(parsed.platform).toBe("kubernetes");
    expect(parsed.kubernetes).toMatchObject({
      namespace: "api-staging",
      gateway: { name: "public", namespace: "gateway-system", sectionName: "https" },
      colorRoutes: {
        hostname: "{color}.api.staging.internal.example.com",
        gateway: { name: "internal", namespace: "gateway-system", sectionName: "https" },
      },
    });
    expect(kubernetesConfigIssues(parsed, readStackConfig("kube-staging").values)).toEqual([]);
  });

  it("refuses a limit below its request and a memory quantity in thousandths of a byte", () => {
    expect(
      rejected({
        "bluegreen:kubernetes": {
          ...KUBERNETES,
          resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "250m", memory: "512Mi" } },
        },
      }),
    ).toEqual([
      'bluegreen:kubernetes.resources.limits.cpu: must be at least requests.cpu (500m): Kubernetes rejects a container whose limit is below its request; raise the limit or lower the request (got "250m")',
      'bluegreen:kubernetes.resources.limits.memory: must be at least requests.memory (1Gi): Kubernetes rejects a container whose limit is below its request; raise the limit or lower the request (got "512Mi")',
    ]);
    expect(
      rejected({ "bluegreen:kubernetes": { ...KUBERNETES, resources: { limits: { cpu: "1", memory: "512m" } } } }),
    ).toEqual([
      'bluegreen:kubernetes.resources.limits.memory: must be a memory quantity such as "256Mi" or "1Gi" (a trailing "m" would mean thousandths of a byte) (got "512m")',
    ]);
  });

  it("reports a missing hostname list, a typo'd key and templates without {color} at once", () => {
    expect(
      rejected({
        "bluegreen:kubernetes": {
          gateway: { name: "public" },
          colorRoutes: { hostname: "api.internal.example.com" },
          gateUrlTemplate: "api-{color}.svc",
          namespce: "api",
        },
      }),
    ).toEqual([
      "bluegreen:kubernetes.hostnames: is required (array); add it to the stack file",
      'bluegreen:kubernetes.colorRoutes.hostname: must be a lowercase DNS name containing {color} (replaced by blue or green), e.g. "{color}.api.internal.example.com" (got "api.internal.example.com")',
      'bluegreen:kubernetes.gateUrlTemplate: must be an http(s) URL containing {color} (replaced by blue or green), e.g. "http://api-{color}.api-staging.svc.cluster.local" (got "api-{color}.svc")',
      "bluegreen:kubernetes.namespce: is not a known setting; check the spelling against the README's configuration table, or remove it",
    ]);
  });
});

describe("kubernetesConfigIssues", () => {
  const database = { mode: "existing", identifier: "api-staging" };

  it("passes a valid config", () => {
    const parsed = config({ "bluegreen:database": database, "aws:region": "eu-west-1" });
    expect(kubernetesConfigIssues(parsed, { "aws:region": "eu-west-1" })).toEqual([]);
  });

  it("asks for secret-name/key secrets, an existing database, aws:region and a color hostname of its own", () => {
    // Through parseConfig: reported with every other config problem, before any resource exists.
    const issues = rejected({
      "bluegreen:green": {
        version: "1.5.0",
        image: "api:1.5.0",
        secrets: { DATABASE_URL: "arn:aws:secretsmanager:eu-west-1:1:secret:db" },
      },
      "bluegreen:database": { ...database, mode: "create" },
      "bluegreen:kubernetes": {
        ...KUBERNETES,
        hostnames: ["green.api.example.com"],
        colorRoutes: { hostname: "{color}.api.example.com" },
      },
    });
    expect(issues.map((i) => i.slice(0, i.indexOf(": ")))).toEqual([
      "bluegreen:green.secrets.DATABASE_URL",
      "bluegreen:database.mode",
      "aws:region",
      "bluegreen:kubernetes.colorRoutes.hostname",
    ]);
    // Never the value: a secret pasted by mistake would be printed.
    expect(issues[0]).toBe(
      "bluegreen:green.secrets.DATABASE_URL: must be a reference to a key of a Secret in the app's namespace, written secret-name/key (e.g. api-database/url), not the secret or its name (the value is not shown here)",
    );
    expect(issues[2]).toBe(
      "aws:region: is required with `bluegreen:database`: the RDS api-staging is snapshotted before each migration; e.g. `pulumi config set aws:region eu-west-1`",
    );
    expect(issues[3]).toBe(
      'bluegreen:kubernetes.colorRoutes.hostname: gives green the hostname "green.api.example.com", which the weighted route serves too; the Gateway would mix both routes. Use a hostname of its own, e.g. "{color}.green.api.example.com"',
    );
  });
});

describe("migration rehearsal on kubernetes", () => {
  it("is refused, as not built on this platform yet, rather than skipped silently; checks are accepted", () => {
    const migration = {
      version: "42",
      image: "api-migrations:1.5.0",
      command: ["npm", "run", "migrate"],
      reversible: true,
    };
    const database = { mode: "existing", identifier: "api-db" };
    expect(
      rejected({
        "aws:region": "eu-west-1",
        "bluegreen:database": database,
        "bluegreen:migration": { ...migration, rehearse: true, validate: [{ name: "counts", command: ["true"] }] },
      }).filter((line) => line.startsWith("bluegreen:migration")),
    ).toEqual([
      "bluegreen:migration.rehearse: is true, but the kubernetes platform does not rehearse migrations yet (aws restores the snapshot into a scratch RDS instance, docker into a scratch database). " +
        "Rehearse by hand on a copy restored from the snapshot and set it to false; in production an irreversible migration needs a rehearsal, so mark it reversible (expand-only) or release it from the aws platform",
    ]);
    const validate = [{ name: "counts", command: ["true"] }];
    expect(() =>
      config({
        "aws:region": "eu-west-1",
        "bluegreen:database": database,
        "bluegreen:migration": { ...migration, validate },
      }),
    ).not.toThrow();
  });
});

describe("parseQuantity", () => {
  it.each([
    ["250m", 0.25],
    ["1", 1],
    ["0.5", 0.5],
    ["512Mi", 512 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["2k", 2000],
  ])("%s = %d", (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });

  it.each(["", "1.", "Mi", "1 Gi", "1e3", "-1", "1mi"])("rejects %j", (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe("migrationJobName", () => {
  it("is readable when the version maps to a name one to one", () => {
    expect(migrationJobName("api", "2026-11-20-orders-index")).toBe("api-migrate-2026-11-20-orders-index");
  });

  it("appends a hash of the exact version when the mapping is lossy, so two versions never share a Job", () => {
    const dotted = migrationJobName("api", "v1.2");
    const dashed = migrationJobName("api", "v1-2");
    expect(dotted).toMatch(/^api-migrate-v1-2-[0-9a-f]{8}$/);
    expect(dashed).toBe("api-migrate-v1-2");
    expect(migrationJobName("api", "V1-2")).not.toBe(dotted);
  });

  it("stays within 63 characters for the longest app name and version", () => {
    const name = migrationJobName("a-sixteen-chars1", `v${"9".repeat(62)}`);
    expect(name).toHaveLength(63);
    expect(name).toMatch(/^a-sixteen-chars1-migrate-v9+-[0-9a-f]{8}$/);
  });
});

describe("labelValue", () => {
  it.each([
    ["1.5.0", "1.5.0"],
    ["1.5.0+build.7", "1.5.0_build.7"],
    ["release-", "release"],
    [`x${"y".repeat(70)}`, `x${"y".repeat(62)}`],
  ])("%s → %s", (text, value) => {
    expect(labelValue(text)).toBe(value);
  });
});

describe("parseSecretRef", () => {
  it("splits secret-name/key", () => {
    expect(parseSecretRef("api-database/url")).toEqual({ name: "api-database", key: "url" });
    expect(parseSecretRef("db.creds/DATABASE_URL")).toEqual({ name: "db.creds", key: "DATABASE_URL" });
  });

  it.each(["api-database", "Api/url", "api/url/extra", "api/", "/url", "arn:aws:secretsmanager:eu-west-1:1:secret:db"])(
    "rejects %j",
    (text) => {
      expect(parseSecretRef(text)).toBeUndefined();
    },
  );
});

describe("gateUrl", () => {
  it("prefers gateUrlTemplate, then the color's route hostname, and appends the health path", () => {
    const routes = { colorRoutes: { hostname: "{color}.api.internal.example.com" } };
    const template = { gateUrlTemplate: "http://api-{color}.api-staging.svc.cluster.local/" };
    expect(
      gateUrl(config({ "bluegreen:kubernetes": { ...KUBERNETES, ...routes } }).kubernetes!, "green", "/healthz"),
    ).toBe("https://green.api.internal.example.com/healthz");
    expect(
      gateUrl(
        config({ "bluegreen:kubernetes": { ...KUBERNETES, ...routes, ...template } }).kubernetes!,
        "blue",
        "/ready",
      ),
    ).toBe("http://api-blue.api-staging.svc.cluster.local/ready");
    expect(gateUrl(config().kubernetes!, "blue", "/healthz")).toBeUndefined();
  });
});
