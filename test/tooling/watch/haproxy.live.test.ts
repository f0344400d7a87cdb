/**
 * The local stack's watch on real data: Debian's HAProxy with the generated
 * config in front of two loopback apps, real requests through it, and the
 * watch reading the router's own per-server counters through the runtime API
 * (plus its probes of each app directly, as on the local stack). A candidate
 * answering 500 to one request in ten is judged a breach, a healthy one
 * healthy, and a round without traffic inconclusive.
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
import { routerCounters } from "../../../tooling/watch/routerCounters";
import { createWatchSampler } from "../../../tooling/watch/sampler";
import { countColors } from "../../../testkit/colorBackends";
import { freePorts, Haproxy, LoopbackSpec, startHaproxy } from "../../../testkit/haproxy";

type Fault = "none" | "500" | "garbage";

/** An app that answers its color, and with `fault` one request in `every` (its health path always 200). */
interface App {
  port: number;
  fault: Fault;
  every: number;
  stop(): Promise<void>;
}

async function startApp(color: string): Promise<App> {
  let served = 0;
  const app: App = { port: 0, fault: "none", every: 10, stop: async () => undefined };
  const server = http.createServer((req, res) => {
    if (req.url === "/healthz") {
      res.end("ok");
      return;
    }
    served++;
    if (app.fault !== "none" && served % app.every === 0) {
      if (app.fault === "garbage") req.socket.end("NOT HTTP\r\n\r\n");
      else {
        res.statusCode = 500;
        res.end("boom");
      }
      return;
    }
    res.end(color);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
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

  /** The green figures of one round in which `requests` requests went through the router. */
  async function greenRound(requests: number) {
    const counters = routerCounters(spec.admin, "api", 2000);
    await counters.read();
    if (requests > 0) await countColors(routerUrl, requests, 4);
    return (await counters.read()).green;
  }

  it("GIVEN green answers 500 to 1 request in 10 WHEN 400 requests pass THEN its counters say so and the round is a breach", async () => {
    green.fault = "500";
    const traffic = await greenRound(400);
    expect(traffic).toEqual({ source: "router", requests: 200, errors: 20 });
    const judged = judgeRound({ candidate: { color: "green", traffic }, stable: { color: "blue" } }, settingsFor());
    expect(judged.breaches.map((b) => b.text)).toEqual([
      "green error rate 10 % (20 of 200 requests through the router) > 5 % (bluegreen:watch.maxErrorRate)",
    ]);
  });

  it("GIVEN green breaks 1 response in 5 (a 502 from HAProxy) THEN those count as failed too", async () => {
    green.fault = "garbage";
    green.every = 5;
    const traffic = await greenRound(400);
    green.every = 10;
    expect(traffic).toMatchObject({ source: "router", errors: 40 });
    expect(judgeRound({ candidate: { color: "green", traffic }, stable: { color: "blue" } }, settingsFor()).kind).toBe(
      "breach",
    );
  });

  it("GIVEN a healthy green THEN healthy", async () => {
    green.fault = "none";
    const traffic = await greenRound(400);
    expect(traffic).toEqual({ source: "router", requests: 200, errors: 0 });
    expect(judgeRound({ candidate: { color: "green", traffic }, stable: { color: "blue" } }, settingsFor()).kind).toBe(
      "healthy",
    );
  });

  it("GIVEN no traffic THEN 0 requests: inconclusive, never healthy", async () => {
    const traffic = await greenRound(0);
    const judged = judgeRound({ candidate: { color: "green", traffic }, stable: { color: "blue" } }, settingsFor());
    expect(judged.inconclusive).toEqual([
      "green: 0 requests through the router this round, fewer than bluegreen:watch.minSamples (20)",
    ]);
  });

  it("GIVEN HAProxy restarted between two readings THEN that round has no data, and the next counts again", async () => {
    const counters = routerCounters(spec.admin, "api", 2000);
    await countColors(routerUrl, 40, 4);
    await counters.read();
    await haproxy.stop();
    haproxy = await startHaproxy(spec);
    await countColors(routerUrl, 10, 2);
    expect((await counters.read()).green).toEqual({ source: "router", noData: expect.stringMatching(/went down/) });
    await countColors(routerUrl, 40, 4);
    expect((await counters.read()).green).toEqual({ source: "router", requests: 20, errors: 0 });
  });

  it("GIVEN no router at the runtime API's address THEN no data naming it, no throw", async () => {
    const [closed] = await freePorts(1);
    const reading = await routerCounters({ address: "127.0.0.1", port: closed }, "api", 2000).read();
    expect(reading.green).toEqual({
      source: "router",
      noData: expect.stringContaining(
        `HAProxy runtime API at 127.0.0.1:${closed} did not answer "show stat api -1 -1"`,
      ),
    });
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

    it("GIVEN green fails 1 request in 10 THEN the watch breaches on the first round, on the router's counters", async () => {
      green.fault = "500";
      const { outcome } = await hold({});
      expect(outcome.kind).toBe("breach");
      const texts = outcome.kind === "breach" ? outcome.breaches.map((b) => b.text) : [];
      expect(texts[0]).toMatch(/^green error rate \d+(\.\d+)? % \(\d+ of \d+ requests through the router\) > 5 %/);
    });

    it("GIVEN a healthy green THEN held-healthy, the round judged on router counts and 20 probes", async () => {
      green.fault = "none";
      const { outcome, log } = await hold({});
      expect(outcome).toEqual({ kind: "held-healthy", rounds: 1, endedBy: "duration" });
      expect(log[0]).toMatch(/green healthy: green error rate 0 % \(0 of \d+ requests through the router\)/);
      expect(log[0]).toContain("green p95 latency");
      expect(log[0]).toContain("over 20 probes");
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
