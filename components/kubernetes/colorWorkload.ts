/**
 * One color on Kubernetes: a Deployment, the ClusterIP Service that selects
 * it, and optionally a route of its own where the gate reaches this color
 * alone. A color at weight 0 keeps running, so a rollback is a weight change,
 * not a deployment. Pulumi waits for the Deployment's rollout (all replicas
 * ready) and for the Service's endpoints, so the gate probes a ready color.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";
import type { GatewayRef } from "./config";
import { ColorWorkloadSpec, ROUTE_WAIT_FOR, colorRouteSpec, deploymentSpec, serviceSpec } from "./manifests";
import { KUBERNETES_LABELS, ROUTE_KINDS } from "../contracts/markers";
import { colorLabels, workloadName } from "./names";
import { securityAnnotations } from "./podSecurity";

export interface ColorWorkloadArgs extends ColorWorkloadSpec {
  readonly namespace: pulumi.Input<string>;
  /** Port of the Service in front of the pods. The config's default: 80. */
  readonly servicePort: number;
  /** The color's own route (hostname and Gateway); none when undefined. @default undefined */
  readonly directRoute?: { readonly hostname: string; readonly gateway: GatewayRef };
}

export class ColorWorkload extends pulumi.ComponentResource {
  readonly deploymentName: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: ColorWorkloadArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.kubernetesColorWorkload, name, {}, opts);
    const metadata = {
      name: workloadName(args.app, args.color),
      namespace: args.namespace,
      labels: colorLabels(args.app, args.color, args.version),
    };
    // The pods wait for what the color waits for (the migration).
    const children = childOptions(this, opts.dependsOn);
    const deployment = new k8s.apps.v1.Deployment(
      childName(name, "deployment"),
      { metadata: { ...metadata, annotations: securityAnnotations(args.hardening) }, spec: deploymentSpec(args) },
      children,
    );
    const service = new k8s.core.v1.Service(
      childName(name, "service"),
      {
        metadata,
        spec: serviceSpec(args.app, args.color, args.servicePort),
      },
      children,
    );
    if (args.directRoute) {
      new k8s.apiextensions.CustomResource(
        childName(name, "route"),
        {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: {
            ...metadata,
            name: childName(metadata.name, "direct"),
            labels: { ...metadata.labels, [KUBERNETES_LABELS.route]: ROUTE_KINDS.direct },
            annotations: { "pulumi.com/waitFor": ROUTE_WAIT_FOR },
          },
          spec: colorRouteSpec(
            args.app,
            args.color,
            args.directRoute.hostname,
            args.directRoute.gateway,
            args.servicePort,
          ),
        },
        childOptions(this, [service]),
      );
    }
    this.deploymentName = deployment.metadata.name;
    this.serviceName = service.metadata.name;
    this.registerOutputs({ deploymentName: this.deploymentName, serviceName: this.serviceName });
  }
}
