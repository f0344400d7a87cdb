/**
 * The kubernetes platform: a Deployment and a Service per color in one
 * namespace, a Gateway API HTTPRoute whose backendRefs carry the weights, the
 * migration as a Job, and (with `bluegreen:database`) the same RDS snapshot
 * as on AWS before it. See docs/kubernetes.md.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MigrationSnapshot } from "../aws/database";
import { childName } from "../naming";
import { PlatformFactory, colorBasics } from "../platform";
import { migrationTarget } from "../release";
import { ColorWorkload } from "./colorWorkload";
import { gateUrl } from "./manifests";
import { MigrationJob } from "./migrationJob";
import { appLabels, expandColor } from "./names";
import { WeightedRoute } from "./weightedRoute";

export const kubernetesPlatform: PlatformFactory = (config, parent) => {
  const app = config.app.name;
  // Presence checked by parseConfig with the other config problems.
  const cluster = config.kubernetes!;
  const migrationColor = migrationTarget(config);

  // Retained on destroy: the namespace also holds the Secrets the pods read, which this program does not own.
  const namespace: pulumi.Input<string> = cluster.createNamespace
    ? new k8s.core.v1.Namespace(childName(app, "namespace"), { metadata: { name: cluster.namespace, labels: appLabels(app) } }, {
        parent,
        retainOnDelete: true,
      }).metadata.name
    : cluster.namespace;

  return {
    // Without `bluegreen:database` there is nothing to snapshot; the migration then runs without one.
    databaseSnapshot(snapshotId, step) {
      return config.database
        ? new MigrationSnapshot(childName(app, "pre-migration"), { database: config.database, snapshotId }, { parent, dependsOn: step.dependsOn })
        : undefined;
    },
    migration(migration, step) {
      return new MigrationJob(childName(app, "migration"), {
        app,
        migration,
        namespace,
        env: config[migrationColor].env,
        secrets: config[migrationColor].secrets,
        resources: cluster.resources,
      }, { parent, dependsOn: step.dependsOn });
    },
    colorService(color, step) {
      const settings = config[color];
      const workload = new ColorWorkload(childName(app, color), {
        ...colorBasics(config, color),
        replicas: settings.desiredCount,
        secrets: settings.secrets,
        resources: cluster.resources,
        namespace,
        servicePort: cluster.servicePort,
        directRoute: cluster.colorRoutes && {
          hostname: expandColor(cluster.colorRoutes.hostname, color),
          gateway: cluster.colorRoutes.gateway ?? cluster.gateway,
        },
      }, { parent, dependsOn: step.dependsOn });
      const target = gateUrl(cluster, color, config.app.healthPath);
      return {
        ready: workload,
        gateTargets: target === undefined ? [] : [target],
        ids: { deployment: workload.deploymentName, service: workload.serviceName },
      };
    },
    routing(weights, step) {
      const route = new WeightedRoute(childName(app, "traffic"), {
        app,
        namespace,
        gateway: cluster.gateway,
        hostnames: cluster.hostnames,
        scheme: cluster.scheme,
        servicePort: cluster.servicePort,
        weights,
        stickinessSeconds: config.traffic.stickinessSeconds,
      }, { parent, dependsOn: step.dependsOn });
      return { url: route.url, ids: { httpRoute: route.routeName, namespace } };
    },
  };
};
