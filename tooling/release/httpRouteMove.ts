/**
 * A rollback's direct move on Kubernetes: one JSON Patch of the HTTPRoute's
 * weights (components/kubernetes/routeWeights.ts) through the API server of
 * the kubeconfig `pulumi up` deploys with, then the weights checked in the
 * route the server answers with. Throws naming the route and the fix.
 */
import {
  HttpRouteTarget,
  httpRoutePath,
  httpRouteWeightPatch,
  httpRouteWeights,
  JSON_PATCH,
} from "../../components/kubernetes/routeWeights";
import type { TrafficWeights } from "../../components/traffic";
import { KubeApi, kubeApiClient } from "../kube/client";
import { kubeconfigFiles, loadKubeconfig } from "../kube/kubeconfig";

/** Per call; the API server answers a patch in milliseconds. */
const REQUEST_TIMEOUT_MS = 5_000;

export async function patchHttpRouteWeights(
  route: HttpRouteTarget,
  weights: TrafficWeights,
  api: () => KubeApi = () => kubeApiClient(loadKubeconfig(kubeconfigFiles())),
): Promise<void> {
  const where = `HTTPRoute ${route.namespace}/${route.name}`;
  const body = JSON.stringify(httpRouteWeightPatch(route, weights));
  const answer = await api().patch(
    httpRoutePath(route),
    body,
    JSON_PATCH,
    REQUEST_TIMEOUT_MS,
    AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  );
  if ("problem" in answer) throw new Error(`patching ${where} failed: ${answer.problem}`);
  if (answer.status !== 200) {
    // 422 from a failed `test`: the rule no longer lists blue's then green's Service.
    const hint =
      answer.status === 422
        ? ` Fix: its rule ${route.rule} no longer lists the colors' Services (${route.services.blue}, ${route.services.green}) in that order: run \`pulumi up\` to restore it.`
        : "";
    throw new Error(`patching ${where} answered HTTP ${answer.status}: ${answer.body.slice(0, 300)}.${hint}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    throw new Error(`patching ${where} answered HTTP 200 with a body that is not JSON`);
  }
  const read = httpRouteWeights(route, parsed);
  if (read.blue !== weights.blue || read.green !== weights.green) {
    throw new Error(
      `${where} answered with the weights ${JSON.stringify(read)} after setting ${JSON.stringify(weights)}. ` +
        "Fix: check for another process changing this route's weights.",
    );
  }
}
