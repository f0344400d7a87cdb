/**
 * A rollback's direct move of the data plane, made right after the stable
 * weights are in the stack config and before the `pulumi up` that records
 * them. What to set is decided here, pure, from the stack's `trafficRoute`
 * output and the config that up runs with, through the same functions the
 * program sets the route with (haproxyWeights, weightedForward), so the move
 * is exactly what the up will set: that up then changes nothing users see.
 * Setting it is each platform's mover: the router's runtime API locally,
 * ModifyListener/ModifyRule on AWS, a JSON Patch of the HTTPRoute on
 * Kubernetes. While maintenance is on, the AWS rule and the HTTPRoute serve
 * the page instead of the weights: there the up alone sets them.
 */
import type { TrafficRoute } from "../../components/contracts/outputs";
import { setWeightedForward } from "../../components/aws/listenerForward";
import { WeightedForward, weightedForward } from "../../components/aws/weightedForward";
import { Endpoint, haproxyWeights, ServerWeights } from "../../components/docker/haproxyConfig";
import { applyWeights } from "../../components/docker/haproxyRuntime";
import type { HttpRouteTarget } from "../../components/kubernetes/routeWeights";
import type { BlueGreenConfig } from "../../components/platforms";
import type { TrafficWeights } from "../../components/traffic";
import { patchHttpRouteWeights } from "./httpRouteMove";

export type DirectMove =
  | { readonly kind: "haproxy"; readonly admin: Endpoint; readonly backend: string; readonly weights: ServerWeights }
  | {
      readonly kind: "alb";
      readonly listenerArn: string;
      readonly ruleArn?: string;
      readonly forward: WeightedForward<string>;
    }
  | { readonly kind: "httproute"; readonly route: HttpRouteTarget; readonly weights: TrafficWeights };

/** The move, or why there is none (then the `pulumi up` alone moves traffic). */
export type PlannedMove = { readonly move: DirectMove } | { readonly none: string };

/** What the next `pulumi up` sets on the route for `weights`, with `config` (the stack config it runs with). */
export function plannedMove(
  route: TrafficRoute | undefined,
  config: BlueGreenConfig,
  weights: TrafficWeights,
): PlannedMove {
  if (route === undefined) {
    return { none: "the stack has no `trafficRoute` output, it was deployed by an earlier version of this program" };
  }
  switch (route.kind) {
    case "haproxy":
      // Maintenance answers in front of the backend: the weights behind it move as always.
      return {
        move: { kind: "haproxy", admin: route.admin, backend: route.backend, weights: haproxyWeights(weights) },
      };
    case "alb":
      // On a shared listener the app's rule carries the page instead of the forward while maintenance is on.
      if (route.ruleArn !== undefined && config.maintenance.enabled) {
        return {
          none: "maintenance is on, and the app's listener rule serves the page instead of the weighted forward",
        };
      }
      return {
        move: {
          kind: "alb",
          listenerArn: route.listenerArn,
          ...(route.ruleArn === undefined ? {} : { ruleArn: route.ruleArn }),
          forward: weightedForward(route.targetGroupArns, weights, config.traffic.stickinessSeconds),
        },
      };
    case "httproute": {
      if (config.maintenance.enabled) {
        return {
          none: "maintenance is on, and the HTTPRoute sends users to the maintenance backend instead of the colors",
        };
      }
      const { kind: _kind, ...target } = route;
      return { move: { kind: "httproute", route: target, weights } };
    }
  }
}

/** The move in one line, for the log. */
export function describeMove(move: DirectMove): string {
  switch (move.kind) {
    case "haproxy":
      return `HAProxy backend ${move.backend} (runtime API ${move.admin.address}:${move.admin.port}) at blue ${move.weights.blue} / green ${move.weights.green}`;
    case "alb": {
      const [blue, green] = move.forward.targetGroups.map((group) => group.weight);
      return `${move.ruleArn === undefined ? `listener ${move.listenerArn}` : `rule ${move.ruleArn}`} forwarding blue ${blue} / green ${green}`;
    }
    case "httproute":
      return `HTTPRoute ${move.route.namespace}/${move.route.name} at blue ${move.weights.blue} / green ${move.weights.green}`;
  }
}

/** Sets the move on the running data plane and checks it there; throws saying what failed. */
export async function moveDataPlane(move: DirectMove): Promise<void> {
  switch (move.kind) {
    case "haproxy":
      await applyWeights(move.admin, move.backend, move.weights);
      return;
    case "alb":
      await setWeightedForward(
        { listenerArn: move.listenerArn, ...(move.ruleArn === undefined ? {} : { ruleArn: move.ruleArn }) },
        move.forward,
      );
      return;
    case "httproute":
      await patchHttpRouteWeights(move.route, move.weights);
      return;
  }
}
