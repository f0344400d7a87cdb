/**
 * A rollback's direct move on Kubernetes: the weights of the HTTPRoute's
 * weighted rule as a JSON Patch. The rule's backendRefs are both colors'
 * Services in COLORS order (manifests.ts, weightedRouteSpec); each weight is
 * replaced only after a `test` that the ref at that index is that color's
 * Service, so a route of another shape (maintenance on, edited by hand) is
 * refused whole by the API server instead of getting wrong weights. Pure.
 */
import { COLORS } from "../contracts/colors";
import type { TrafficRoute } from "../contracts/outputs";
import type { TrafficWeights } from "../traffic";

export type HttpRouteTarget = Omit<TrafficRoute & { readonly kind: "httproute" }, "kind">;

/** The Gateway API version the program deploys the route with (weightedRoute.ts). */
export const HTTP_ROUTE_API = "gateway.networking.k8s.io/v1";
export const JSON_PATCH = "application/json-patch+json";

export type JsonPatchOperation =
  | { readonly op: "test"; readonly path: string; readonly value: string }
  | { readonly op: "replace"; readonly path: string; readonly value: number };

export function httpRoutePath(route: HttpRouteTarget): string {
  return `/apis/${HTTP_ROUTE_API}/namespaces/${encodeURIComponent(route.namespace)}/httproutes/${encodeURIComponent(route.name)}`;
}

export function httpRouteWeightPatch(route: HttpRouteTarget, weights: TrafficWeights): JsonPatchOperation[] {
  return COLORS.flatMap((color, index) => {
    const ref = `/spec/rules/${route.rule}/backendRefs/${index}`;
    return [
      { op: "test" as const, path: `${ref}/name`, value: route.services[color] },
      { op: "replace" as const, path: `${ref}/weight`, value: weights[color] },
    ];
  });
}

/** Each color's weight in a route as the API server answers it; undefined where its Service is not in the rule. */
export function httpRouteWeights(route: HttpRouteTarget, answer: unknown): Partial<TrafficWeights> {
  const rules = (answer as { spec?: { rules?: { backendRefs?: { name?: unknown; weight?: unknown }[] }[] } })?.spec
    ?.rules;
  const refs = rules?.[route.rule]?.backendRefs ?? [];
  const weights: Partial<Record<(typeof COLORS)[number], number>> = {};
  for (const color of COLORS) {
    const ref = refs.find((candidate) => candidate.name === route.services[color]);
    // Gateway API: a backendRef without a weight has weight 1.
    if (ref !== undefined) weights[color] = typeof ref.weight === "number" ? ref.weight : 1;
  }
  return weights;
}
