/**
 * The rules for the kubernetes and docker platforms, which have no shipped
 * stack file yet: registrations built by hand the way those platforms
 * register them (Deployments, Services, a Gateway API HTTPRoute and a
 * migration Job; OneShotCommand steps, HAProxy weights, containers), run
 * through the real analyzer. Each family starts from a stack the pack
 * passes, then breaks one thing.
 */
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STEP_PURPOSES } from "../../components/contracts/markers";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import type { RegisteredResource } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { handMade, mutate, seen, Seen, withoutDependencyOn } from "../../testkit/analyzerCases";
import { undoRoute } from "../../policies/traffic";

const GATE = DYNAMIC_TYPES.promotionGateCheck.token;
const ONE_SHOT = DYNAMIC_TYPES.oneShotCommand.token;
const VERSIONS = { blue: "1.4.2", green: "1.5.0" } as const;
const WEIGHTS = { blue: 90, green: 10 } as const;
type Color = keyof typeof VERSIONS;

/** A color's gate, waiting for what it probes: that is what makes them the color's (policies/structure.ts). */
const gate = (color: Color, probes: readonly RegisteredResource[] = []) =>
  handMade(
    GATE,
    `api-${color}-gate-check`,
    { app: "api", color, version: VERSIONS[color], weight: WEIGHTS[color], totalWeight: 100 },
    { dependsOn: probes },
  );

/** Labels as the kubernetes platform sets them (components/kubernetes/names.ts). */
const colorLabels = (color: Color) => ({
  "app.kubernetes.io/name": "api",
  "bluegreen/color": color,
  "app.kubernetes.io/version": VERSIONS[color],
});

/** The secure defaults as the platform sets them (components/kubernetes/podSecurity.ts), which kubernetes-pod-security requires. */
const RESTRICTED_POD = {
  automountServiceAccountToken: false,
  securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
};
const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

function deployment(color: Color): RegisteredResource {
  const labels = colorLabels(color);
  return handMade("kubernetes:apps/v1:Deployment", `api-${color}-deployment`, {
    metadata: { name: `api-${color}`, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: { "app.kubernetes.io/name": "api", "bluegreen/color": color } },
      template: {
        metadata: { labels },
        spec: {
          ...RESTRICTED_POD,
          containers: [
            {
              name: "api",
              image: `registry.example.com/api:${VERSIONS[color]}`,
              env: [
                { name: "APP_COLOR", value: color },
                { name: "APP_VERSION", value: VERSIONS[color] },
                { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "api-db", key: "url" } } },
              ],
              readinessProbe: { httpGet: { path: "/healthz", port: 8080 } },
              resources: { limits: { cpu: "250m", memory: "256Mi" } },
              securityContext: RESTRICTED_CONTAINER,
            },
          ],
        },
      },
    },
  });
}

/** Services named without a color word: the route's colors come from their labels. */
const service = (color: Color, name: string) =>
  handMade("kubernetes:core/v1:Service", `api-${color}-service`, {
    metadata: { name, labels: colorLabels(color) },
    spec: { selector: { "bluegreen/color": color } },
  });
const k8sSnapshot = handMade("aws:rds/snapshot:Snapshot", "api-pre-migration-snapshot", {
  dbInstanceIdentifier: "api-dev",
  dbSnapshotIdentifier: "api-pre-42",
});
const k8sColor = {
  blue: { deployment: deployment("blue"), service: service("blue", "api-stable") },
  green: { deployment: deployment("green"), service: service("green", "api-canary") },
};
// The route the green gate probes: it exists before the gate by design.
const greenDirectRoute = handMade("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "api-green-route", {
  metadata: { name: "api-green-direct", labels: { "bluegreen/route": "direct" } },
  spec: {
    parentRefs: [{ name: "internal-gateway" }],
    rules: [{ backendRefs: [{ name: "api-canary", port: 8080 }] }],
  },
});
const k8sGates = {
  blue: gate("blue", [k8sColor.blue.deployment, k8sColor.blue.service]),
  green: gate("green", [k8sColor.green.deployment, k8sColor.green.service, greenDirectRoute]),
};
const KUBERNETES: RegisteredResource[] = [
  k8sColor.blue.deployment,
  k8sColor.green.deployment,
  k8sColor.blue.service,
  k8sColor.green.service,
  greenDirectRoute,
  k8sGates.blue,
  k8sGates.green,
  handMade(
    "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    "api-route",
    {
      metadata: { name: "api", labels: { "bluegreen/route": "weighted" } },
      spec: {
        parentRefs: [{ name: "public-gateway" }],
        rules: [
          {
            backendRefs: [
              { name: "api-stable", port: 8080, weight: WEIGHTS.blue },
              { name: "api-canary", port: 8080, weight: WEIGHTS.green },
            ],
          },
        ],
      },
    },
    { dependsOn: [k8sGates.blue, k8sGates.green] },
  ),
  k8sSnapshot,
  handMade(
    "kubernetes:batch/v1:Job",
    "api-migration-job-42",
    {
      metadata: { name: "api-migrate-42", labels: { "bluegreen/migration": "42" } },
      spec: {
        template: {
          spec: {
            ...RESTRICTED_POD,
            restartPolicy: "Never",
            containers: [
              {
                name: "migrate",
                image: "registry.example.com/api-migrations:1.5.0",
                securityContext: RESTRICTED_CONTAINER,
              },
            ],
          },
        },
      },
    },
    { dependsOn: [k8sSnapshot] },
  ),
];

const dockerSnapshot = handMade(ONE_SHOT, "api-pre-migration-snapshot", {
  purpose: STEP_PURPOSES.snapshot,
  description: "snapshot api-pre-42",
  command: ["docker", "run", "--rm", "postgres:16.4", "sh", "-c", "pg_dump"],
  runKey: "api-pre-42",
  timeoutSeconds: 1800,
});
const dockerGates = { blue: gate("blue"), green: gate("green") };
const DOCKER: RegisteredResource[] = [
  dockerGates.blue,
  dockerGates.green,
  dockerSnapshot,
  handMade(
    ONE_SHOT,
    "api-migration-run",
    {
      purpose: STEP_PURPOSES.migration,
      description: "migration 42",
      command: ["docker", "run", "--rm", "registry.example.com/api-migrations:1.5.0"],
      runKey: "42",
      timeoutSeconds: 900,
    },
    { dependsOn: [dockerSnapshot] },
  ),
  handMade("docker:index/remoteImage:RemoteImage", "api-router-image", { name: "haproxy:2.8.10", keepLocally: true }),
  handMade("docker:index/container:Container", "api-green-container", {
    name: "api-green",
    image: "sha256:5f1c0c1d",
    envs: ["APP_COLOR=green", "APP_VERSION=1.5.0", "DATABASE_URL=postgres://postgres@api-db:5432/api", "PORT=8080"],
    labels: [
      { label: "bluegreen.color", value: "green" },
      { label: "bluegreen.version", value: "1.5.0" },
    ],
  }),
  handMade(
    DYNAMIC_TYPES.haproxyWeights.token,
    "api-router-weights",
    { backend: "app", weights: WEIGHTS },
    { dependsOn: [dockerGates.blue, dockerGates.green] },
  ),
];

let analyzer: PolicyAnalyzer;
beforeAll(async () => {
  analyzer = await startPolicyAnalyzer();
});
afterAll(() => analyzer?.stop());

const check = async (resources: readonly RegisteredResource[]): Promise<Seen[]> =>
  seen(await analyzer.analyze(resources));
const firstContainer = (r: { inputs: Record<string, any> }) => r.inputs.spec.template.spec.containers[0];
const ungated = (kind: string, name: string, weight = 10) =>
  `${kind} ${name} must wait for the promotion gate of green, which it sends weight ${weight}: it depends on no promotion gate for green, so traffic could reach green before its health is proven. ` +
  "Keep routing behind the gates (BlueGreenApp passes every color's PromotionGate to platform.routing as dependsOn), or set `bluegreen:traffic.green` to 0. " +
  undoRoute(name, true);

describe("kubernetes: Deployments, Services, HTTPRoute, migration Job", () => {
  it("passes the well-formed stack: every rule is met", async () => {
    expect(await check(KUBERNETES)).toEqual([]);
  });

  it("kubernetes-readiness-probes: rejects a container without a readiness probe", async () => {
    const resources = mutate(KUBERNETES, "api-green-deployment", (r) => delete firstContainer(r).readinessProbe);
    expect(await check(resources)).toEqual([
      [
        "kubernetes-readiness-probes",
        "mandatory",
        "api-green-deployment",
        "Deployment api-green-deployment must give every container a readiness probe: container api has none, so its Service sends traffic to pods that are still starting. Add readinessProbe.httpGet on `bluegreen:app.healthPath` and the app port.",
      ],
    ]);
  });

  it("kubernetes-resource-limits: advises a memory limit", async () => {
    const resources = mutate(
      KUBERNETES,
      "api-blue-deployment",
      (r) => delete firstContainer(r).resources.limits.memory,
    );
    expect(await check(resources)).toEqual([
      [
        "kubernetes-resource-limits",
        "advisory",
        "api-blue-deployment",
        "Deployment api-blue-deployment must limit cpu and memory on every container: container api has no limit for memory, so one color can starve the other on a shared node. Set `bluegreen:kubernetes.resources` (cpu, memory).",
      ],
    ]);
  });

  it("no-plaintext-secrets and images-pinned: a literal token and the latest tag in a Deployment", async () => {
    const resources = mutate(KUBERNETES, "api-green-deployment", (r) => {
      firstContainer(r).env.push({ name: "API_TOKEN", value: "abc123" });
      firstContainer(r).image = "registry.example.com/api:latest";
    });
    expect(await check(resources)).toEqual([
      [
        "images-pinned",
        "mandatory",
        "api-green-deployment",
        'Deployment api-green-deployment must pin each image to a tag or digest: container api uses "registry.example.com/api:latest", and "latest" moves with every push. Pin it to the release\'s tag or a digest (@sha256:...): set `bluegreen:green.image`.',
      ],
      [
        "no-plaintext-secrets",
        "mandatory",
        "api-green-deployment",
        "Deployment api-green-deployment must not carry credentials in plain environment variables: API_TOKEN of container api does (its name says it holds a secret). Move it from `bluegreen:green.env` to `bluegreen:green.secrets` (a Secrets Manager or SSM ARN, or secret/key on Kubernetes), or list it in this policy's allowedNames if it holds no secret.",
      ],
    ]);
  });

  it("no-plaintext-secrets: a Pulumi secret in a literal env value is still plaintext in the pod spec", async () => {
    // As the SDK serializes pulumi.secret(...): the engine passes secrets to the pack in this envelope.
    const secret = { [rpc.specialSigKey]: rpc.specialSecretSig, value: "postgres://api:pw@db:5432/api" };
    const resources = mutate(KUBERNETES, "api-blue-deployment", (r) =>
      firstContainer(r).env.push({ name: "REPORTS_DB", value: secret }),
    );
    expect(await check(resources)).toEqual([
      [
        "no-plaintext-secrets",
        "mandatory",
        "api-blue-deployment",
        "Deployment api-blue-deployment must not carry credentials in plain environment variables: REPORTS_DB of container api does (its value looks like a URL with a user:password part). Move it from `bluegreen:blue.env` to `bluegreen:blue.secrets` (a Secrets Manager or SSM ARN, or secret/key on Kubernetes), or list it in this policy's allowedNames if it holds no secret.",
      ],
    ]);
  });

  it("refuses inputs that are not plain data, which the engine could never send", async () => {
    const resources = KUBERNETES.map((r) =>
      r.name === "api-route" ? { ...r, inputs: { ...r.inputs, createdAt: new Date(0) } } : r,
    );
    await expect(analyzer.analyze(resources)).rejects.toThrow(
      "api-route: input inputs.createdAt is Date, not plain data; cannot send it to the policy pack",
    );
  });

  it("images-pinned: rejects an image whose tag is not the pod's version label", async () => {
    const resources = mutate(KUBERNETES, "api-blue-deployment", (r) => {
      firstContainer(r).env = [];
      firstContainer(r).image = "registry.example.com/api:1.5.0";
    });
    expect(await check(resources)).toEqual([
      [
        "images-pinned",
        "mandatory",
        "api-blue-deployment",
        'Deployment api-blue-deployment must run the image of the version it claims: container api uses "registry.example.com/api:1.5.0" (tag 1.5.0) but its version is 1.4.2. Set `bluegreen:blue.image` to the 1.4.2 image, or `bluegreen:blue.version` to 1.5.0.',
      ],
    ]);
  });

  it("httproute-backend-weights-valid: rejects weights out of range, and a rule where all are 0", async () => {
    const refs = (r: { inputs: Record<string, any> }) => r.inputs.spec.rules[0].backendRefs;
    const outOfRange = mutate(
      KUBERNETES,
      "api-route",
      (r) => ((refs(r)[0].weight = -1), (refs(r)[1].weight = 2_000_000)),
    );
    expect(await check(outOfRange)).toEqual([
      [
        "httproute-backend-weights-valid",
        "mandatory",
        "api-route",
        'HTTPRoute api-route must give each backendRef a whole weight from 0 to 1000000: "api-stable" in rule 0 has -1. Set `bluegreen:traffic.blue` or `bluegreen:traffic.green` to a whole number in that range.',
      ],
      [
        "httproute-backend-weights-valid",
        "mandatory",
        "api-route",
        'HTTPRoute api-route must give each backendRef a whole weight from 0 to 1000000: "api-canary" in rule 0 has 2000000. Set `bluegreen:traffic.blue` or `bluegreen:traffic.green` to a whole number in that range.',
      ],
      // A negative weight sends nothing, so green takes all of it: far above the 10 % its gate judged.
      [
        "traffic-requires-promotion-gate",
        "mandatory",
        "api-route",
        "HTTPRoute api-route must give green no more of its traffic than green's promotion gate was judged for: it sends green 100 % (weight 2000000 of 2000000), " +
          "but the gate api-green-gate-check judged green for 10 % (weight 10 of 100). A gate probes a color for the share it will carry; " +
          `send green's share through the weighted route the program builds, or set \`bluegreen:traffic.green\` so its gate judges that share. ${undoRoute("api-route", true)}`,
      ],
    ]);
    const allZero = mutate(KUBERNETES, "api-route", (r) => ((refs(r)[0].weight = 0), (refs(r)[1].weight = 0)));
    expect(await check(allZero)).toEqual([
      [
        "httproute-backend-weights-valid",
        "mandatory",
        "api-route",
        "HTTPRoute api-route must send traffic to at least one backend in rule 0: every backendRef weight is 0, so the gateway answers 500. Give `bluegreen:traffic.blue` or `bluegreen:traffic.green` a weight above 0.",
      ],
    ]);
  });

  it("traffic-requires-promotion-gate: rejects a route to green (a Service labelled green) that does not wait for green's gate", async () => {
    expect(await check(withoutDependencyOn(KUBERNETES, "api-green-gate-check", "api-route"))).toEqual([
      ["traffic-requires-promotion-gate", "mandatory", "api-route", ungated("HTTPRoute", "api-route")],
    ]);
  });

  it("traffic-requires-promotion-gate: exempts the direct route a gate probes, not the same route marked weighted or unmarked", async () => {
    const weighted = mutate(
      KUBERNETES,
      "api-green-route",
      (r) => (r.inputs.metadata.labels["bluegreen/route"] = "weighted"),
    );
    expect(await check(weighted)).toEqual([
      ["traffic-requires-promotion-gate", "mandatory", "api-green-route", ungated("HTTPRoute", "api-green-route", 1)],
    ]);
    // Inside the app's components a route without its marker claims nothing: judged as weighted.
    const unmarked = mutate(KUBERNETES, "api-green-route", (r) => delete r.inputs.metadata.labels);
    expect((await check(unmarked)).map((v) => v.slice(0, 3))).toContainEqual([
      "traffic-requires-promotion-gate",
      "mandatory",
      "api-green-route",
    ]);
  });

  it("migration-after-snapshot: rejects a migration Job that does not wait for the snapshot", async () => {
    expect(await check(withoutDependencyOn(KUBERNETES, "api-pre-migration-snapshot"))).toEqual([
      [
        "migration-after-snapshot",
        "mandatory",
        "api-migration-job-42",
        "Migration run api-migration-job-42 must wait for a snapshot of the database it migrates: it depends on no pre-migration snapshot, so a failed migration could not be undone. Keep the migration behind the snapshot (the release flow passes platform.databaseSnapshot to platform.migration as dependsOn) and keep `bluegreen:database` set.",
      ],
    ]);
  });
});

describe("docker: OneShotCommand steps, HAProxy weights, containers", () => {
  it("passes the well-formed stack: every rule is met", async () => {
    expect(await check(DOCKER)).toEqual([]);
  });

  it("traffic-requires-promotion-gate: rejects HAProxy weights that do not wait for green's gate", async () => {
    expect(await check(withoutDependencyOn(DOCKER, "api-green-gate-check", "api-router-weights"))).toEqual([
      [
        "traffic-requires-promotion-gate",
        "mandatory",
        "api-router-weights",
        ungated("HAProxy weights", "api-router-weights"),
      ],
    ]);
  });

  it("migration-after-snapshot and snapshot-named-for-migration: the migration step waits for its snapshot, named after its version", async () => {
    expect(await check(withoutDependencyOn(DOCKER, "api-pre-migration-snapshot"))).toEqual([
      [
        "migration-after-snapshot",
        "mandatory",
        "api-migration-run",
        "Migration run api-migration-run must wait for a snapshot of the database it migrates: it depends on no pre-migration snapshot, so a failed migration could not be undone. Keep the migration behind the snapshot (the release flow passes platform.databaseSnapshot to platform.migration as dependsOn) and keep `bluegreen:database` set.",
      ],
    ]);
    expect(await check(mutate(DOCKER, "api-pre-migration-snapshot", (r) => (r.inputs.runKey = "api-pre-41")))).toEqual([
      [
        "snapshot-named-for-migration",
        "mandatory",
        "api-pre-migration-snapshot",
        'Snapshot api-pre-migration-snapshot must be named after the migration it protects: it is "api-pre-41", expected "api-pre-42" (app "api", `bluegreen:migration.version` 42). ' +
          "A name that does not change with the migration version keeps the old snapshot and takes no new one before this migration; derive it with snapshotIdentifier (components/contracts/snapshots.ts).",
      ],
    ]);
  });

  it("no-plaintext-secrets and images-pinned: a password URL in a container and an untagged image", async () => {
    const leaky = mutate(DOCKER, "api-green-container", (r) =>
      r.inputs.envs.push("REPORTS_URL=https://reports:hunter22@reports.internal/api"),
    );
    const resources = mutate(leaky, "api-router-image", (r) => (r.inputs.name = "haproxy"));
    expect(await check(resources)).toEqual([
      [
        "no-plaintext-secrets",
        "mandatory",
        "api-green-container",
        "Container api-green-container must not carry credentials in plain environment variables: REPORTS_URL of container api-green does (its value looks like a URL with a user:password part). Move it from `bluegreen:green.env` to `bluegreen:green.secrets` (a Secrets Manager or SSM ARN, or secret/key on Kubernetes), or list it in this policy's allowedNames if it holds no secret.",
      ],
      [
        "images-pinned",
        "mandatory",
        "api-router-image",
        'Docker image api-router-image must pin each image to a tag or digest: it uses "haproxy" with no tag, so every start may pull a different build. Pin it to the release\'s tag or a digest (@sha256:...): set the image reference.',
      ],
    ]);
  });
});
