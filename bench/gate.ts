/**
 * Promotion gate speed, through Pulumi's real dynamic-provider host against a
 * 127.0.0.1 fault server:
 *  (a) decision time for a healthy target versus its floor. Rounds start every
 *      intervalMs, so the N-th success can only be seen after (N-1) intervals
 *      plus one round: floor = (N-1) × intervalMs + the median time of a
 *      one-round gate (consecutiveSuccesses 1) through the same host, which
 *      carries the same request and gRPC costs. Target ratio <= 1.05. The
 *      N × intervalMs figure from the issue is printed too.
 *  (b) one probe round (consecutiveSuccesses 1) against 1 versus 50 targets,
 *      each answering after 50 ms: concurrency means 50 should cost about as
 *      much as 1. Target ratio <= 1.5 (steady state, after warm-up; the cold
 *      first round is printed too).
 * Run: npx tsx bench/gate.ts
 */
import { promotionGateProvider } from "../components/gate/provider";
import { gateSettingsSchema, GateSettingsInput } from "../components/gate/settings";
import { startFaultServer } from "../testkit/faultServer";
import { ProviderHost, serializeProvider } from "../testkit/providerHost";

const TYPE = "pulumi-nodejs:dynamic/bluegreen:PromotionGate";
const TRIALS = 11;
const DECISION = { consecutiveSuccesses: 5, intervalMs: 200 };
const TARGET_LATENCY_MS = 50;
const MANY_TARGETS = 50;
const WARMUP_ROUNDS = 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const [host, text, server] = await Promise.all([
    ProviderHost.start(),
    serializeProvider(promotionGateProvider),
    startFaultServer(),
  ]);
  const inputs = (targets: string[], settings: NonNullable<GateSettingsInput>) => ({
    app: "bench",
    color: "green",
    version: "1.1.0",
    otherVersion: "1.0.0",
    weight: 10,
    totalWeight: 100,
    rollback: false,
    targets,
    settings: gateSettingsSchema.parse({ requestTimeoutMs: 1000, p95LatencyMs: 500, deadlineSeconds: 30, ...settings }),
  });
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
    const floor = (DECISION.consecutiveSuccesses - 1) * DECISION.intervalMs + median(rounds);
    const decided = median(decisions);
    console.log(
      `(a) healthy decision, ${DECISION.consecutiveSuccesses} successes @ ${DECISION.intervalMs} ms: median ${decided.toFixed(1)} ms of ${TRIALS}; ` +
        `floor (N-1)×interval + one-round gate ${median(rounds).toFixed(1)} ms = ${floor.toFixed(1)} ms; ratio ${(decided / floor).toFixed(3)} (target <= 1.05); ` +
        `vs N×interval ${DECISION.consecutiveSuccesses * DECISION.intervalMs} ms: ${(decided / (DECISION.consecutiveSuccesses * DECISION.intervalMs)).toFixed(3)}`,
    );

    const one: number[] = [];
    const many: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      one.push(await gateMs([slowHealthy(0)], oneRound));
      many.push(await gateMs(manyTargets, oneRound));
    }
    console.log(
      `(b) one probe round, targets answering in ${TARGET_LATENCY_MS} ms: 1 target median ${median(one).toFixed(1)} ms, ` +
        `${MANY_TARGETS} targets median ${median(many).toFixed(1)} ms; ratio ${(median(many) / median(one)).toFixed(3)} (target <= 1.5)`,
    );
    console.log(
      `(b, cold) first ${MANY_TARGETS}-target round in a fresh host (axios loaded, JIT cold): ${warmup[0].toFixed(1)} ms; ` +
        `ratio to the warm 1-target round ${(warmup[0] / median(one)).toFixed(3)}`,
    );
  } finally {
    await Promise.all([host.stop(), server.close()]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
