/**
 * The user-facing route: one Gateway API HTTPRoute whose backendRefs carry
 * both colors' weights. It depends on the promotion gates, so a weight moves
 * only after the color gaining traffic has been proven healthy.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { TrafficRouteInput } from "../contracts/outputs";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";
import { ROUTE_WAIT_FOR, WeightedRouteArgs as WeightedRouteSpecArgs, weightedRouteSpec } from "./manifests";
import { KUBERNETES_LABELS, ROUTE_KINDS } from "../contracts/markers";
import { appLabels } from "./names";

export interface WeightedRouteArgs extends WeightedRouteSpecArgs {
  readonly app: string;
  readonly namespace: pulumi.Input<string>;
  /** How users reach the first hostname. The config's default: "https". */
  readonly scheme: "https" | "http";
}

export class WeightedRoute extends pulumi.ComponentResource {
  readonly routeName: pulumi.Output<string>;
  readonly url: string;
  /** The route and its weighted rule (the spec's only one), for a rollback's direct move. */
  readonly trafficRoute: TrafficRouteInput;

  constructor(name: string, args: WeightedRouteArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.kubernetesWeightedRoute, name, {}, opts);
    const route = new k8s.apiextensions.CustomResource(
      childName(name, "route"),
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: {
          name: args.app,
          namespace: args.namespace,
          // While it sends users to the maintenance backend it carries no color's traffic: marked so.
          labels: {
            ...appLabels(args.app),
            [KUBERNETES_LABELS.route]: args.maintenance ? ROUTE_KINDS.maintenance : ROUTE_KINDS.weighted,
          },
          annotations: { "pulumi.com/waitFor": ROUTE_WAIT_FOR },
        },
        spec: weightedRouteSpec({
          services: args.services,
          gateway: args.gateway,
          hostnames: args.hostnames,
          servicePort: args.servicePort,
          weights: args.weights,
          stickinessSeconds: args.stickinessSeconds,
          ...(args.maintenance ? { maintenance: args.maintenance } : {}),
        }),
      },
      childOptions(this, opts.dependsOn),
    );
    this.routeName = route.metadata.name;
    this.url = `${args.scheme}://${args.hostnames[0]}`;
    this.trafficRoute = {
      kind: "httproute",
      namespace: args.namespace,
      name: this.routeName,
      rule: 0,
      services: args.services,
    };
    this.registerOutputs({ routeName: this.routeName, url: this.url });
  }
}
