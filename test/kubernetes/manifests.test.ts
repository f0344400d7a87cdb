/**
 * The Kubernetes specs the platform writes, built by the pure functions and
 * validated against the official schemas (kubernetes-models,
 * @kubernetes-models/gateway-api) with strict field validation.
 */
import { describe, expect, it } from "vitest";
import {
  ColorWorkloadSpec,
  PROBE_TIMING,
  ROUTE_WAIT_FOR,
  colorRouteSpec,
  deploymentSpec,
  envVars,
  gatewayDuration,
  jobSpec,
  serviceSpec,
  weightedRouteSpec,
} from "../../components/kubernetes/manifests";
import { lockRetryCommand } from "../../components/migrationSessions";
import type { PodResources } from "../../components/kubernetes/config";
import { manifestProblems } from "./schemaValidation";

/** What each color's deployment reports as its Service. */
const SERVICES = { blue: "api-blue", green: "api-green" };
const RESOURCES: PodResources = { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } };

const GREEN: ColorWorkloadSpec = {
  app: "api",
  color: "green",
  version: "1.5.0+build.7",
  image: "registry.example.com/api:1.5.0",
  replicas: 3,
  port: 8080,
  healthPath: "/healthz",
  env: { LOG_LEVEL: "info" },
  secrets: { DATABASE_URL: "api-database/url" },
  resources: RESOURCES,
  hardening: { user: "10001", readOnlyRootFilesystem: true },
};

const MIGRATION = {
  version: "2026-11-20-orders",
  image: "registry.example.com/api-migrations:1.5.0",
  command: ["npm", "run", "migrate"],
  timeoutSeconds: 900,
  reversible: true,
  rehearse: false,
  validate: [],
  breaking: false,
};

const GATEWAY = { name: "public", namespace: "gateway-system", sectionName: "https" };

function object(apiVersion: string, kind: string, spec: unknown) {
  return {
    apiVersion,
    kind,
    metadata: { name: "api-green", namespace: "api-staging", labels: { "bluegreen/color": "green" } },
    spec,
  };
}

const deployment = (spec: unknown) => object("apps/v1", "Deployment", spec);
const httpRoute = (spec: unknown) => object("gateway.networking.k8s.io/v1", "HTTPRoute", spec);

describe("schema validation (kubernetes-models, strict fields)", () => {
  it("catches a field typo, a wrong type and a missing required field, with their paths", async () => {
    const spec = JSON.parse(JSON.stringify(deploymentSpec(GREEN)));
    spec.template.spec.containers[0].readinessProbe.httpGet.paht = "/healthz";
    spec.replicas = "3";
    delete spec.selector;
    expect(await manifestProblems(deployment(spec))).toEqual([
      '/spec: required {"missingProperty":"selector"}',
      '/spec/replicas: type {"type":"integer"}',
      "/spec/template/spec/containers/0/readinessProbe/httpGet/paht: unknown field",
    ]);
  });

  it("catches a typo in an HTTPRoute backendRef, where the weight would silently default to 1", async () => {
    const spec = JSON.parse(
      JSON.stringify(
        weightedRouteSpec({
          services: SERVICES,
          gateway: GATEWAY,
          hostnames: ["api.example.com"],
          servicePort: 80,
          weights: { blue: 90, green: 10 },
          stickinessSeconds: 0,
        }),
      ),
    );
    spec.rules[0].backendRefs[1].wieght = spec.rules[0].backendRefs[1].weight;
    delete spec.rules[0].backendRefs[1].weight;
    expect(await manifestProblems(httpRoute(spec))).toEqual(["/spec/rules/0/backendRefs/1/wieght: unknown field"]);
  });

  it("accepts any key in maps (labels, resource quantities) while checking their values", async () => {
    const spec = JSON.parse(JSON.stringify(deploymentSpec(GREEN)));
    spec.template.metadata.labels["example.com/any-key"] = "x";
    expect(await manifestProblems(deployment(spec))).toEqual([]);
    spec.template.metadata.labels["example.com/any-key"] = 7;
    expect(await manifestProblems(deployment(spec))).toEqual([
      '/spec/template/metadata/labels/example.com~1any-key: type {"type":"string"}',
    ]);
  });
});

describe("deploymentSpec", () => {
  it("validates as an apps/v1 Deployment", async () => {
    expect(await manifestProblems(deployment(deploymentSpec(GREEN)))).toEqual([]);
  });

  it("selects pods by app and color only, and labels them with the version too", () => {
    const spec = deploymentSpec(GREEN) as any;
    expect(spec.selector).toEqual({ matchLabels: { "app.kubernetes.io/name": "api", "bluegreen/color": "green" } });
    expect(spec.template.metadata.labels).toEqual({
      "app.kubernetes.io/name": "api",
      "app.kubernetes.io/managed-by": "pulumi",
      "bluegreen/color": "green",
      "app.kubernetes.io/version": "1.5.0_build.7",
    });
    expect(spec.replicas).toBe(3);
    expect(spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } });
  });

  it("probes readiness, liveness and startup on the app's health path and port, with requests and limits", () => {
    const [container] = (deploymentSpec(GREEN) as any).template.spec.containers;
    const httpGet = { path: "/healthz", port: "http" };
    expect(container.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    expect(container.readinessProbe).toEqual({
      httpGet,
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 2,
      successThreshold: 1,
    });
    expect(container.livenessProbe).toEqual({ httpGet, ...PROBE_TIMING.liveness });
    expect(container.startupProbe).toEqual({ httpGet, ...PROBE_TIMING.startup });
    expect(container.resources).toEqual({
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    });
  });

  it("passes env sorted, with the color and version, and secrets as secretKeyRefs", () => {
    const [container] = (deploymentSpec(GREEN) as any).template.spec.containers;
    expect(container.env).toEqual([
      { name: "APP_COLOR", value: "green" },
      { name: "APP_VERSION", value: "1.5.0+build.7" },
      { name: "LOG_LEVEL", value: "info" },
      { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "api-database", key: "url" } } },
    ]);
  });
});

describe("envVars", () => {
  it("refuses a secret that is not secret-name/key, naming the variable and the fix", () => {
    expect(() => envVars({}, { DATABASE_URL: "arn:aws:secretsmanager:eu-west-1:1:secret:x" })).toThrow(
      'secret DATABASE_URL is "arn:aws:secretsmanager:eu-west-1:1:secret:x", not a Kubernetes Secret reference; write it as secret-name/key (e.g. api-database/url)',
    );
  });
});

describe("serviceSpec", () => {
  it("validates as a v1 Service that selects one color's pods by the named port", async () => {
    const spec = serviceSpec("api", "blue", 80);
    expect(await manifestProblems(object("v1", "Service", spec))).toEqual([]);
    expect(spec).toEqual({
      type: "ClusterIP",
      selector: { "app.kubernetes.io/name": "api", "bluegreen/color": "blue" },
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    });
  });
});

describe("jobSpec", () => {
  const job = {
    app: "api",
    migration: MIGRATION,
    env: { LOG_LEVEL: "info" },
    secrets: { DATABASE_URL: "api-database/url" },
    resources: RESOURCES,
    hardening: { user: "10001", readOnlyRootFilesystem: true },
  };
  const spec = jobSpec(job) as any;

  it("validates as a batch/v1 Job", async () => {
    expect(await manifestProblems(object("batch/v1", "Job", spec))).toEqual([]);
  });

  it("makes one attempt, bounded by the migration's timeout, never restarted", () => {
    expect(spec.backoffLimit).toBe(0);
    expect(spec.activeDeadlineSeconds).toBe(900);
    expect(spec.template.spec.restartPolicy).toBe("Never");
    expect(spec.ttlSecondsAfterFinished).toBeUndefined();
  });

  it("runs the command as args (keeping the image's entrypoint) with the version and secrets, and no color label", () => {
    const [container] = spec.template.spec.containers;
    expect(container).toMatchObject({ name: "api-migrate", image: MIGRATION.image, args: ["npm", "run", "migrate"] });
    expect(container.command).toBeUndefined();
    expect(container.env).toEqual([
      { name: "LOG_LEVEL", value: "info" },
      { name: "MIGRATION_VERSION", value: "2026-11-20-orders" },
      { name: "PGOPTIONS", value: "-c lock_timeout=5s -c statement_timeout=900s" },
      { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "api-database", key: "url" } } },
    ]);
    expect(container.resources).toEqual({ requests: RESOURCES.requests, limits: RESOURCES.limits });
    expect(spec.template.metadata.labels).toEqual({
      "app.kubernetes.io/name": "api",
      "app.kubernetes.io/managed-by": "pulumi",
      "bluegreen/migration": "2026-11-20-orders",
    });
  });

  it("runs a transactional migration in the lock-timeout wrapper with its settings, in the same one attempt; a check's pod never", async () => {
    const transactional = { ...MIGRATION, transactional: true, lockTimeoutSeconds: 2, statementTimeoutSeconds: 600 };
    const wrapped = jobSpec({ ...job, migration: transactional }) as any;
    expect(await manifestProblems(object("batch/v1", "Job", wrapped))).toEqual([]);
    const [container] = wrapped.template.spec.containers;
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual(lockRetryCommand(["npm", "run", "migrate"]));
    expect(wrapped.backoffLimit).toBe(0);
    const settings = [
      { name: "BLUEGREEN_LOCK_RETRY_DELAYS", value: "5 10 20" },
      { name: "BLUEGREEN_LOCK_TIMEOUT", value: "2s" },
      { name: "BLUEGREEN_MIGRATION_TRANSACTIONAL", value: "1" },
    ];
    expect(container.env).toEqual(
      expect.arrayContaining([
        ...settings,
        { name: "PGOPTIONS", value: "-c lock_timeout=2s -c statement_timeout=600s" },
      ]),
    );
    const [check] = (jobSpec({ ...job, migration: transactional }, ["npm", "run", "check"]) as any).template.spec
      .containers;
    expect(check.args).toEqual(["npm", "run", "check"]);
    expect(check.env).toContainEqual({ name: "PGOPTIONS", value: "-c lock_timeout=2s -c statement_timeout=600s" });
    expect(check.env.map((e: { name: string }) => e.name)).not.toContain("BLUEGREEN_LOCK_RETRY_DELAYS");
  });

  it("puts the migration's settings after the color's own PGOPTIONS, so they win over an app's statement_timeout", () => {
    const [container] = (jobSpec({ ...job, env: { PGOPTIONS: "-c statement_timeout=2s -c search_path=app" } }) as any)
      .template.spec.containers;
    expect(container.env).toContainEqual({
      name: "PGOPTIONS",
      value: "-c statement_timeout=2s -c search_path=app -c lock_timeout=5s -c statement_timeout=900s",
    });
  });
});

describe("weightedRouteSpec", () => {
  const args = {
    services: SERVICES,
    gateway: GATEWAY,
    hostnames: ["api.example.com"],
    servicePort: 80,
    weights: { blue: 75, green: 25 },
    stickinessSeconds: 0,
  };

  it("validates as a gateway.networking.k8s.io/v1 HTTPRoute", async () => {
    expect(await manifestProblems(httpRoute(weightedRouteSpec(args)))).toEqual([]);
  });

  it("sends every path to both colors' Services with the configured weights, through the Gateway listener", () => {
    expect(weightedRouteSpec(args)).toEqual({
      parentRefs: [
        {
          group: "gateway.networking.k8s.io",
          kind: "Gateway",
          name: "public",
          namespace: "gateway-system",
          sectionName: "https",
        },
      ],
      hostnames: ["api.example.com"],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [
            { kind: "Service", name: "api-blue", port: 80, weight: 75 },
            { kind: "Service", name: "api-green", port: 80, weight: 25 },
          ],
        },
      ],
    });
  });

  it("leaves out parentRef namespace and sectionName when the config does", () => {
    expect(weightedRouteSpec({ ...args, gateway: { name: "public" } }).parentRefs).toEqual([
      { group: "gateway.networking.k8s.io", kind: "Gateway", name: "public" },
    ]);
  });

  it("turns stickiness into cookie session persistence with a Gateway API duration the schema accepts", async () => {
    const spec = weightedRouteSpec({ ...args, stickinessSeconds: 604_800 });
    expect(spec.rules[0].sessionPersistence).toEqual({ type: "Cookie", absoluteTimeout: "168h" });
    expect(await manifestProblems(httpRoute(spec))).toEqual([]);
    // Plain seconds would be rejected: at most 5 digits per unit.
    spec.rules[0].sessionPersistence!.absoluteTimeout = "604800s";
    expect(await manifestProblems(httpRoute(spec))).toEqual([
      '/spec/rules/0/sessionPersistence/absoluteTimeout: pattern {"pattern":"^([0-9]{1,5}(h|m|s|ms)){1,4}$"}',
    ]);
  });
});

describe("gatewayDuration", () => {
  it.each([
    [300, "5m"],
    [604_800, "168h"],
    [3661, "1h1m1s"],
    [59, "59s"],
    [0, "0s"],
  ])("%i s → %s", (seconds, text) => {
    expect(gatewayDuration(seconds)).toBe(text);
  });
});

describe("colorRouteSpec", () => {
  it("validates as an HTTPRoute that sends one hostname to one color's Service only", async () => {
    const spec = colorRouteSpec("api", "green", "green.api.internal.example.com", { name: "internal" }, 80);
    expect(await manifestProblems(httpRoute(spec))).toEqual([]);
    expect(spec.hostnames).toEqual(["green.api.internal.example.com"]);
    expect(spec.rules[0].backendRefs).toEqual([{ kind: "Service", name: "api-green", port: 80 }]);
  });
});

describe("ROUTE_WAIT_FOR", () => {
  it("makes Pulumi wait until the Gateway accepted the route and resolved its backends", () => {
    expect(JSON.parse(ROUTE_WAIT_FOR)).toEqual([
      'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True',
      'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}=True',
    ]);
  });
});
