/**
 * The maintenance backend (maintenanceManifests.ts): a ConfigMap with the
 * page, the Deployment that serves it and its Service. It exists only while
 * maintenance is on; the weighted route waits for it (Pulumi waits for the
 * rollout), so users are switched to a backend that answers.
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";
import {
  maintenanceConfigData,
  maintenanceDeploymentSpec,
  maintenanceLabels,
  maintenanceName,
  maintenanceServiceSpec,
} from "./maintenanceManifests";

export interface MaintenanceBackendArgs {
  readonly app: string;
  readonly namespace: pulumi.Input<string>;
  /** The page (components/maintenance.ts). */
  readonly page: string;
  /** Port of the Service, the same as the colors' so the route's backendRef looks alike. The config's default: 80. */
  readonly servicePort: number;
}

export class MaintenanceBackend extends pulumi.ComponentResource {
  /** The Service the weighted route sends users to. */
  readonly serviceName: string;

  constructor(name: string, args: MaintenanceBackendArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.kubernetesMaintenanceBackend, name, {}, opts);
    const objectName = maintenanceName(args.app);
    const metadata = { name: objectName, namespace: args.namespace, labels: maintenanceLabels(args.app) };
    const data = maintenanceConfigData(args.page);
    const children = childOptions(this, opts.dependsOn);
    const configMap = new k8s.core.v1.ConfigMap(childName(name, "page"), { metadata, data }, children);
    const hash = createHash("sha256").update(JSON.stringify(data)).digest("hex");
    const deployment = new k8s.apps.v1.Deployment(
      childName(name, "deployment"),
      { metadata, spec: maintenanceDeploymentSpec(args.app, objectName, hash) },
      childOptions(this, [opts.dependsOn, configMap]),
    );
    const service = new k8s.core.v1.Service(
      childName(name, "service"),
      { metadata, spec: maintenanceServiceSpec(args.app, args.servicePort) },
      childOptions(this, [opts.dependsOn, deployment]),
    );
    this.serviceName = objectName;
    this.registerOutputs({ serviceName: service.metadata.name });
  }
}
