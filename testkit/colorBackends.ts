/**
 * Two tiny HTTP apps standing in for the blue and green releases: each
 * answers its color as the body, and 200 "ok" on the health path. Plus a
 * keep-alive client that counts which color served each request.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { Color, COLORS } from "../components/contracts/colors";
import type { Endpoint } from "../components/docker/haproxyConfig";

export interface ColorBackends {
  readonly blue: Endpoint;
  readonly green: Endpoint;
  stop(): Promise<void>;
}

function listen(color: Color, healthPath: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end(req.url === healthPath ? "ok" : color);
  });
  // Outlive HAProxy's idle server connections, so reused connections are not closed under a request.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

export async function startColorBackends(healthPath: string): Promise<ColorBackends> {
  const [blue, green] = await Promise.all([listen("blue", healthPath), listen("green", healthPath)]);
  const endpoint = (s: http.Server): Endpoint => ({ address: "127.0.0.1", port: (s.address() as AddressInfo).port });
  return {
    blue: endpoint(blue),
    green: endpoint(green),
    async stop() {
      await Promise.all(
        [blue, green].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

/** Color named by a response body, or undefined for anything else. */
export function colorOf(body: string): Color | undefined {
  return (COLORS as readonly string[]).includes(body) ? (body as Color) : undefined;
}

/** One GET over a keep-alive agent: the serving color, or a failure description. */
export function getColor(url: string, agent: http.Agent): Promise<{ color: Color } | { failure: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const color = colorOf(body);
        resolve(
          res.statusCode === 200 && color
            ? { color }
            : { failure: `HTTP ${res.statusCode} ${JSON.stringify(body.slice(0, 80))}` },
        );
      });
      res.on("error", (err) => resolve({ failure: err.message }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out after 5000 ms")));
    req.on("error", (err) => resolve({ failure: err.message }));
  });
}

export interface ColorCounts {
  readonly blue: number;
  readonly green: number;
  readonly failures: number;
  /** First few failure descriptions, for assertion messages. */
  readonly failureSamples: string[];
}

/** Sends `total` GETs with at most `concurrency` in flight over keep-alive connections. */
export async function countColors(
  url: string,
  /** How many requests, or keep sending until `done()` says stop (then at least one per worker is sent). */
  amount: number | { readonly done: () => boolean },
  concurrency = 32,
): Promise<ColorCounts> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const counts = { blue: 0, green: 0, failures: 0, failureSamples: [] as string[] };
  let sent = 0;
  const more = typeof amount === "number" ? () => sent < amount : () => sent < concurrency || !amount.done();
  const worker = async () => {
    while (more()) {
      sent++;
      const result = await getColor(url, agent);
      if ("color" in result) counts[result.color]++;
      else {
        counts.failures++;
        if (counts.failureSamples.length < 5) counts.failureSamples.push(result.failure);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return counts;
}
