/**
 * The user-facing route: one Gateway API HTTPRoute whose backendRefs carry
 * both colors' weights. It depends on the promotion gates, so a weight moves
 * only after the color gaining traffic has been proven healthy.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childName } from "../naming";
import { childOptions } from "../options";
import { ROUTE_WAIT_FOR, WeightedRouteArgs as WeightedRouteSpecArgs, weightedRouteSpec } from "./manifests";
import { LABELS, appLabels } from "./names";

export interface WeightedRouteArgs extends WeightedRouteSpecArgs {
  readonly namespace: pulumi.Input<string>;
  /** How users reach the first hostname. @default "https" in config */
  readonly scheme: "https" | "http";
}

export class WeightedRoute extends pulumi.ComponentResource {
  readonly routeName: pulumi.Output<string>;
  readonly url: string;

  constructor(name: string, args: WeightedRouteArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("bluegreen:kubernetes:WeightedRoute", name, {}, opts);
    const route = new k8s.apiextensions.CustomResource(childName(name, "route"), {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: {
        name: args.app,
        namespace: args.namespace,
        labels: { ...appLabels(args.app), [LABELS.route]: "weighted" },
        annotations: { "pulumi.com/waitFor": ROUTE_WAIT_FOR },
      },
      spec: weightedRouteSpec(args),
    }, childOptions(this, opts));
    this.routeName = route.metadata.name;
    this.url = `${args.scheme}://${args.hostnames[0]}`;
    this.registerOutputs({ routeName: this.routeName, url: this.url });
  }
}
