/**
 * A stack's round sampler, built from its WatchPlan: per round, both
 * colors' probes (spread over the first half of the interval), then the
 * traffic source, so the router's counters cover the time since the
 * previous round. Nothing here throws for a target's failure: each source
 * reports data or why it has none.
 */
import { fullKey } from "../../components/config/issues";
import { Color, COLOR_PLACEHOLDER, COLORS } from "../../components/contracts/colors";
import type { WatchPlan } from "./plan";
import { probeColor } from "./probes";
import { perColorQuery, prometheusRate } from "./prometheus";
import { routerCounters } from "./routerCounters";
import type { ColorSamples, ProbeResult, RoundSamples, TrafficReading } from "./samples";

export interface WatchSampler {
  sample(signal: AbortSignal): Promise<RoundSamples>;
}

type Traffic = (signal: AbortSignal) => Promise<Partial<Record<Color, TrafficReading>>>;

function trafficReader(plan: WatchPlan): { traffic: Traffic; baseline?: () => Promise<unknown> } {
  const source = plan.traffic;
  const timeoutMs = plan.gate.requestTimeoutMs;
  if (source === undefined) return { traffic: async () => ({}) };
  if (source.kind === "router") {
    const counters = routerCounters(source.admin, source.backend, timeoutMs);
    return { traffic: () => counters.read(), baseline: () => counters.read() };
  }
  return {
    traffic: async (signal) => {
      const rate = (color: Color): Promise<TrafficReading> =>
        color === plan.candidate || perColorQuery(source)
          ? prometheusRate(source, color, timeoutMs, signal)
          : Promise.resolve({
              source: "prometheus",
              noData: `${fullKey(["gate", "prometheus", "query"])} has no ${COLOR_PLACEHOLDER}: it measures whichever color runs, not this one`,
            });
      const [blue, green] = await Promise.all(COLORS.map(rate));
      return { blue, green };
    },
  };
}

/**
 * The sampler for `plan`. With the router's counters it reads them once now,
 * as the baseline of the first round: build it right before the hold (one
 * sampler may serve consecutive holds; its next round then counts from the
 * previous one).
 */
export async function createWatchSampler(plan: WatchPlan): Promise<WatchSampler> {
  const { traffic, baseline } = trafficReader(plan);
  await baseline?.();
  return {
    async sample(signal) {
      const probes = await Promise.all(
        COLORS.map(async (color): Promise<ProbeResult | undefined> => {
          const probePlan = plan.probes[color];
          return probePlan && probeColor(probePlan, plan.gate, plan.headers, signal);
        }),
      );
      const readings = await traffic(signal);
      const samples = (color: Color): ColorSamples => {
        const own = probes[COLORS.indexOf(color)];
        const source = plan.traffic?.kind;
        const reading = readings[color] ?? (source && { source, noData: "the traffic source gave no reading" });
        return {
          color,
          ...(reading === undefined ? {} : { traffic: reading }),
          ...(own === undefined ? {} : { probes: own }),
        };
      };
      return { candidate: samples(plan.candidate), stable: samples(plan.stable) };
    },
  };
}
