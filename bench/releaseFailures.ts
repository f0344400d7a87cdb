/**
 * Issue 26's failure modes on the local router, each detected and rolled
 * back by a watched release: the same rig as bench/release.ts (`runShift`
 * with the real wall-clock watcher, real HAProxy moved through the
 * HaproxyWeights provider in Pulumi's real dynamic-provider host, 200 users'
 * requests a second through the router, one connection each), and in the
 * pause after the 50 % step, at a random moment of an interval, green turns
 * bad: HAProxy's green server is pointed (runtime API, `set server addr`) at
 * an app that misbehaves, or at a closed port (dead: connection refused).
 * The watch reads the router's log and its health checks (tooling/watch/
 * routerLog.ts, routerHealth.ts); the probes still reach the real green app,
 * so only what users got can catch it.
 * Then false rollbacks: healthy shifts (50 %, a pause of 3 rounds, 100 %),
 * every other one with the router restarted at a random moment of its
 * pause's first round (a new HAProxy process: the round is inconclusive,
 * never judged on wrong counts); how many breached.
 * Per mode: from the first bad request (a dead green: the moment it died)
 * to the breach verdict and to traffic back on blue, in intervals; which
 * measure breached. Latency is known when a request ends, so a slow mode
 * cannot be caught before its requests take their time.
 * Run: npx tsx bench/releaseFailures.ts [--runs N] [--interval S] [--mode <part of its name>] [--healthy N]
 *   (defaults 5 runs, rounds every 2 s, every mode, 50 healthy shifts)
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import type { Endpoint } from "../components/docker/haproxyConfig";
import { getWeights } from "../components/docker/haproxyRuntime";
import { freePorts, Haproxy, LoopbackSpec, pointServer, startHaproxy } from "../testkit/haproxy";
import { parseConfig } from "../components/platforms";
import { readStackConfig } from "../tooling/engine/stackFiles";
import { startLoad, startReleaseRig } from "../testkit/releaseRig";
import { breachTimeline, runRelease } from "../testkit/releaseRun";
import { routerHealthReader } from "../tooling/watch/routerHealth";
import { describeSpread, Figure, report, spreadOf } from "./result";

const LOAD_PER_SECOND = 200;
/** The fault starts after this round's verdict in the pause, plus a random part of an interval. */
const FAULT_AFTER_ROUND = 2;
/** Longer than the slowest misbehaviour. */
const SETTLE_MS = 3_000;
/** The rig's apps are the local stack's: HAProxy checks this path. */
const HEALTH_PATH = parseConfig(readStackConfig("local").values, "local").app.healthPath;

/** Every `every`-th request (health path aside) answers `status` after `delayMs`; 200 is the color, late. */
interface Misbehaviour {
  readonly every: number;
  readonly status: number;
  readonly delayMs: number;
}

/** A failure mode: a misbehaving green, or (no misbehaviour) a dead one. */
interface FailureMode {
  readonly name: string;
  readonly misbehaviour?: Misbehaviour;
}

const FAILURE_MODES: readonly FailureMode[] = [
  { name: "5xx on 1 request in 10", misbehaviour: { every: 10, status: 500, delayMs: 0 } },
  { name: "1 request in 4 takes 2.5 s", misbehaviour: { every: 4, status: 200, delayMs: 2_500 } },
  { name: "every request answered 404", misbehaviour: { every: 1, status: 404, delayMs: 0 } },
  { name: "dead (connection refused)" },
  { name: "every request takes 1.5 s", misbehaviour: { every: 1, status: 200, delayMs: 1_500 } },
];

function option(flag: string, fallback: number): number {
  const at = process.argv.indexOf(flag);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} must be a whole number >= 1`);
  return value;
}

/** The bad green: healthy on the health path, misbehaving as armed; when its first bad request came. */
interface BadApp extends Endpoint {
  arm(misbehaviour: Misbehaviour): void;
  readonly firstBadAt: number | undefined;
  stop(): Promise<void>;
}

async function startBadApp(): Promise<BadApp> {
  let armed: Misbehaviour | undefined;
  let served = 0;
  let firstBadAt: number | undefined;
  const server = http.createServer((req, res) => {
    if (req.url === HEALTH_PATH) return void res.end("ok");
    const bad = armed !== undefined && ++served % armed.every === 0 ? armed : undefined;
    if (bad === undefined) return void res.end("green");
    firstBadAt ??= performance.now();
    setTimeout(() => {
      res.statusCode = bad.status;
      res.end(bad.status === 200 ? "green" : "bad");
    }, bad.delayMs);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: "127.0.0.1",
    port: (server.address() as AddressInfo).port,
    arm(misbehaviour) {
      armed = misbehaviour;
      served = 0;
      firstBadAt = undefined;
    },
    get firstBadAt() {
      return firstBadAt;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface ModeRun {
  /** From the first bad request to the breach verdict, and to traffic back on blue, in intervals. */
  readonly detection: number;
  readonly backOnStable: number;
  /** What breached, e.g. "green p95 latency 2503 ms over 130 requests through the router > 900 ms". */
  readonly breach: string;
}

async function main(): Promise<void> {
  const runs = option("--runs", 5);
  const healthy = option("--healthy", 50);
  const interval = option("--interval", 2);
  const watch = { intervalSeconds: interval, minSamples: 10 };
  const intervalMs = interval * 1000;
  const rig = await startReleaseRig();
  const load = startLoad(rig.routerUrl, LOAD_PER_SECOND);
  const bad = await startBadApp();
  const [closed] = await freePorts(1);
  const green = { address: "127.0.0.1", port: rig.ports.colors.green };
  const health = routerHealthReader(rig.admin, rig.backend, 2_000);
  // The router as the rig started it; a restart replaces it with a new process on the same ports.
  const routerSpec: LoopbackSpec = { ...rig.haproxy.spec, admin: rig.admin };
  let restarted: Haproxy | undefined;
  try {
    console.log(
      `setup: watch every ${interval} s (minSamples ${watch.minSamples}), ${LOAD_PER_SECOND} req/s through the router ` +
        `(one connection each), steps 50 % then 100 % of green; ${runs} runs per mode`,
    );
    const figures: Figure[] = [];
    const only = process.argv.includes("--mode") ? process.argv[process.argv.indexOf("--mode") + 1] : "";
    for (const mode of FAILURE_MODES.filter((m) => m.name.includes(only ?? ""))) {
      const done: ModeRun[] = [];
      for (let i = 0; i < runs; i++) done.push(await modeRun(mode));
      const detection = spreadOf(done.map((r) => r.detection));
      const back = spreadOf(done.map((r) => r.backOnStable));
      const measures = [...new Set(done.map((r) => r.breach))].join(" | ");
      figures.push({
        figure: `${mode.name}: first bad request -> breach verdict; -> traffic back on blue`,
        observed: `${describeSpread(detection, "intervals", 2)}; ${describeSpread(back, "intervals", 2)}; breached on: ${measures}`,
        goal: { text: "back on blue within 2 intervals in every run", source: "issue 26", met: back.max <= 2 },
      });
    }
    const ends = new Map<string, number>();
    const kinds = new Map<string, number>();
    for (let i = 0; i < healthy; i++) {
      const run = await healthyRun(i % 2 === 1);
      ends.set(run.outcome.end, (ends.get(run.outcome.end) ?? 0) + 1);
      for (const round of run.rounds) kinds.set(round.kind, (kinds.get(round.kind) ?? 0) + 1);
    }
    figures.push({
      figure: `false rollbacks: ${healthy} healthy shifts (50 %, 3 rounds, 100 %), every other one with the router restarted in its pause`,
      observed:
        `${ends.get("breach") ?? 0} breached; ends ${JSON.stringify(Object.fromEntries(ends))}; ` +
        `rounds ${[...kinds.entries()].map(([kind, n]) => `${n} ${kind}`).join(", ")}`,
      goal: { text: "0 false rollbacks", source: "issue 26", met: (ends.get("breach") ?? 0) === 0 },
    });
    report("releaseFailures", figures);
  } finally {
    await load.stop();
    await bad.stop();
    await restarted?.stop();
    await rig.stop();
  }

  /** A healthy green's shift; with `restart`, the router restarted at a random moment of the pause's first round. */
  async function healthyRun(restart: boolean) {
    await healthyGreen();
    let timer: NodeJS.Timeout | undefined;
    let restarting: Promise<void> | undefined;
    const restartRouter = async () => {
      await (restarted ?? rig.haproxy).stop();
      restarted = await startHaproxy(routerSpec);
    };
    try {
      return await runRelease({
        rig,
        deployed: { blue: 100, green: 0 },
        request: { target: "green", steps: [50, 100], pauseMs: 3 * intervalMs, split: false },
        watch,
        onRound: (round) => {
          if (!restart || round.hold !== 1 || round.round !== 1) return;
          timer = setTimeout(() => {
            restarting = restartRouter();
          }, Math.random() * intervalMs);
        },
      });
    } finally {
      clearTimeout(timer);
      await restarting;
    }
  }

  /** One release whose green turns bad in the pause; how it went. */
  async function modeRun(mode: FailureMode): Promise<ModeRun> {
    await healthyGreen();
    let fault: NodeJS.Timeout | undefined;
    let diedAt: number | undefined;
    const turnBad = async () => {
      if (mode.misbehaviour === undefined) {
        diedAt = performance.now();
        await pointServer(rig.admin, rig.backend, "green", { address: "127.0.0.1", port: closed });
      } else {
        bad.arm(mode.misbehaviour);
        await pointServer(rig.admin, rig.backend, "green", bad);
      }
    };
    try {
      const run = await runRelease({
        rig,
        deployed: { blue: 100, green: 0 },
        request: { target: "green", steps: [50, 100], pauseMs: 600_000, split: false },
        watch,
        onRound: (round) => {
          if (round.hold !== 1 || round.round !== FAULT_AFTER_ROUND) return;
          fault = setTimeout(() => void turnBad(), Math.random() * intervalMs);
        },
      });
      const firstBadAt = mode.misbehaviour === undefined ? diedAt : bad.firstBadAt;
      const timeline = firstBadAt === undefined ? undefined : breachTimeline(run, firstBadAt);
      const weights = await getWeights(rig.admin, rig.backend);
      if (run.outcome.end !== "breach" || timeline === undefined || weights.green !== 0) {
        throw new Error(
          `${mode.name}: expected a breach rolled back to blue, got ${run.outcome.end}: ${run.outcome.summary}`,
        );
      }
      const verdict = run.rounds.find((r) => r.kind === "breach")?.line ?? "";
      console.log(`  ${mode.name}: ${(timeline.detectionMs / intervalMs).toFixed(2)} intervals; ${verdict.trim()}`);
      return {
        detection: timeline.detectionMs / intervalMs,
        backOnStable: timeline.backOnStableMs / intervalMs,
        breach: /\b(error rate|4xx rate|p95 latency|no healthy backend)\b/.exec(verdict)?.[1] ?? verdict,
      };
    } finally {
      clearTimeout(fault);
      await pointServer(rig.admin, rig.backend, "green", green);
      // Slow answers still on their way are logged when they end: let them end before the next run watches.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    }
  }

  /** Waits until HAProxy's checks find green up again (after a dead run). */
  async function healthyGreen(): Promise<void> {
    const deadline = performance.now() + 10_000;
    for (;;) {
      const now = (await health(new AbortController().signal)).green;
      if ("healthy" in now && now.healthy === 1) return;
      if (performance.now() > deadline) throw new Error(`green did not come back up: ${JSON.stringify(now)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
