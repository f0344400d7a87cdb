/**
 * The Kubernetes stacks' backend health: each color's ready endpoints, read
 * from the EndpointSlices of its Service (label `kubernetes.io/service-name`)
 * through the API server of the user's kubeconfig (tooling/kube), one list
 * for both colors per round. An endpoint is ready unless its
 * `conditions.ready` is false (the API's rule: unset means ready); a pod
 * listed in several slices (one per address family, or during a handover
 * between slices) counts once, ready if any slice says so. `total` is the
 * Deployment's replicas (`bluegreen:<color>.desiredCount`). A Service
 * without any slice is no data, not a dead color: the controller keeps an
 * empty slice for a Service whose pods are all gone, so none at all means
 * the Service is not in the cluster read (another context).
 *
 * Every problem (no kubeconfig, an unreachable or refusing API server, an
 * answer that is not an EndpointSliceList) is no data, never a count.
 */
import { Color, COLORS } from "../../components/contracts/colors";
import { workloadName } from "../../components/kubernetes/names";
import type { BlueGreenConfig } from "../../components/platforms";
import { kubeApiClient, KubeApi } from "../kube/client";
import { KubeconfigError, kubeconfigFiles, loadKubeconfig } from "../kube/kubeconfig";
import type { BackendHealth, NoData } from "./samples";

/** The label the EndpointSlice controller puts on each slice of a Service. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

export interface ReadyEndpointsPlan {
  readonly namespace: string;
  readonly services: Readonly<Record<Color, string>>;
  /** The Deployment's replicas per color. */
  readonly replicas: Readonly<Record<Color, number>>;
}

export type BackendsByColor = Readonly<Record<Color, BackendHealth | NoData>>;

/** What a Kubernetes stack's watch reads; undefined on the other platforms. */
export function readyEndpointsPlan(config: BlueGreenConfig): ReadyEndpointsPlan | undefined {
  if (config.platform !== "kubernetes" || config.kubernetes === undefined) return undefined;
  const app = config.app.name;
  return {
    namespace: config.kubernetes.namespace,
    services: { blue: workloadName(app, "blue"), green: workloadName(app, "green") },
    replicas: { blue: config.blue.desiredCount, green: config.green.desiredCount },
  };
}

/** The API path listing both colors' slices. */
export function endpointSlicesPath(plan: ReadyEndpointsPlan): string {
  const selector = `${SERVICE_NAME_LABEL} in (${COLORS.map((color) => plan.services[color]).join(",")})`;
  return `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(plan.namespace)}/endpointslices?labelSelector=${encodeURIComponent(selector)}`;
}

interface SliceEndpoint {
  readonly addresses?: unknown;
  readonly conditions?: { readonly ready?: unknown };
  readonly targetRef?: { readonly uid?: unknown; readonly name?: unknown };
}

/** Each color's ready endpoints in an EndpointSliceList answer (pure). */
export function countReadyEndpoints(plan: ReadyEndpointsPlan, status: number, body: string): BackendsByColor {
  const none = (noData: string): BackendsByColor => ({ blue: { noData }, green: { noData } });
  let list: { kind?: unknown; items?: unknown; message?: unknown };
  try {
    list = JSON.parse(body);
  } catch {
    return none(`the API server answered HTTP ${status} with a body that is not JSON`);
  }
  if (status !== 200) {
    const said = typeof list?.message === "string" ? `: ${list.message}` : "";
    return none(`the API server answered HTTP ${status}${said}`);
  }
  if (list?.kind !== "EndpointSliceList" || !Array.isArray(list.items)) {
    return none(`the API server's answer is not an EndpointSliceList (kind ${JSON.stringify(list?.kind)})`);
  }
  const ready = { blue: new Map<string, boolean>(), green: new Map<string, boolean>() };
  const sliced = new Set<Color>();
  for (const slice of list.items as { metadata?: { labels?: Record<string, unknown> }; endpoints?: unknown }[]) {
    const service = slice?.metadata?.labels?.[SERVICE_NAME_LABEL];
    const color = COLORS.find((c) => plan.services[c] === service);
    if (color === undefined) continue;
    sliced.add(color);
    for (const endpoint of (Array.isArray(slice.endpoints) ? slice.endpoints : []) as SliceEndpoint[]) {
      const pod = endpoint?.targetRef?.uid ?? endpoint?.targetRef?.name ?? JSON.stringify(endpoint?.addresses);
      const isReady = endpoint?.conditions?.ready !== false;
      ready[color].set(String(pod), (ready[color].get(String(pod)) ?? false) || isReady);
    }
  }
  const health = (color: Color): BackendHealth | NoData => {
    // The controller keeps a slice for every Service with a selector, empty when no pod matches: none at all is
    // a Service this cluster does not have (another cluster, another namespace), not a dead color.
    if (!sliced.has(color)) {
      return {
        noData: `no EndpointSlice of Service ${plan.namespace}/${plan.services[color]}: is it in this cluster?`,
      };
    }
    const healthy = [...ready[color].values()].filter(Boolean).length;
    const total = plan.replicas[color];
    const listed = ready[color].size;
    return {
      healthy,
      total,
      detail: `${healthy} ready endpoint${healthy === 1 ? "" : "s"} of Service ${plan.namespace}/${plan.services[color]} (${listed} listed, ${total} replicas)`,
    };
  };
  return { blue: health("blue"), green: health("green") };
}

export type ReadyEndpointsReader = (signal: AbortSignal) => Promise<BackendsByColor>;

/**
 * The reader of `plan`'s endpoints through `api` (default: the kubeconfig as
 * kubectl reads it, loaded once now). A kubeconfig that cannot be used makes
 * every round no data, saying why.
 */
export function readyEndpointsReader(
  plan: ReadyEndpointsPlan,
  timeoutMs: number,
  api: () => KubeApi = () => kubeApiClient(loadKubeconfig(kubeconfigFiles())),
): ReadyEndpointsReader {
  let client: KubeApi;
  try {
    client = api();
  } catch (e) {
    if (!(e instanceof KubeconfigError)) throw e;
    const noData = `ready endpoints cannot be read: ${e.message}`;
    return async () => ({ blue: { noData }, green: { noData } });
  }
  const where = `context ${client.target.context} (${client.target.server.origin})`;
  return async (signal) => {
    const answer = await client.get(endpointSlicesPath(plan), timeoutMs, signal);
    const read =
      "problem" in answer
        ? { blue: { noData: answer.problem }, green: { noData: answer.problem } }
        : countReadyEndpoints(plan, answer.status, answer.body);
    const named = (reading: BackendHealth | NoData) =>
      "noData" in reading ? { noData: `EndpointSlices from ${where}: ${reading.noData}` } : reading;
    return { blue: named(read.blue), green: named(read.green) };
  };
}
