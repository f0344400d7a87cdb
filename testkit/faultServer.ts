/**
 * A fault-injection HTTP server on 127.0.0.1 for the promotion gate: one
 * route per way an app can be unhealthy, plus a Prometheus stub. It counts
 * requests per route (and TCP connections), so tests can assert that a
 * rollback sent nothing at all.
 *
 * Routes (query parameters tune them; counters for stateful routes are kept
 * per path + query, so two tests never share a flap or degrade sequence):
 *   /healthy?ms=N        200 {"status":"healthy"}, after N ms (default 0)
 *   /status/<code>       that status with {"status":"unhealthy"}
 *   /reset               destroys the socket before answering
 *   /hang                accepts the request and never answers
 *   /slow?ms=N           healthy, after N ms (default 300)
 *   /drip?everyMs=N      200 headers at once, then one body byte every N ms (default 50), never ending
 *   /flap                200 and 503 alternately, starting with 200
 *   /flap-big?bytes=N&flaps=M  like /flap with N-byte JSON bodies (default 1000000); after M requests
 *                        (default: never) 503 only, so a long flap ends by the failure threshold
 *   /big?bytes=N&status=S     status S (default 200) with an N-byte JSON body {"status":"healthy","pad":"…"}
 *   /slow-first?ms=N&count=K  healthy; the first K requests (default 1) answer after N ms (default 300), then at once
 *   /echo-header?name=H&status=S&json=1  status S echoing request header H: in an HTML error page
 *                        (default status 401), or with json=1 as {"status":"<value>"} (default status 200)
 *   /redirect?to=P       302 to path P on this server
 *   /wrong-body          200 {"status":"degraded"}
 *   /invalid-json        200 with a truncated JSON body
 *   /redirect-loop       302 to itself
 *   /degrading?ok=N      healthy for the first N requests (default 3), then 503
 *   /<any>/healthz, /<any>/health  200 {"status":"healthy"}: an app's health endpoint under a prefix (e.g. /blue/healthz)
 *   /api/v1/query        Prometheus: the answer depends on the query text:
 *                        contains "high" -> 0.2, "low" -> 0.001, "empty" -> no series,
 *                        "nan" -> "NaN", "broken" -> 503 status "error",
 *                        "negative" -> -0.05, "hang" -> never answers; the gate's default
 *                        request count (http_requests_total without a code) -> 120
 * `refusedUrl` is a loopback port with nothing listening (connection refused).
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo, Socket } from "node:net";

export interface FaultServer {
  readonly port: number;
  /** `http://127.0.0.1:<port><path>` */
  url(path: string): string;
  /** A URL on a closed loopback port. */
  readonly refusedUrl: string;
  /** Requests received on `pathname` (query ignored). */
  hits(pathname: string): number;
  /** All requests received, every route. */
  totalHits(): number;
  /** Headers of the last request on `pathname`. */
  lastHeaders(pathname: string): Record<string, string | string[] | undefined> | undefined;
  /** TCP connections accepted (a request that never arrives still opens one). */
  connections(): number;
  /** Prometheus queries received, in order. */
  readonly queries: readonly string[];
  /** Clears every counter and sequence. */
  reset(): void;
  close(): Promise<void>;
}

const HEALTHY = JSON.stringify({ status: "healthy" });

/** `{"status":"<status>","pad":"xxx…"}`, exactly `bytes` long (at least the bare object). */
function paddedBody(status: string, bytes: number): Buffer {
  const bare = JSON.stringify({ status, pad: "" });
  return Buffer.from(bare.replace('"pad":""', `"pad":"${"x".repeat(Math.max(0, bytes - bare.length))}"`));
}

export async function startFaultServer(): Promise<FaultServer> {
  const hits = new Map<string, number>();
  const lastHeaders = new Map<string, Record<string, string | string[] | undefined>>();
  const sequences = new Map<string, number>();
  const queries: string[] = [];
  const sockets = new Set<Socket>();
  // Built once per size and status: the server answers many large bodies without rebuilding them.
  const bodies = new Map<string, Buffer>();
  const padded = (status: string, bytes: number) => {
    const key = `${status}:${bytes}`;
    if (!bodies.has(key)) bodies.set(key, paddedBody(status, bytes));
    return bodies.get(key) as Buffer;
  };
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const json = (res: ServerResponse, status: number, body: string | Buffer) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(body);
  };
  /** 1 for the first request to this exact path + query, 2 for the second, ... */
  const nth = (req: IncomingMessage) => {
    const n = (sequences.get(req.url ?? "") ?? 0) + 1;
    sequences.set(req.url ?? "", n);
    return n;
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const param = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    lastHeaders.set(url.pathname, { ...req.headers });
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (status) return json(res, Number(status[1]), JSON.stringify({ status: "unhealthy" }));
    switch (url.pathname) {
      case "/healthy":
        return later(param("ms", 0), () => json(res, 200, HEALTHY));
      case "/slow":
        return later(param("ms", 300), () => json(res, 200, HEALTHY));
      case "/reset":
        return req.socket.destroy();
      case "/hang":
        return;
      case "/drip": {
        res.writeHead(200, { "content-type": "application/json" });
        const drip = () => {
          if (res.destroyed) return;
          res.write(" ");
          later(param("everyMs", 50), drip);
        };
        return drip();
      }
      case "/flap":
        return nth(req) % 2 === 1 ? json(res, 200, HEALTHY) : json(res, 503, JSON.stringify({ status: "unhealthy" }));
      case "/flap-big": {
        const n = nth(req);
        const healthy = n % 2 === 1 && n <= param("flaps", Infinity);
        const bytes = param("bytes", 1_000_000);
        return healthy ? json(res, 200, padded("healthy", bytes)) : json(res, 503, padded("unhealthy", bytes));
      }
      case "/big":
        return json(res, param("status", 200), padded("healthy", param("bytes", 1_000_000)));
      case "/slow-first":
        return later(nth(req) <= param("count", 1) ? param("ms", 300) : 0, () => json(res, 200, HEALTHY));
      case "/echo-header": {
        const name = url.searchParams.get("name") ?? "authorization";
        const value = String(req.headers[name.toLowerCase()]);
        if (url.searchParams.has("json")) return json(res, param("status", 200), JSON.stringify({ status: value }));
        res.writeHead(param("status", 401), { "content-type": "text/html" });
        return res.end(`<html><body>Rejected. You sent ${name}: ${value}</body></html>`);
      }
      case "/redirect":
        res.writeHead(302, { location: url.searchParams.get("to") ?? "/" });
        return res.end();
      case "/wrong-body":
        return json(res, 200, JSON.stringify({ status: "degraded" }));
      case "/invalid-json":
        return json(res, 200, '{"status": "healthy"');
      case "/redirect-loop":
        res.writeHead(302, { location: req.url });
        return res.end();
      case "/degrading":
        return nth(req) <= param("ok", 3)
          ? json(res, 200, HEALTHY)
          : json(res, 503, JSON.stringify({ status: "unhealthy" }));
      case "/api/v1/query":
        return prometheus(res, url.searchParams.get("query") ?? "");
      default:
        if (/\/healthz?$/.test(url.pathname)) return json(res, 200, HEALTHY);
        return json(res, 404, JSON.stringify({ error: `no route ${url.pathname}` }));
    }
  });

  const prometheus = (res: ServerResponse, query: string) => {
    queries.push(query);
    const vector = (value: string) =>
      JSON.stringify({
        status: "success",
        data: { resultType: "vector", result: [{ metric: {}, value: [1700000000, value] }] },
      });
    // The request count the gate sends beside a ratio query (prometheusQueries.ts's default).
    if (query.includes("http_requests_total") && !query.includes("code=")) return json(res, 200, vector("120"));
    if (query.includes("broken")) {
      return json(res, 503, JSON.stringify({ status: "error", errorType: "unavailable", error: "storage is down" }));
    }
    if (query.includes("hang")) return;
    if (query.includes("empty"))
      return json(res, 200, JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }));
    if (query.includes("nan")) return json(res, 200, vector("NaN"));
    if (query.includes("negative")) return json(res, 200, vector("-0.05"));
    if (query.includes("high")) return json(res, 200, vector("0.2"));
    if (query.includes("low")) return json(res, 200, vector("0.001"));
    return json(
      res,
      400,
      JSON.stringify({ status: "error", errorType: "bad_data", error: `unknown stub query ${query}` }),
    );
  };

  server.on("connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  const port = await listen(server);
  const refusedPort = await closedPort();

  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    refusedUrl: `http://127.0.0.1:${refusedPort}/health`,
    hits: (pathname) => hits.get(pathname) ?? 0,
    lastHeaders: (pathname) => lastHeaders.get(pathname),
    totalHits: () => [...hits.values()].reduce((a, b) => a + b, 0),
    connections: () => connections,
    queries,
    reset() {
      hits.clear();
      lastHeaders.clear();
      sequences.clear();
      queries.length = 0;
      connections = 0;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

/** A loopback port that was free a moment ago and now has no listener. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
