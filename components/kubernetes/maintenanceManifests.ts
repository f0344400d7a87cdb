/**
 * The maintenance backend's objects as pure functions: a small unprivileged
 * nginx that answers every path with 503 and the maintenance page
 * (components/maintenance.ts), mounted from a ConfigMap. The weighted route
 * sends users to it while `bluegreen:maintenance.enabled` is true and adds
 * Retry-After (a ResponseHeaderModifier filter): Gateway API has no direct
 * response of its own. The pods get the same secure defaults as the colors.
 */
import type * as k8s from "@pulumi/kubernetes";
import { KUBERNETES_LABELS, ROUTE_KINDS } from "../contracts/markers";
import { childName } from "../naming";
import { appLabels } from "./names";
import { hardenedPodSpec } from "./podSecurity";

type Container = k8s.types.input.core.v1.Container;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type Volume = k8s.types.input.core.v1.Volume;

/** nginx built to run as a non-root user (uid 101) on port 8080, with its writable paths under /tmp. */
export const MAINTENANCE_IMAGE = "nginxinc/nginx-unprivileged:1.27.3-alpine";
const NGINX_UID = "101";
const CONTAINER_PORT = 8080;
const PORT_NAME = "http";
const PAGE_DIR = "/usr/share/nginx/maintenance";

/** Name of the maintenance Deployment, Service and ConfigMap: `api-maintenance`. */
export function maintenanceName(app: string): string {
  return childName(app, "maintenance");
}

/** The maintenance objects' labels: the app's, marked as the maintenance route's backend (never a color). */
export function maintenanceLabels(app: string): Record<string, string> {
  return { ...appLabels(app), [KUBERNETES_LABELS.route]: ROUTE_KINDS.maintenance };
}

/**
 * Every path answers 503 with the page; the page itself is reachable only as that error page.
 * Whatever the body's size: nginx's default `client_max_body_size 1m` would answer a larger POST
 * with its own 413 page instead. nginx answers without reading the body and then reads and
 * discards it (lingering close, up to `lingering_time`, 30 s), so a client still sending gets the
 * page rather than a reset (docs/maintenance.md, "Request bodies").
 */
export function maintenanceNginxConfig(): string {
  return [
    "server {",
    `    listen ${CONTAINER_PORT};`,
    `    root ${PAGE_DIR};`,
    "    charset utf-8;",
    "    client_max_body_size 0;",
    "    error_page 503 /index.html;",
    "    location = /index.html { internal; }",
    "    location / { return 503; }",
    "}",
    "",
  ].join("\n");
}

/** The ConfigMap's data: the nginx site and the page. */
export function maintenanceConfigData(page: string): Record<string, string> {
  return { "default.conf": maintenanceNginxConfig(), "index.html": page };
}

export function maintenanceDeploymentSpec(
  app: string,
  configMapName: string,
  /** A hash of the ConfigMap's data, so a new page rolls the pods. */
  configHash: string,
): k8s.types.input.apps.v1.DeploymentSpec {
  const labels = maintenanceLabels(app);
  const pod = hardenedPodSpec(
    { user: NGINX_UID, readOnlyRootFilesystem: true, securityException: undefined },
    {
      containers: [
        {
          name: "maintenance",
          image: MAINTENANCE_IMAGE,
          ports: [{ name: PORT_NAME, containerPort: CONTAINER_PORT, protocol: "TCP" }],
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
          // Any path answers 503, so readiness is the port accepting connections.
          readinessProbe: { tcpSocket: { port: PORT_NAME }, periodSeconds: 5 },
        },
      ],
    },
  );
  // hardenedPodSpec builds plain arrays: the page and the site are mounted beside its scratch space.
  const [container] = pod.containers as Container[];
  const mounts: VolumeMount[] = [
    ...(container.volumeMounts as VolumeMount[]),
    { name: "site", mountPath: "/etc/nginx/conf.d", readOnly: true },
    { name: "page", mountPath: PAGE_DIR, readOnly: true },
  ];
  const volumes: Volume[] = [
    ...(pod.volumes as Volume[]),
    { name: "site", configMap: { name: configMapName, items: [{ key: "default.conf", path: "default.conf" }] } },
    { name: "page", configMap: { name: configMapName, items: [{ key: "index.html", path: "index.html" }] } },
  ];
  return {
    replicas: 2,
    selector: { matchLabels: labels },
    template: {
      metadata: { labels, annotations: { "bluegreen/page-sha256": configHash } },
      spec: { ...pod, containers: [{ ...container, volumeMounts: mounts }], volumes },
    },
  };
}

export function maintenanceServiceSpec(app: string, servicePort: number): k8s.types.input.core.v1.ServiceSpec {
  return {
    type: "ClusterIP",
    selector: maintenanceLabels(app),
    ports: [{ name: PORT_NAME, port: servicePort, targetPort: PORT_NAME, protocol: "TCP" }],
  };
}
