/**
 * The specs of every Kubernetes object the platform creates, as pure
 * functions of plain values: unit-tested and validated against the official
 * schemas without Pulumi, and passed unchanged to the resources.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { MigrationConfig } from "../config/schema";
import { COLORS, Color, expandColor } from "../contracts/colors";
import { lockRetryCommand, migrationSession, migrationSessionEnv } from "../migrationSessions";
import type { ColorBasics } from "../platform";
import type { TrafficWeights } from "../traffic";
import type { GatewayRef, KubernetesSettings, PodResources } from "./config";
import { colorLabels, migrationLabels, parseSecretRef, selectorLabels, workloadName } from "./names";
import { PodHardening, hardenedPodSpec } from "./podSecurity";

/** Name of the container port that probes and Services refer to. */
const PORT_NAME = "http";

/**
 * Probe timing. Startup allows 2 minutes to boot before liveness may restart
 * the pod; readiness drops a pod from its Service after 2 failed checks
 * (10 s); liveness restarts a pod after 3 (30 s).
 */
export const PROBE_TIMING = {
  startup: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 24 },
  readiness: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2, successThreshold: 1 },
  liveness: { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
} as const;

/**
 * Readiness of an HTTPRoute for Pulumi (the `pulumi.com/waitFor` annotation,
 * @pulumi/kubernetes >= 4.18): the Gateway accepted it and resolved its
 * backend Services. Without it Pulumi treats a custom resource as ready at
 * once, and the gate could probe a hostname the Gateway does not serve yet.
 */
export const ROUTE_WAIT_FOR = JSON.stringify(
  ["Accepted", "ResolvedRefs"].map(
    (type) => `jsonpath={.status.parents[0].conditions[?(@.type=="${type}")].status}=True`,
  ),
);

/** The subset of Gateway API `HTTPRoute.spec` this platform writes (gateway.networking.k8s.io/v1). */
export interface HttpRouteSpec {
  readonly parentRefs: { group: string; kind: string; name: string; namespace?: string; sectionName?: string }[];
  readonly hostnames: string[];
  readonly rules: {
    matches: { path: { type: "PathPrefix"; value: string } }[];
    backendRefs: { kind: "Service"; name: string; port: number; weight?: number }[];
    sessionPersistence?: { type: "Cookie"; absoluteTimeout: string };
    filters?: {
      type: "ResponseHeaderModifier";
      responseHeaderModifier: { set: { name: string; value: string }[] };
    }[];
  }[];
}

export interface ColorWorkloadSpec extends ColorBasics {
  /** Pods; 0 keeps the color defined but idle. */
  readonly replicas: number;
  /** Variable name → `secret-name/key`. */
  readonly secrets: Record<string, string>;
  readonly resources: PodResources;
  /** The color's user, root filesystem and stated exception (components/kubernetes/podSecurity.ts). */
  readonly hardening: PodHardening;
}

export interface MigrationJobSpec {
  readonly app: string;
  readonly migration: MigrationConfig;
  readonly env: Record<string, string>;
  readonly secrets: Record<string, string>;
  readonly resources: PodResources;
  /** Those of the color the migration prepares, whose env and secrets it runs with. */
  readonly hardening: PodHardening;
}

/** Plain variables, then secrets as `secretKeyRef`s, each sorted by name so the spec is stable. */
export function envVars(
  env: Record<string, string>,
  secrets: Record<string, string>,
): k8s.types.input.core.v1.EnvVar[] {
  const byName = ([a]: [string, string], [b]: [string, string]) => a.localeCompare(b);
  return [
    ...Object.entries(env)
      .sort(byName)
      .map(([name, value]) => ({ name, value })),
    ...Object.entries(secrets)
      .sort(byName)
      .map(([name, ref]) => {
        const secretKeyRef = parseSecretRef(ref);
        if (!secretKeyRef) {
          throw new Error(
            `secret ${name} is "${ref}", not a Kubernetes Secret reference; write it as secret-name/key (e.g. api-database/url)`,
          );
        }
        return { name, valueFrom: { secretKeyRef } };
      }),
  ];
}

function resourceRequirements(resources: PodResources): k8s.types.input.core.v1.ResourceRequirements {
  return { requests: { ...resources.requests }, limits: { ...resources.limits } };
}

export function deploymentSpec(spec: ColorWorkloadSpec): k8s.types.input.apps.v1.DeploymentSpec {
  const httpGet = { path: spec.healthPath, port: PORT_NAME };
  return {
    replicas: spec.replicas,
    selector: { matchLabels: selectorLabels(spec.app, spec.color) },
    // A color may carry traffic while it rolls: never drop below the desired ready pods.
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
    revisionHistoryLimit: 3,
    template: {
      metadata: { labels: colorLabels(spec.app, spec.color, spec.version) },
      spec: hardenedPodSpec(spec.hardening, {
        containers: [
          {
            name: spec.app,
            image: spec.image,
            ports: [{ name: PORT_NAME, containerPort: spec.port, protocol: "TCP" }],
            env: envVars({ ...spec.env, APP_COLOR: spec.color, APP_VERSION: spec.version }, spec.secrets),
            resources: resourceRequirements(spec.resources),
            startupProbe: { httpGet, ...PROBE_TIMING.startup },
            readinessProbe: { httpGet, ...PROBE_TIMING.readiness },
            livenessProbe: { httpGet, ...PROBE_TIMING.liveness },
          },
        ],
      }),
    },
  };
}

export function serviceSpec(app: string, color: Color, servicePort: number): k8s.types.input.core.v1.ServiceSpec {
  return {
    type: "ClusterIP",
    selector: selectorLabels(app, color),
    ports: [{ name: PORT_NAME, port: servicePort, targetPort: PORT_NAME, protocol: "TCP" }],
  };
}

/**
 * One attempt (`backoffLimit: 0`) bounded by the migration's timeout. No
 * `ttlSecondsAfterFinished`: a Job Kubernetes deleted after it finished would
 * look deleted to `pulumi refresh`, and the next `pulumi up` would run the
 * migration again. Every session of the pod gives up on a lock after the
 * migration's lock timeout (PGOPTIONS, components/migrationSessions.ts); a
 * transactional migration runs in the lock-timeout wrapper, which runs it
 * again after a lock timeout inside this one pod. `checkCommand`: the pod of
 * a `migration.validate` check, the same with the check's command (never
 * wrapped: a check changes nothing).
 */
export function jobSpec(spec: MigrationJobSpec, checkCommand?: readonly string[]): k8s.types.input.batch.v1.JobSpec {
  const { migration } = spec;
  const session = migrationSession(migration);
  const wrapped = checkCommand === undefined && session.transactional;
  const command = checkCommand ?? (wrapped ? lockRetryCommand(migration.command) : migration.command);
  return {
    backoffLimit: 0,
    activeDeadlineSeconds: migration.timeoutSeconds,
    template: {
      metadata: { labels: migrationLabels(spec.app, migration.version) },
      spec: hardenedPodSpec(spec.hardening, {
        restartPolicy: "Never",
        containers: [
          {
            name: `${spec.app}-migrate`,
            image: migration.image,
            // `args`, not `command`: like ECS `command`, it keeps the image's entrypoint.
            args: [...command],
            env: envVars(
              {
                ...spec.env,
                MIGRATION_VERSION: migration.version,
                ...migrationSessionEnv(session, spec.env, { wrapped }),
              },
              spec.secrets,
            ),
            resources: resourceRequirements(spec.resources),
          },
        ],
      }),
    },
  };
}

function parentRef(gateway: GatewayRef): HttpRouteSpec["parentRefs"][number] {
  return {
    group: "gateway.networking.k8s.io",
    kind: "Gateway",
    name: gateway.name,
    ...(gateway.namespace ? { namespace: gateway.namespace } : {}),
    ...(gateway.sectionName ? { sectionName: gateway.sectionName } : {}),
  };
}

const ALL_PATHS: HttpRouteSpec["rules"][number]["matches"] = [{ path: { type: "PathPrefix", value: "/" } }];

/** Gateway API duration (at most 5 digits per unit): 300 → "5m", 604800 → "168h", 3661 → "1h1m1s". */
export function gatewayDuration(seconds: number): string {
  const parts: [number, string][] = [
    [Math.floor(seconds / 3600), "h"],
    [Math.floor((seconds % 3600) / 60), "m"],
    [seconds % 60, "s"],
  ];
  return (
    parts
      .filter(([value]) => value > 0)
      .map(([value, unit]) => `${value}${unit}`)
      .join("") || "0s"
  );
}

export interface WeightedRouteArgs {
  /** Each color's Service, as its deployment reported it. */
  readonly services: Readonly<Record<Color, string>>;
  readonly gateway: GatewayRef;
  readonly hostnames: string[];
  readonly servicePort: number;
  readonly weights: TrafficWeights;
  /** Cookie session persistence (Gateway API experimental channel) when above 0. */
  readonly stickinessSeconds: number;
  /** While maintenance is on: the maintenance backend's Service and the Retry-After it adds. @default undefined */
  readonly maintenance?: { readonly serviceName: string; readonly retryAfterSeconds: number };
}

/**
 * One rule over both colors' Services with the configured weights (Gateway API weights are relative, like ALB's);
 * while maintenance is on, every path goes to the maintenance backend instead, with Retry-After added.
 */
export function weightedRouteSpec(args: WeightedRouteArgs): HttpRouteSpec {
  const { maintenance } = args;
  if (maintenance) {
    return {
      parentRefs: [parentRef(args.gateway)],
      hostnames: [...args.hostnames],
      rules: [
        {
          matches: ALL_PATHS,
          backendRefs: [{ kind: "Service", name: maintenance.serviceName, port: args.servicePort }],
          filters: [
            {
              type: "ResponseHeaderModifier",
              responseHeaderModifier: { set: [{ name: "Retry-After", value: String(maintenance.retryAfterSeconds) }] },
            },
          ],
        },
      ],
    };
  }
  return {
    parentRefs: [parentRef(args.gateway)],
    hostnames: [...args.hostnames],
    rules: [
      {
        matches: ALL_PATHS,
        backendRefs: COLORS.map((color) => ({
          kind: "Service",
          name: args.services[color],
          port: args.servicePort,
          weight: args.weights[color],
        })),
        ...(args.stickinessSeconds > 0
          ? { sessionPersistence: { type: "Cookie", absoluteTimeout: gatewayDuration(args.stickinessSeconds) } }
          : {}),
      },
    ],
  };
}

/** A route that sends one hostname to one color only: where the gate probes that color. */
export function colorRouteSpec(
  app: string,
  color: Color,
  hostname: string,
  gateway: GatewayRef,
  servicePort: number,
): HttpRouteSpec {
  return {
    parentRefs: [parentRef(gateway)],
    hostnames: [hostname],
    rules: [
      { matches: ALL_PATHS, backendRefs: [{ kind: "Service", name: workloadName(app, color), port: servicePort }] },
    ],
  };
}

/**
 * Where the gate reaches `color` alone: `gateUrlTemplate` when set, otherwise
 * the color's own route hostname; the health path is appended. Undefined when
 * neither is configured (then only `bluegreen:gate.targets` are probed).
 */
export function gateUrl(config: KubernetesSettings, color: Color, healthPath: string): string | undefined {
  const base = config.gateUrlTemplate
    ? expandColor(config.gateUrlTemplate, color)
    : config.colorRoutes
      ? `${config.scheme}://${expandColor(config.colorRoutes.hostname, color)}`
      : undefined;
  return base === undefined ? undefined : `${base.replace(/\/+$/, "")}${healthPath}`;
}
