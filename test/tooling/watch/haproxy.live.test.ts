/**
 * The local stack's watch on real data: Debian's HAProxy with the generated
 * config in front of two loopback apps, real requests through it, and the
 * watch reading the router's log of every user request and its servers'
 * health through the runtime API (plus its probes of each app directly, as
 * on the local stack). Requests are counted exactly, 5xx, unanswered and 4xx
 * as such, slow ones give the p95, a dead color is seen dead, and a restart
 * of the router is told by its process, never judged on wrong counts.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackOutputs } from "../../../components/contracts/outputs";
import { parseConfig } from "../../../components/platforms";
import { readStackConfig } from "../../../tooling/engine/stackFiles";
import { judgeRound } from "../../../tooling/watch/judge";
import { runWatch, sleepUnlessAborted, WatchOutcome } from "../../../tooling/watch/loop";
import { planWatch } from "../../../tooling/watch/plan";
import { routerHealthReader } from "../../../tooling/watch/routerHealth";
import { routerLog } from "../../../tooling/watch/routerLog";
import { createWatchSampler } from "../../../tooling/watch/sampler";
import { countColors } from "../../../testkit/colorBackends";
import { freePorts, Haproxy, LoopbackSpec, startHaproxy } from "../../../testkit/haproxy";

type Fault = "none" | "500" | "404" | "garbage" | "slow";

/** An app that answers its color, and with `fault` one request in `every` (its health path always 200). */
interface App {
  port: number;
  fault: Fault;
  every: number;
  /** How long a "slow" request waits before its answer. */
  slowMs: number;
  stop(): Promise<void>;
}

async function startApp(color: string, port = 0): Promise<App> {
  let served = 0;
  const app: App = { port, fault: "none", every: 10, slowMs: 300, stop: async () => undefined };
  const server = http.createServer((req, res) => {
    if (req.url === "/healthz") {
      res.end("ok");
      return;
    }
    served++;
    if (app.fault === "none" || served % app.every !== 0) {
      res.end(color);
      return;
    }
    if (app.fault === "garbage") req.socket.end("NOT HTTP\r\n\r\n");
    else if (app.fault === "slow") setTimeout(() => res.end(color), app.slowMs);
    else {
      res.statusCode = Number(app.fault);
      res.end("boom");
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  app.port = (server.address() as AddressInfo).port;
  app.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return app;
}

describe("watching the local router on real HAProxy", () => {
  let blue: App;
  let green: App;
  let spec: LoopbackSpec;
  let haproxy: Haproxy;
  let routerUrl: string;

  beforeAll(async () => {
    [blue, green] = await Promise.all([startApp("blue"), startApp("green")]);
    const [bindPort, adminPort] = await freePorts(2);
    spec = {
      app: "api",
      bind: { address: "127.0.0.1", port: bindPort },
      admin: { address: "127.0.0.1", port: adminPort },
      healthPath: "/healthz",
      servers: {
        blue: { address: "127.0.0.1", port: blue.port, weight: 1 },
        green: { address: "127.0.0.1", port: green.port, weight: 1 },
      },
    };
    haproxy = await startHaproxy(spec);
    routerUrl = `http://127.0.0.1:${bindPort}/`;
  });
  afterAll(async () => {
    await haproxy?.stop();
    await Promise.all([blue?.stop(), green?.stop()]);
  });

  /** Both colors' figures of one round in which `requests` requests went through the router. */
  async function round(requests: number, concurrency = 4) {
    const log = routerLog(spec.admin, "api", 2000);
    await log.read();
    if (requests > 0) await countColors(routerUrl, requests, concurrency);
    return log.read();
  }

  it("GIVEN healthy colors WHEN 400 requests pass THEN each color's are counted exactly, none failed", async () => {
    green.fault = "none";
    const { blue: blueTraffic, green: traffic } = await round(400);
    expect(traffic).toMatchObject({ source: "router", requests: 200, errors5xx: 0, errors4xx: 0 });
    expect(blueTraffic).toMatchObject({ source: "router", requests: 200, errors5xx: 0, errors4xx: 0 });
    expect(judgeRound({ candidate: { color: "green", traffic }, stable: { color: "blue" } }, settingsFor()).kind).toBe(
      "healthy",
    );
  });

  it("GIVEN green answers 500 to 1 request in 10 WHEN 400 requests pass THEN its log says so and the round is a breach", async () => {
    green.fault = "500";
    const { green: traffic } = await round(400);
    expect(traffic).toMatchObject({ source: "router", requests: 200, errors5xx: 20, errors4xx: 0 });
    const judged = judgeRound({ candidate: { color: "green", traffic }, stable: { color: "blue" } }, settingsFor());
    expect(judged.breaches.map((b) => b.text)).toEqual([
      "green error rate 10 % (20 of 200 requests through the router) > 5 % (bluegreen:watch.maxErrorRate)",
    ]);
  });

  it("GIVEN green breaks 1 response in 5 (HAProxy answers 502) THEN those count as 5xx", async () => {
    green.fault = "garbage";
    green.every = 5;
    const { green: traffic } = await round(400);
    green.every = 10;
    expect(traffic).toMatchObject({ source: "router", requests: 200, errors5xx: 40 });
  });

  it("GIVEN green answers 404 to 1 request in 2 THEN 4xx, not 5xx, judged against blue's share", async () => {
    green.fault = "404";
    green.every = 2;
    const { blue: stable, green: traffic } = await round(400);
    green.every = 10;
    expect(traffic).toMatchObject({ source: "router", requests: 200, errors5xx: 0, errors4xx: 100 });
    const judged = judgeRound(
      { candidate: { color: "green", traffic }, stable: { color: "blue", traffic: stable } },
      settingsFor(),
    );
    expect(judged.breaches.map((b) => b.measure)).toEqual(["4xx rate"]);
  });

  it("GIVEN green answers 1 request in 4 after 300 ms THEN its p95 is that wait, blue's is not", async () => {
    green.fault = "slow";
    green.every = 4;
    const { blue: stable, green: traffic } = await round(200, 8);
    green.every = 10;
    green.fault = "none";
    expect(traffic).toMatchObject({ source: "router", requests: 100, errors5xx: 0 });
    const p95 = (traffic as { p95Ms: number }).p95Ms;
    expect(p95).toBeGreaterThanOrEqual(300);
    expect(p95).toBeLessThan(1000);
    expect((stable as { p95Ms: number }).p95Ms).toBeLessThan(300);
  });

  it("GIVEN green answers 1 request in 4 after 2.5 s WHEN a round ends before they do THEN they count at their age", async () => {
    green.fault = "slow";
    green.every = 4;
    green.slowMs = 2500;
    const log = routerLog(spec.admin, "api", 2000);
    await log.read();
    // 40 requests at once: green's 5 slow ones are still waiting when the round is read, 1.5 s later.
    const sent = countColors(routerUrl, 40, 40);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { green: traffic } = await log.read();
    await sent;
    green.every = 10;
    green.fault = "none";
    green.slowMs = 300;
    expect(traffic).toMatchObject({ source: "router", requests: 15, errors5xx: 0 });
    expect((traffic as { p95Ms: number }).p95Ms).toBeGreaterThanOrEqual(1000);
    expect((traffic as { detail: string }).detail).toContain("5 still waiting for 1 s or more");
    const judged = judgeRound(
      { candidate: { color: "green", traffic }, stable: { color: "blue" } },
      { ...settingsFor(), minSamples: 10 },
    );
    expect(judged.breaches.map((b) => b.measure)).toEqual(["p95 latency"]);
  });

  it("GIVEN no traffic THEN 0 requests: inconclusive, never healthy", async () => {
    const { green: traffic } = await round(0);
    const judged = judgeRound({ candidate: { color: "green", traffic }, stable: { color: "blue" } }, settingsFor());
    expect(judged.inconclusive).toEqual([
      "green: 0 requests through the router this round, fewer than bluegreen:watch.minSamples (20)",
    ]);
  });

  it("GIVEN HAProxy restarted between two readings, with more requests after than before THEN no data naming the restart, and the next round counts again", async () => {
    green.fault = "none";
    const log = routerLog(spec.admin, "api", 2000);
    await countColors(routerUrl, 40, 4);
    await log.read();
    await haproxy.stop();
    haproxy = await startHaproxy(spec);
    await countColors(routerUrl, 100, 4);
    expect((await log.read()).green).toEqual({
      source: "router",
      noData: expect.stringMatching(/^the router restarted since the last reading \(pid \d+, now \d+\)/),
    });
    await countColors(routerUrl, 40, 4);
    expect((await log.read()).green).toMatchObject({ source: "router", requests: 20, errors5xx: 0 });
  });

  it("GIVEN no router at the runtime API's address THEN no data naming it, no throw", async () => {
    const [closed] = await freePorts(1);
    const admin = { address: "127.0.0.1", port: closed };
    const reading = await routerLog(admin, "api", 2000).read();
    expect(reading.green).toEqual({
      source: "router",
      noData: expect.stringContaining(`HAProxy runtime API at 127.0.0.1:${closed} did not answer "show info"`),
    });
    const health = await routerHealthReader(admin, "api", 2000)(new AbortController().signal);
    expect(health.green).toEqual({ noData: expect.stringContaining('did not answer "show stat api 4 -1"') });
  });

  it("GIVEN green dies (connection refused) THEN HAProxy marks it DOWN and the round breaches on it, though its users went to blue", async () => {
    const health = routerHealthReader(spec.admin, "api", 2000);
    const signal = new AbortController().signal;
    /** Green's health once HAProxy's checks find it `healthy` (or after 5 s, as it is then). */
    const greenOnceHealthy = async (healthy: number) => {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const backends = await health(signal);
        const now = backends.green;
        if (("healthy" in now && now.healthy === healthy) || Date.now() > deadline) return backends;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    expect((await health(signal)).green).toMatchObject({
      healthy: 1,
      total: 1,
      detail: expect.stringMatching(/^green UP/),
    });
    const log = routerLog(spec.admin, "api", 2000);
    await log.read();
    await green.stop();
    try {
      const backends = await greenOnceHealthy(0);
      expect(backends.green).toEqual({ healthy: 0, total: 1, detail: "green DOWN (L4CON: Connection refused)" });
      expect(await countColors(routerUrl, 100, 4)).toMatchObject({ blue: 100, green: 0, failures: 0 });
      const traffic = await log.read();
      expect(traffic.green).toMatchObject({ requests: 0 });
      const judged = judgeRound(
        {
          candidate: { color: "green", traffic: traffic.green, backends: backends.green },
          stable: { color: "blue", traffic: traffic.blue, backends: backends.blue },
        },
        settingsFor(),
      );
      expect(judged.kind).toBe("breach");
      expect(judged.breaches.map((b) => b.measure)).toEqual(["no healthy backend"]);
    } finally {
      green = await startApp("green", green.port);
      await greenOnceHealthy(1);
    }
  });

  describe("the whole watch for a docker stack: plan, sampler, loop", () => {
    /** Pulumi.local.yaml pointed at this router and these apps, rounds every 2 s. */
    function localStack(watch: Record<string, number>) {
      const raw = readStackConfig("local");
      const config = parseConfig(raw.values, "local", raw.secretKeys);
      const outputs: StackOutputs = {
        platform: "docker",
        primaryColor: "blue",
        weights: { blue: 50, green: 50 },
        trafficPercent: { blue: 50, green: 50 },
        versions: { blue: config.blue.version, green: config.green.version },
        url: routerUrl,
        probeUrls: { blue: `http://127.0.0.1:${blue.port}/`, green: `http://127.0.0.1:${green.port}/` },
      };
      return planWatch(
        {
          ...config,
          docker: { ...config.docker, adminPort: spec.admin.port },
          watch: { ...config.watch, intervalSeconds: 2, ...watch },
        },
        outputs,
        "green",
      );
    }

    /** One hold with users sending requests throughout (unless `quiet`). */
    async function hold(
      watch: Record<string, number>,
      quiet = false,
    ): Promise<{ outcome: WatchOutcome; log: string[] }> {
      const plan = localStack(watch);
      const sampler = await createWatchSampler(plan);
      let done = false;
      const users = quiet ? Promise.resolve() : countColors(routerUrl, { done: () => done }, 2);
      const log: string[] = [];
      try {
        const outcome = await runWatch(
          { candidate: "green", settings: plan.settings, durationMs: 0 },
          {
            sample: (s) => sampler.sample(s),
            now: () => performance.now(),
            sleep: sleepUnlessAborted,
            log: (l) => log.push(l),
          },
        );
        return { outcome, log };
      } finally {
        done = true;
        await users;
      }
    }

    it("GIVEN green fails 1 request in 10 THEN the watch breaches on the first round, on the router's log", async () => {
      green.fault = "500";
      const { outcome } = await hold({});
      expect(outcome.kind).toBe("breach");
      const texts = outcome.kind === "breach" ? outcome.breaches.map((b) => b.text) : [];
      expect(texts[0]).toMatch(/^green error rate \d+(\.\d+)? % \(\d+ of \d+ requests through the router\) > 5 %/);
    });

    it("GIVEN a healthy green THEN held-healthy, the round judged on the router's log and green's server health", async () => {
      green.fault = "none";
      const { outcome, log } = await hold({});
      expect(outcome).toEqual({ kind: "held-healthy", rounds: 1, endedBy: "duration" });
      expect(log[0]).toMatch(/green healthy: green error rate 0 % \(0 of \d+ requests through the router\)/);
      expect(log[0]).toMatch(/green p95 latency \d+ ms over \d+ requests through the router/);
      expect(log[0]).toContain("backends 1 of 1 healthy");
    });

    it("GIVEN no user traffic THEN inconclusive rounds stop the watch, saying what had no data", async () => {
      const { outcome } = await hold({ maxInconclusive: 1 }, true);
      expect(outcome).toEqual({
        kind: "inconclusive-stop",
        round: 1,
        reasons: ["green: 0 requests through the router this round, fewer than bluegreen:watch.minSamples (20)"],
      });
    });
  });

  function settingsFor() {
    return parseConfig(readStackConfig("local").values, "local").watch;
  }
});
