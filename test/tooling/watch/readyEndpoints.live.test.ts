/**
 * Each color's ready endpoints through the watch's Kubernetes client
 * (tooling/kube: a kubeconfig file as kubectl reads it, a bearer token) and
 * a loopback server that answers the EndpointSlice list as the API server
 * does: `GET /apis/discovery.k8s.io/v1/namespaces/<ns>/endpointslices`
 * filtered by `labelSelector`, an EndpointSliceList (items without kind),
 * and `Status` objects for refusals. A real API server is issue 27.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { gateSettingsSchema } from "../../../components/gate/settings";
import { workloadName } from "../../../components/kubernetes/names";
import { kubeApiClient } from "../../../tooling/kube/client";
import { loadKubeconfig } from "../../../tooling/kube/kubeconfig";
import { judgeRound } from "../../../tooling/watch/judge";
import { readyEndpointsReader, ReadyEndpointsPlan, SERVICE_NAME_LABEL } from "../../../tooling/watch/readyEndpoints";
import { createWatchSampler } from "../../../tooling/watch/sampler";
import { probes, round, settings } from "./fixtures";

const TOKEN = "kube-test-token-51c2";
const never = new AbortController().signal;

interface Endpoint {
  readonly pod: string;
  readonly ready?: boolean;
  readonly address?: string;
}

/** One EndpointSlice of `service` as the controller writes it; `endpoints` null for a Service without pods. */
function slice(service: string, endpoints: readonly Endpoint[] | null, addressType = "IPv4") {
  return {
    metadata: {
      name: `${service}-${addressType.toLowerCase()}-x7k2p`,
      namespace: "shop",
      labels: {
        [SERVICE_NAME_LABEL]: service,
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
      },
    },
    addressType,
    endpoints:
      endpoints?.map((endpoint, i) => ({
        addresses: [endpoint.address ?? (addressType === "IPv6" ? `fd00::${i + 1}` : `10.0.0.${i + 1}`)],
        conditions:
          endpoint.ready === undefined ? {} : { ready: endpoint.ready, serving: endpoint.ready, terminating: false },
        targetRef: { kind: "Pod", namespace: "shop", name: endpoint.pod, uid: `uid-${endpoint.pod}` },
        nodeName: "node-1",
      })) ?? null,
    ports: [{ name: "http", protocol: "TCP", port: 8080 }],
  };
}

const status = (code: number, reason: string, message: string) => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message,
  reason,
  code,
});

/** The API server's EndpointSlice list, over the slices the test puts in `slices`. */
class EndpointSliceApi {
  slices: ReturnType<typeof slice>[] = [];
  refusal?: ReturnType<typeof status>;
  readonly paths: string[] = [];
  private server!: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      this.paths.push(`${url.pathname}${url.search}`);
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`)
        return send(401, status(401, "Unauthorized", "Unauthorized"));
      if (this.refusal !== undefined) return send(this.refusal.code, this.refusal);
      const route = /^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices$/.exec(url.pathname);
      if (route === null) return send(404, status(404, "NotFound", "the server could not find the requested resource"));
      // `<label> in (a,b)`, the only selector form the watch sends.
      const selector = /^(\S+) in \(([^)]*)\)$/.exec(url.searchParams.get("labelSelector") ?? "");
      if (selector === null) return send(400, status(400, "BadRequest", "unable to parse requirement"));
      const wanted = new Set(selector[2].split(","));
      send(200, {
        kind: "EndpointSliceList",
        apiVersion: "discovery.k8s.io/v1",
        metadata: { resourceVersion: "4711" },
        items: this.slices.filter(
          (s) =>
            s.metadata.namespace === route[1] &&
            wanted.has(s.metadata.labels[selector[1] as typeof SERVICE_NAME_LABEL]),
        ),
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const plan: ReadyEndpointsPlan = {
  namespace: "shop",
  services: { blue: workloadName("shop", "blue"), green: workloadName("shop", "green") },
  replicas: { blue: 3, green: 3 },
};
const pods = (color: "blue" | "green", ready: readonly (boolean | undefined)[]): Endpoint[] =>
  ready.map((r, i) => ({ pod: `shop-${color}-6f9c-${i}`, ready: r }));

describe("ready endpoints from the Kubernetes API", () => {
  const api = new EndpointSliceApi();
  let folder: string;
  /** A kubeconfig whose current context reaches `server` with `token`. */
  const kubeconfig = (server: string, token = TOKEN) => {
    const file = path.join(folder, `config-${Math.random().toString(36).slice(2)}`);
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: test",
        "clusters: [{ name: c, cluster: { server: '" + server + "' } }]",
        "users: [{ name: u, user: { token: '" + token + "' } }]",
        "contexts: [{ name: test, context: { cluster: c, user: u, namespace: shop } }]",
      ].join("\n"),
    );
    return file;
  };
  const read = (file: string) => readyEndpointsReader(plan, 500, () => kubeApiClient(loadKubeconfig([file])))(never);

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), "bluegreen-kube-"));
    await api.start();
  });
  afterAll(async () => {
    await api.close();
    rmSync(folder, { recursive: true, force: true });
  });
  beforeEach(() => {
    api.slices = [];
    api.refusal = undefined;
    api.paths.length = 0;
  });

  it("counts each color's ready pods once across its slices (IPv4 and IPv6), unset readiness as ready", async () => {
    api.slices = [
      slice(plan.services.blue, pods("blue", [true, true, undefined])),
      slice(plan.services.green, pods("green", [true, false, false])),
      // The same pods again in the IPv6 slice: one pod is ready here while the IPv4 slice still says not.
      slice(plan.services.green, pods("green", [true, true, false]), "IPv6"),
      slice("shop-other", pods("blue", [true])),
    ];
    const read1 = await read(kubeconfig(api.url));
    expect(read1).toEqual({
      blue: { healthy: 3, total: 3, detail: "3 ready endpoints of Service shop/shop-blue (3 listed, 3 replicas)" },
      green: { healthy: 2, total: 3, detail: "2 ready endpoints of Service shop/shop-green (3 listed, 3 replicas)" },
    });
    expect(api.paths).toEqual([
      `/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector=${encodeURIComponent(`${SERVICE_NAME_LABEL} in (shop-blue,shop-green)`)}`,
    ]);
  });

  it("GIVEN a candidate with no ready endpoint WHEN judged THEN it is dead in that round, whatever else the round says", async () => {
    api.slices = [slice(plan.services.blue, pods("blue", [true, true, true])), slice(plan.services.green, null)];
    const backends = await read(kubeconfig(api.url));
    expect(backends.green).toEqual({
      healthy: 0,
      total: 3,
      detail: "0 ready endpoints of Service shop/shop-green (0 listed, 3 replicas)",
    });
    const judged = judgeRound(
      round({ probes: probes(20), backends: backends.green }, { probes: probes(20), backends: backends.blue }),
      settings(),
    );
    expect(judged.kind).toBe("breach");
    expect(judged.breaches.map((b) => b.measure)).toEqual(["no healthy backend"]);
  });

  it("GIVEN a Kubernetes plan WHEN the watch samples THEN each color carries its ready endpoints, read with $KUBECONFIG", async () => {
    api.slices = [
      slice(plan.services.blue, pods("blue", [true, true, true])),
      slice(plan.services.green, pods("green", [false, true, false])),
    ];
    vi.stubEnv("KUBECONFIG", kubeconfig(api.url));
    try {
      const sampler = await createWatchSampler({
        candidate: "green",
        stable: "blue",
        settings: settings(),
        probes: {},
        readyEndpoints: plan,
        gate: gateSettingsSchema.parse({ requestTimeoutMs: 500, p95LatencyMs: 400 }),
        headers: {},
        summary: "",
      });
      const sampled = await sampler.sample(never);
      expect([sampled.candidate.backends, sampled.stable.backends]).toMatchObject([
        { healthy: 1, total: 3 },
        { healthy: 3, total: 3 },
      ]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("GIVEN a Service without any slice WHEN read THEN that color has no data (another cluster?), never 0 ready", async () => {
    api.slices = [slice(plan.services.blue, pods("blue", [true]))];
    const backends = await read(kubeconfig(api.url));
    expect(backends.green).toEqual({
      noData: expect.stringMatching(
        /^EndpointSlices from context test \(http:\/\/127\.0\.0\.1:\d+\): no EndpointSlice of Service shop\/shop-green: is it in this cluster\?$/,
      ),
    });
    expect(backends.blue).toMatchObject({ healthy: 1 });
  });

  it.each([
    [
      "a refusal (RBAC)",
      () =>
        status(
          403,
          "Forbidden",
          'endpointslices.discovery.k8s.io is forbidden: User "watch" cannot list resource "endpointslices"',
        ),
      /HTTP 403: endpointslices\.discovery\.k8s\.io is forbidden/,
    ],
    [
      "an unavailable server",
      () => status(503, "ServiceUnavailable", "the server is currently unable to handle the request"),
      /HTTP 503: the server is currently unable/,
    ],
  ])("GIVEN %s WHEN read THEN both colors have no data saying so", async (_what, refusal, why) => {
    api.refusal = refusal();
    const backends = await read(kubeconfig(api.url));
    expect(backends.blue).toEqual({ noData: expect.stringMatching(why) });
    expect(backends.green).toEqual(backends.blue);
  });

  it("GIVEN a wrong token WHEN read THEN no data: HTTP 401", async () => {
    const backends = await read(kubeconfig(api.url, "stale"));
    expect(backends.green).toEqual({
      noData: expect.stringContaining("the API server answered HTTP 401: Unauthorized"),
    });
  });

  it("GIVEN an unreachable API server or no kubeconfig WHEN read THEN no data naming it, never a throw", async () => {
    const refused = await read(kubeconfig("http://127.0.0.1:1"));
    expect(refused.green).toEqual({ noData: expect.stringMatching(/http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/) });
    const missing = path.join(folder, "missing");
    expect((await read(missing)).green).toEqual({
      noData: expect.stringContaining(`ready endpoints cannot be read: no kubeconfig: ${missing} does not exist`),
    });
  });
});
