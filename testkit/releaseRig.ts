/**
 * What a release runs against on one machine: two loopback apps standing in
 * for blue and green (either can be told to answer 500 to every n-th
 * request), real HAProxy in front of them with the local program's own
 * config, Pulumi's real dynamic-provider host for the HaproxyWeights
 * provider, and a load generator sending users' requests through the router
 * at a steady rate, one connection each (no keep-alive), recording which
 * color answered and when.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { Color, COLORS } from "../components/contracts/colors";
import type { Endpoint } from "../components/docker/haproxyConfig";
import { parseConfig } from "../components/platforms";
import { readStackConfig } from "../tooling/engine/stackFiles";
import { colorOf } from "./colorBackends";
import { freePorts, Haproxy, startHaproxy } from "./haproxy";
import { ProviderHost } from "./providerHost";
import type { RouterStackPorts } from "./routerStack";

/** A color's app: answers its color, 200 "ok" on the health path (never faulted, so HAProxy keeps it up). */
export interface ColorApp {
  readonly color: Color;
  readonly port: number;
  /** From now on every `every`-th request (health path aside) answers 500; undefined: healthy again. */
  failEvery(every: number | undefined): void;
  /** performance.now() when the first 500 was sent since the last failEvery; undefined before. */
  readonly firstFailureAt: number | undefined;
  stop(): Promise<void>;
}

async function startColorApp(color: Color, healthPath: string): Promise<ColorApp> {
  let every: number | undefined;
  let sinceFault = 0;
  let firstFailureAt: number | undefined;
  const server = http.createServer((req, res) => {
    res.setHeader("content-type", "text/plain");
    if (req.url === healthPath) return void res.end("ok");
    if (every !== undefined && ++sinceFault % every === 0) {
      firstFailureAt ??= performance.now();
      res.statusCode = 500;
      return void res.end("boom");
    }
    res.end(color);
  });
  // Outlive HAProxy's idle server connections, so reused connections are not closed under a request.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    color,
    port: (server.address() as AddressInfo).port,
    failEvery(n) {
      every = n;
      sinceFault = 0;
      firstFailureAt = undefined;
    },
    get firstFailureAt() {
      return firstFailureAt;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface ReleaseRig {
  readonly apps: Readonly<Record<Color, ColorApp>>;
  /** The ports to write into the stack's config. */
  readonly ports: RouterStackPorts;
  /** Where users reach the app through the router. */
  readonly routerUrl: string;
  /** The router's runtime API. */
  readonly admin: Endpoint;
  /** The router's backend (the app's name). */
  readonly backend: string;
  readonly host: ProviderHost;
  readonly haproxy: Haproxy;
  stop(): Promise<void>;
}

/** Starts the apps, HAProxy from Pulumi.local.yaml's app (equal start weights, as the program's router) and the host. */
export async function startReleaseRig(): Promise<ReleaseRig> {
  const raw = readStackConfig("local");
  const { app } = parseConfig(raw.values, "local", raw.secretKeys);
  const started: { stop(): Promise<void> }[] = [];
  try {
    const [blue, green] = await Promise.all(COLORS.map((color) => startColorApp(color, app.healthPath)));
    started.push(blue, green);
    const [router, adminPort] = await freePorts(2);
    const admin = { address: "127.0.0.1", port: adminPort };
    const haproxy = await startHaproxy({
      app: app.name,
      bind: { address: "127.0.0.1", port: router },
      admin,
      healthPath: app.healthPath,
      servers: {
        blue: { address: "127.0.0.1", port: blue.port, weight: 1 },
        green: { address: "127.0.0.1", port: green.port, weight: 1 },
      },
    });
    started.push(haproxy);
    const host = await ProviderHost.start();
    started.push(host);
    return {
      apps: { blue, green },
      ports: { router, admin: adminPort, colors: { blue: blue.port, green: green.port } },
      routerUrl: `http://127.0.0.1:${router}/`,
      admin,
      backend: app.name,
      host,
      haproxy,
      stop: () => stopAll(started),
    };
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

async function stopAll(parts: readonly { stop(): Promise<void> }[]): Promise<void> {
  await Promise.all(parts.map((part) => part.stop()));
}

/** One user request through the router. */
export interface LoadSample {
  /** performance.now() when it was sent, and when it ended. */
  readonly sent: number;
  readonly ended: number;
  readonly status?: number;
  /** The color that answered 200, if one did. */
  readonly color?: Color;
  readonly error?: string;
}

export interface Load {
  /** Ended requests, in the order they ended. */
  readonly samples: readonly LoadSample[];
  /** Resolves once `count` requests sent after `since` (performance.now()) have ended. */
  sentAfter(since: number, count: number): Promise<void>;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

/**
 * Sends GETs to `url` at `perSecond`, each on its own connection, at most
 * `maxInFlight` at once; after a stall it goes on at the same rate instead of
 * catching up in a burst.
 */
export function startLoad(url: string, perSecond: number, maxInFlight = 64): Load {
  const samples: LoadSample[] = [];
  const waiters = new Set<() => void>();
  const gap = 1000 / perSecond;
  let inFlight = 0;
  let stopped = false;
  let next = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let idle: (() => void) | undefined;

  const ended = (sample: LoadSample) => {
    samples.push(sample);
    inFlight--;
    for (const wake of waiters) wake();
    if (inFlight === 0) idle?.();
  };
  const send = () => {
    inFlight++;
    const sent = performance.now();
    const req = http.get(url, { agent: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        const color = res.statusCode === 200 ? colorOf(body) : undefined;
        ended({ sent, ended: performance.now(), status: res.statusCode, ...(color ? { color } : {}) });
      });
      res.on("error", (err) => ended({ sent, ended: performance.now(), error: err.message }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out after 5000 ms")));
    req.on("error", (err) => ended({ sent, ended: performance.now(), error: err.message }));
  };
  const tick = () => {
    if (stopped) return;
    const now = performance.now();
    if (next < now - 10 * gap) next = now;
    while (next <= now && inFlight < maxInFlight) {
      send();
      next += gap;
    }
    timer = setTimeout(tick, Math.max(1, next - performance.now()));
  };
  tick();

  return {
    samples,
    sentAfter(since, count) {
      return new Promise((resolve) => {
        const check = () => {
          if (samples.filter((s) => s.sent > since).length < count) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
    },
  };
}
