/**
 * The kubernetes platform: a Deployment and a Service per color in one
 * namespace, a Gateway API HTTPRoute whose backendRefs carry the weights, the
 * migration as a Job, and (with `bluegreen:database`) the same RDS snapshot
 * as on AWS before it. See docs/kubernetes.md.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { expandColor } from "../contracts/colors";
import { PRE_MIGRATION } from "../contracts/markers";
import { maintenanceResponse } from "../maintenance";
import { childName } from "../naming";
import { childOptions } from "../options";
import { colorBasics, Platform, PlatformScope } from "../platform";
import { MigrationSnapshot } from "../rds/migrationSnapshot";
import { migrationTarget } from "../release";
import { ColorWorkload } from "./colorWorkload";
import type { KubernetesConfig } from "./config";
import { MaintenanceBackend } from "./maintenanceBackend";
import { gateUrl } from "./manifests";
import { MigrationJob } from "./migrationJob";
import { appLabels, workloadName } from "./names";
import { WeightedRoute } from "./weightedRoute";

/** The Service the route sends a color's traffic to. */
export interface KubernetesBackend {
  readonly serviceName: string;
}

export function kubernetesPlatform(
  config: KubernetesConfig,
  { name, parent }: PlatformScope,
): Platform<KubernetesBackend> {
  const app = config.app.name;
  const cluster = config.kubernetes;
  const migrationColor = migrationTarget(config);

  // Retained on destroy: the namespace also holds the Secrets the pods read, which this program does not own.
  const namespace: pulumi.Input<string> = cluster.createNamespace
    ? new k8s.core.v1.Namespace(
        childName(name, "namespace"),
        { metadata: { name: cluster.namespace, labels: appLabels(app) } },
        childOptions(parent, [], { retainOnDelete: true }),
      ).metadata.name
    : cluster.namespace;

  return {
    // Without `bluegreen:database` there is nothing to snapshot (a migration needs one: see the rds config rules).
    databaseSnapshot(snapshotId, step, purpose = PRE_MIGRATION) {
      return config.database
        ? new MigrationSnapshot(
            childName(name, purpose),
            { database: config.database, snapshotId, purpose },
            childOptions(parent, step.dependsOn),
          )
        : undefined;
    },
    migration(migration, step) {
      const job = new MigrationJob(
        childName(name, "migration"),
        {
          app,
          migration,
          namespace,
          env: config[migrationColor].env,
          secrets: config[migrationColor].secrets,
          resources: cluster.resources,
          hardening: config[migrationColor],
        },
        childOptions(parent, step.dependsOn),
      );
      return { done: job };
    },
    colorService(color, step) {
      const settings = config[color];
      const workload = new ColorWorkload(
        childName(name, color),
        {
          ...colorBasics(config, color),
          replicas: settings.desiredCount,
          secrets: settings.secrets,
          resources: cluster.resources,
          hardening: settings,
          namespace,
          servicePort: cluster.servicePort,
          directRoute: cluster.colorRoutes && {
            hostname: expandColor(cluster.colorRoutes.hostname, color),
            gateway: cluster.colorRoutes.gateway ?? cluster.gateway,
          },
        },
        childOptions(parent, step.dependsOn),
      );
      return {
        ready: workload,
        probeUrl: gateUrl(cluster, color, config.app.healthPath),
        backend: { serviceName: workloadName(app, color) },
        ids: { deployment: workload.deploymentName, service: workload.serviceName },
      };
    },
    routing({ colors, traffic }, step) {
      const page = maintenanceResponse(config.maintenance);
      // It carries no color's traffic, so it need not wait for the gates; the route waits for it.
      const maintenance = page && {
        retryAfterSeconds: page.retryAfterSeconds,
        backend: new MaintenanceBackend(
          childName(name, "maintenance"),
          { app, namespace, page: page.body, servicePort: cluster.servicePort },
          childOptions(parent),
        ),
      };
      const route = new WeightedRoute(
        childName(name, "traffic"),
        {
          app,
          namespace,
          services: { blue: colors.blue.backend.serviceName, green: colors.green.backend.serviceName },
          gateway: cluster.gateway,
          hostnames: cluster.hostnames,
          scheme: cluster.scheme,
          servicePort: cluster.servicePort,
          weights: { blue: traffic.blue, green: traffic.green },
          stickinessSeconds: traffic.stickinessSeconds,
          ...(maintenance
            ? {
                maintenance: {
                  serviceName: maintenance.backend.serviceName,
                  retryAfterSeconds: maintenance.retryAfterSeconds,
                },
              }
            : {}),
        },
        childOptions(parent, [...step.dependsOn, ...(maintenance ? [maintenance.backend] : [])]),
      );
      return { url: route.url, trafficRoute: route.trafficRoute, ids: { httpRoute: route.routeName, namespace } };
    },
  };
}
