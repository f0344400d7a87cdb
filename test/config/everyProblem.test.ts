/**
 * "Every problem at once": a stack file with several problems lists each of
 * them in one run, whatever else is wrong, so it is fixed in one pass. As a
 * property: for any combination of independent problems, the keys reported
 * are exactly the union of the keys each problem reports alone. The problems
 * include rules that read several sections (a color's desiredCount and its
 * weight, the gate's Prometheus query and both colors, the kubernetes color
 * route and its hostnames...) and checks across fields of one section (a
 * limit below its request, p95 above the request timeout), next to an
 * invalid key of the same sections: a check is skipped only when a key it
 * reads is invalid. One set per platform's shipped stack.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../components/config/issues";
import { parseConfig } from "../../components/platforms";
import { readStackConfig } from "../../tooling/engine/stackFiles";

type Raw = Record<string, string>;
type Mutation = (raw: Raw) => void;

/** Changes the value of `key` (created when absent) as the stack file would. */
const edit =
  (key: string, change: (value: any) => void): Mutation =>
  (raw) => {
    const value = raw[key] === undefined ? {} : JSON.parse(raw[key]);
    change(value);
    raw[key] = JSON.stringify(value);
  };

/** Problems every platform shares: schema, hardening, secrets, spelling, release modes and cross-section rules. */
const SHARED: Record<string, Mutation> = {
  "bad app name": edit("bluegreen:app", (app) => (app.name = "API!")),
  "latest image": edit("bluegreen:blue", (blue) => (blue.image = "api:latest")),
  "dotted key": (raw) => (raw["bluegreen:traffic.green"] = "50"),
  "writable root without reason": edit("bluegreen:green", (green) => (green.readOnlyRootFilesystem = false)),
  "float migration id": edit("bluegreen:migration", (migration) => (migration.version = 1.1)),
  // A check across fields of the migration (lockRetries and transactional), next to the float migration id.
  "lock retries of a migration not declared transactional": edit("bluegreen:migration", (migration) => {
    migration.lockRetries = 2;
    migration.transactional = false;
  }),
  "zero interval": edit("bluegreen:gate", (gate) => (gate.intervalMs = 0)),
  // A check across fields of the gate, next to the invalid interval.
  "p95 above the request timeout": edit("bluegreen:gate", (gate) => (gate.p95LatencyMs = gate.requestTimeoutMs + 1)),
  "webhook that is not http(s)": edit(
    "bluegreen:notify",
    (notify) => (notify.webhooks = [{ url: "ftp://hooks.example.com/x" }]),
  ),
  "maintenance message too long": edit("bluegreen:maintenance", (m) => (m.message = "m".repeat(1001))),
};

/** Reads release.hotfix and both colors' versions (1.4.2 and 1.5.0 in staging: not a patch release). */
const HOTFIX: Record<string, Mutation> = {
  "hotfix that is not a patch": edit(
    "bluegreen:release",
    (release) => (release.hotfix = { reason: "urgent fix of x" }),
  ),
};

/** Reads green's desiredCount and its weight (staging and local give green 10). */
const GREEN_SCALED_DOWN: Record<string, Mutation> = {
  "green scaled down while it has traffic": edit("bluegreen:green", (green) => (green.desiredCount = 0)),
};

const PROBLEMS: Record<string, Record<string, Mutation>> = {
  staging: {
    ...SHARED,
    ...HOTFIX,
    ...GREEN_SCALED_DOWN,
    "no aws:region": (raw) => delete raw["aws:region"],
    "plain probe headers": (raw) => (raw["bluegreen:gateHeaders"] = JSON.stringify({ Authorization: "Bearer abc" })),
    "weight out of range": edit("bluegreen:traffic", (traffic) => (traffic.blue = 1200)),
    "unknown listener key": edit("bluegreen:listener", (listener) => (listener.bogus = 1)),
    "equal test ports": edit("bluegreen:listener", (listener) => (listener.testPorts = { blue: 8081, green: 8081 })),
    "subnets without a VPC": edit(
      "bluegreen:network",
      (network) => (network.publicSubnetIds = ["subnet-0a", "subnet-0b"]),
    ),
  },
  "kube-staging": {
    ...SHARED,
    ...HOTFIX,
    "secret that is not a reference": edit(
      "bluegreen:blue",
      (blue) => (blue.secrets.DATABASE_URL = "hunter2-password"),
    ),
    "database created": edit("bluegreen:database", (database) => (database.mode = "create")),
    // Reads the color route's template and the hostnames, next to an invalid key of the same section.
    "color route on a weighted hostname": edit("bluegreen:kubernetes", (kubernetes) =>
      kubernetes.hostnames.push("green.api.staging.internal.example.com"),
    ),
    "invalid cpu request": edit("bluegreen:kubernetes", (kubernetes) => (kubernetes.resources.requests.cpu = "lots")),
    // A check across fields of kubernetes.resources, next to the invalid cpu request.
    "memory limit below its request": edit("bluegreen:kubernetes", (kubernetes) => {
      kubernetes.resources.limits.memory = "256Mi";
    }),
    // Reads the query and both colors' desiredCount, next to the invalid interval.
    "fixed Prometheus query": edit("bluegreen:gate", (gate) => {
      gate.prometheus = { url: "https://prometheus.example.com", query: "sum(rate(errors[2m]))", maxErrorRate: 0.01 };
    }),
  },
  local: {
    ...SHARED,
    ...GREEN_SCALED_DOWN,
    "reserved variable": edit("bluegreen:green", (green) => (green.env.PORT = "3000")),
    // A collision among valid ports, next to an invalid one of the same section.
    "admin port on blue's": edit("bluegreen:docker", (docker) => (docker.adminPort = 8081)),
    "invalid router port": edit("bluegreen:docker", (docker) => (docker.routerPort = 0)),
    "runtime API clients without a reason": edit(
      "bluegreen:docker",
      (docker) => (docker.runtimeApiClients = ["10.88.0.1"]),
    ),
  },
};

function reportedKeys(stack: string, mutations: readonly string[]): string[] {
  const raw: Raw = { ...readStackConfig(stack).values };
  for (const name of mutations) PROBLEMS[stack][name](raw);
  try {
    parseConfig(raw, stack);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...new Set(error.issues.map((issue) => issue.key))].sort();
  }
}

describe.each(Object.keys(PROBLEMS))("every problem at once, %s", (stack) => {
  const names = Object.keys(PROBLEMS[stack]);
  const alone = Object.fromEntries(names.map((name) => [name, reportedKeys(stack, [name])]));

  it("starts from a valid stack", () => {
    expect(reportedKeys(stack, [])).toEqual([]);
  });

  it.each(names)("%s alone is reported", (name) => {
    expect(alone[name].length).toBeGreaterThan(0);
  });

  it("any combination reports exactly the union of what each problem reports alone", () => {
    fc.assert(
      fc.property(fc.subarray(names, { minLength: 2 }), (chosen) => {
        const union = [...new Set(chosen.flatMap((name) => alone[name]))].sort();
        expect(reportedKeys(stack, chosen)).toEqual(union);
      }),
      { numRuns: 200 },
    );
  });

  it("all of them at once", () => {
    expect(reportedKeys(stack, names)).toEqual([...new Set(Object.values(alone).flat())].sort());
  });
});
