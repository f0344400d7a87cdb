/**
 * Promotion gate speed, through Pulumi's real dynamic-provider host against a
 * 127.0.0.1 fault server:
 *  (a) decision time for a healthy target versus its floor, (N−1) × interval
 *      + one request: rounds start every intervalMs and the first at once, so
 *      the N-th success can only be seen after N−1 intervals plus one
 *      request. "One request" is measured as the median one-round gate
 *      (consecutiveSuccesses 1) through the same host, which carries the same
 *      request and gRPC costs. Goal ratio ≤ 1.05 (issue 3, which named
 *      N × interval as the floor: that ratio is printed too, without a goal,
 *      since a gate beats it by almost an interval).
 *  (b) one probe round (consecutiveSuccesses 1) against 1 versus 50 targets,
 *      each answering after 50 ms: concurrency means 50 should cost about as
 *      much as 1. Target ratio <= 1.5 (steady state, after warm-up; the cold
 *      first round is printed too).
 *  (c) memory over the gate's whole life: a host started with
 *      --max-old-space-size=160 gates 50 targets that flap (200, 503, 200, …)
 *      with 1 MB bodies, so the gate runs to its deadline (default: the
 *      gate's default deadline, 120 s). The host's RSS is sampled every
 *      second. Targets: RSS does not grow with time (median of the last 20 s
 *      within 10 MB of the median after round 5), peak RSS <= idle +
 *      3 × targets × 1 MB + 30 MB, and the host never dies (the gate answers
 *      with its deadline explanation).
 *  (d) the deadline as a hard bound: a target that hangs, deadline 2 s; time
 *      until the engine gets the failure, gRPC included. Goal ≤ 2.4 s (issue 3).
 * Run: npx tsx bench/gate.ts [--seconds N]   (or GATE_BENCH_SECONDS=N; N is (c)'s gate deadline)
 */
import * as fs from "node:fs";
import { promotionGateProvider } from "../components/gate/provider";
import { DEFAULT_GATE_SETTINGS, gateSettingsSchema, GateSettingsInput } from "../components/gate/settings";
import { startFaultServer } from "../testkit/faultServer";
import { ProviderCallError, ProviderHost, serializeProvider } from "../testkit/providerHost";
import { describeSpread, Figure, report, spreadOf } from "./result";

const TYPE = "pulumi-nodejs:dynamic/bluegreen:PromotionGate";
const TRIALS = 11;
const DECISION = { consecutiveSuccesses: 5, intervalMs: 200 };
const TARGET_LATENCY_MS = 50;
const MANY_TARGETS = 50;
const WARMUP_ROUNDS = 10;
const DEADLINE_SECONDS = 2;
const DEADLINE_LIMIT_MS = 2400;
const DEADLINE_RUNS = 3;

/** Of RSS samples too, which may be fewer than 3 when the host died: spreadOf is for repeated runs. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** (c)'s duration: `--seconds N`, else GATE_BENCH_SECONDS, else the gate's default deadline. */
function benchSeconds(): number {
  const flag = process.argv.indexOf("--seconds");
  const raw = flag >= 0 ? process.argv[flag + 1] : process.env.GATE_BENCH_SECONDS;
  const seconds = raw === undefined ? DEFAULT_GATE_SETTINGS.deadlineSeconds : Number(raw);
  if (!Number.isInteger(seconds) || seconds < 25) throw new Error(`--seconds must be a whole number >= 25, got ${raw}`);
  return seconds;
}

/** The inputs of green's gate at 10 % of traffic, a newer version than blue's, probing `targets`. */
function gateInputs(targets: string[], settings: NonNullable<GateSettingsInput>) {
  return {
    app: "bench",
    color: "green",
    version: "1.1.0",
    otherVersion: "1.0.0",
    weight: 10,
    totalWeight: 100,
    rollback: false,
    targets,
    settings: gateSettingsSchema.parse(settings),
  };
}

async function main(): Promise<Figure[]> {
  const [host, text, server] = await Promise.all([
    ProviderHost.start(),
    serializeProvider(promotionGateProvider),
    startFaultServer(),
  ]);
  const inputs = (targets: string[], settings: NonNullable<GateSettingsInput>) =>
    gateInputs(targets, { requestTimeoutMs: 1000, p95LatencyMs: 500, deadlineSeconds: 30, ...settings });
  /** Wall time of one gate Create through the host (throws if the gate did not pass). */
  const gateMs = async (targets: string[], settings: NonNullable<GateSettingsInput>) => {
    const started = performance.now();
    const { outs } = await host.create(TYPE, text, inputs(targets, settings));
    if (outs.verdict !== "passed") throw new Error(`expected a passed gate, got ${JSON.stringify(outs)}`);
    return performance.now() - started;
  };

  try {
    const healthy = server.url("/healthy");
    const slowHealthy = (i: number) => server.url(`/healthy?ms=${TARGET_LATENCY_MS}&i=${i}`);
    const manyTargets = Array.from({ length: MANY_TARGETS }, (_, i) => slowHealthy(i));
    const oneRound = { consecutiveSuccesses: 1, intervalMs: 100 };
    // Warm-up: host deserialization, first require of axios, keep-alive sockets to
    // every target, and JIT (a cold host spends 2-3x the CPU per request): the
    // figures are steady state, as in the later rounds of a real gate.
    const warmup: number[] = [];
    for (let i = 0; i < WARMUP_ROUNDS; i++) {
      await gateMs([healthy], oneRound);
      warmup.push(await gateMs(manyTargets, oneRound));
    }

    const rounds: number[] = [];
    const decisions: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      rounds.push(await gateMs([healthy], oneRound));
      decisions.push(await gateMs([healthy], DECISION));
    }
    const { consecutiveSuccesses: n, intervalMs } = DECISION;
    const floor = (n - 1) * intervalMs + median(rounds);
    const decided = median(decisions);
    const ratio = decided / floor;

    const one: number[] = [];
    const many: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      one.push(await gateMs([slowHealthy(0)], oneRound));
      many.push(await gateMs(manyTargets, oneRound));
    }
    const concurrency = median(many) / median(one);

    const deadlineSettings = { deadlineSeconds: DEADLINE_SECONDS, requestTimeoutMs: 1500, intervalMs: 50 };
    const deadlineMs: number[] = [];
    for (let i = 0; i < DEADLINE_RUNS; i++) {
      const started = performance.now();
      const outcome = await host.create(TYPE, text, inputs([server.url("/hang")], deadlineSettings)).then(
        () => "passed",
        (e: unknown) => (e instanceof ProviderCallError ? e.details : String(e)),
      );
      if (!/Failed check: deadline/.test(outcome)) throw new Error(`expected the deadline to end the gate: ${outcome}`);
      deadlineMs.push(performance.now() - started);
    }
    const deadline = spreadOf(deadlineMs);
    return [
      {
        figure: `(a) healthy gate decision, ${n} successes every ${intervalMs} ms, against the floor (N−1) × interval + one request`,
        observed:
          `${describeSpread(spreadOf(decisions), "ms", 1)}; floor ${n - 1} × ${intervalMs} ms + one request ` +
          `${describeSpread(spreadOf(rounds), "ms", 1)} = ${floor.toFixed(1)} ms; ratio ${ratio.toFixed(3)}`,
        goal: { text: "ratio ≤ 1.05", source: "issue 3", met: ratio <= 1.05 },
      },
      {
        figure: `(a) the same decision against N × interval (issue 3's floor, which the first round at once beats)`,
        observed: `${decided.toFixed(1)} / ${n * intervalMs} ms = ${(decided / (n * intervalMs)).toFixed(3)}`,
      },
      {
        figure: `(b) one probe round, ${MANY_TARGETS} targets against 1, each answering in ${TARGET_LATENCY_MS} ms (warm host)`,
        observed: `${describeSpread(spreadOf(many), "ms", 1)} vs ${describeSpread(spreadOf(one), "ms", 1)}; ratio ${concurrency.toFixed(3)}`,
        goal: { text: "ratio ≤ 1.5", source: "issue 3", met: concurrency <= 1.5 },
      },
      {
        figure: `(d) a hanging target, deadline ${DEADLINE_SECONDS} s: time until the engine gets the failure`,
        observed: describeSpread(deadline, "ms"),
        goal: {
          text: `≤ ${DEADLINE_LIMIT_MS} ms in every run`,
          source: "issue 3",
          met: deadline.max <= DEADLINE_LIMIT_MS,
        },
      },
      {
        figure: `(b, cold) first ${MANY_TARGETS}-target round in a fresh host (axios loaded, JIT cold)`,
        observed: `${warmup[0].toFixed(1)} ms (1 run: a host has one first round); ${(warmup[0] / median(one)).toFixed(3)}× the warm 1-target round`,
      },
    ];
  } finally {
    await Promise.all([host.stop(), server.close()]);
  }
}

const HEAP_MB = 160;
const FLAPPING_TARGETS = 50;
const BODY_BYTES = 1_000_000;
const MB = 1024 * 1024;

/** Resident set size of a process, from /proc (Linux). */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return (Number(kb) * 1024) / MB;
}

/** "median M (min A, p10 B, p90 C, max D)" of RSS samples in MB. */
function spread(values: number[]): string {
  if (values.length === 0) return "no samples (the host was gone)";
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `median ${median(values).toFixed(1)} MB (min ${sorted[0].toFixed(1)}, p10 ${at(0.1).toFixed(1)}, p90 ${at(0.9).toFixed(1)}, max ${sorted[sorted.length - 1].toFixed(1)}; n=${values.length})`;
}

/** (c): see the file comment. */
async function memoryBench(seconds: number): Promise<Figure[]> {
  const [host, text, server] = await Promise.all([
    ProviderHost.start({ nodeFlags: [`--max-old-space-size=${HEAP_MB}`] }),
    serializeProvider(promotionGateProvider),
    startFaultServer(),
  ]);
  try {
    // Warm the host (deserialization, axios) so idle is the host at rest, ready to gate.
    await host.create(TYPE, text, gateInputs([server.url("/healthy")], { consecutiveSuccesses: 1, intervalMs: 100 }));
    const idleSamples: number[] = [];
    for (let i = 0; i < 5; i++) {
      idleSamples.push(rssMb(host.pid));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const idle = median(idleSamples);
    const targets = Array.from({ length: FLAPPING_TARGETS }, (_, i) =>
      server.url(`/flap-big?bytes=${BODY_BYTES}&i=${i}`),
    );
    // The default settings, deadline aside: rounds every second until the deadline.
    const settings = { deadlineSeconds: seconds };
    const samples: { at: number; rss: number }[] = [];
    const started = performance.now();
    const sampler = setInterval(() => {
      if (host.alive) samples.push({ at: (performance.now() - started) / 1000, rss: rssMb(host.pid) });
    }, 1000);
    const outcome = await host.create(TYPE, text, gateInputs(targets, settings)).then(
      () => "passed (unexpected: the targets flap)",
      (e: unknown) => (e instanceof ProviderCallError ? e.details : String(e)),
    );
    clearInterval(sampler);
    // Alive means it still answers: a crashed host may not have been reaped yet.
    const alive = await host.check(TYPE, text, {}, {}).then(
      () => host.alive,
      () => false,
    );

    const interval = DEFAULT_GATE_SETTINGS.intervalMs / 1000;
    const afterRound5 = samples.filter((s) => s.at >= 5 * interval).map((s) => s.rss);
    const last20 = samples.filter((s) => s.at >= seconds - 20).map((s) => s.rss);
    const first20 = samples.filter((s) => s.at >= 5 * interval && s.at < 5 * interval + 20).map((s) => s.rss);
    const peak = Math.max(0, ...samples.map((s) => s.rss));
    const peakLimit = idle + 3 * FLAPPING_TARGETS * (BODY_BYTES / MB) + 30;
    const drift = last20.length === 0 ? NaN : median(last20) - median(afterRound5);
    const rounds = /rounds completed: (\d+)/.exec(outcome)?.[1] ?? "?";
    const explained = /Failed check: deadline .*no verdict after \d+ ms/.test(outcome);
    console.log(
      `(c) ${FLAPPING_TARGETS} targets flapping with ${BODY_BYTES / 1e6} MB bodies for ${seconds} s, host --max-old-space-size=${HEAP_MB}: ` +
        `${rounds} rounds; host ${alive ? "alive" : `DEAD (last RSS sample at ${samples.at(-1)?.at.toFixed(0) ?? 0} s)`}; gate answered ${explained ? "with its deadline explanation" : `WITHOUT it: ${outcome.slice(0, 300)}`}`,
    );
    console.log(`    idle RSS ${spread(idleSamples)}`);
    console.log(`    RSS after round 5 ${spread(afterRound5)}`);
    console.log(`    RSS first 20 s after round 5 ${spread(first20)}`);
    console.log(`    RSS last 20 s ${spread(last20)}`);
    const setting = `${FLAPPING_TARGETS} targets flapping with 1 MB bodies for ${seconds} s, host heap ${HEAP_MB} MB`;
    return [
      {
        figure: `(c) host alive and the gate's deadline explanation given, ${setting}`,
        observed: `host ${alive ? "alive" : "DEAD"}, explanation ${explained ? "given" : "MISSING"}`,
        goal: { text: "alive, explained", source: "issue 13", met: alive && explained },
      },
      {
        figure: `(c) RSS growth: median of the last 20 s − median after round 5, ${setting}`,
        observed: `${drift.toFixed(1)} MB`,
        goal: { text: "within ±10 MB", source: "issue 13", met: Math.abs(drift) <= 10 },
      },
      {
        figure: `(c) peak RSS, ${setting}`,
        observed: `${peak.toFixed(1)} MB; idle ${median(idleSamples).toFixed(1)} MB`,
        goal: {
          text: `≤ idle + 3 × ${FLAPPING_TARGETS} × 1 MB + 30 MB = ${peakLimit.toFixed(1)} MB`,
          source: "issue 13",
          met: peak <= peakLimit,
        },
      },
    ];
  } finally {
    await Promise.all([host.stop(), server.close()]);
  }
}

main()
  .then(async (figures) => report("gate", [...figures, ...(await memoryBench(benchSeconds()))]))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
