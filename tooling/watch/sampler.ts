/**
 * A stack's round sampler, built from its WatchPlan: per round, both
 * colors' probes (spread over the first half of the interval), then the
 * traffic source, so the router's log covers the time since the
 * previous round. Nothing here throws for a target's failure: each source
 * reports data or why it has none.
 */
import { fullKey } from "../../components/config/issues";
import { Color, COLOR_PLACEHOLDER, COLORS } from "../../components/contracts/colors";
import type { WatchPlan } from "./plan";
import { cloudWatchReader } from "./cloudwatch";
import { readAlarms } from "./cloudwatchAlarms";
import { probeColor } from "./probes";
import { perColorQuery, prometheusTraffic } from "./prometheus";
import { readyEndpointsReader } from "./readyEndpoints";
import { routerHealthReader } from "./routerHealth";
import { routerLog } from "./routerLog";
import type { BackendHealth, ColorSamples, NoData, ProbeResult, RoundSamples, TrafficReading } from "./samples";

export interface WatchSampler {
  sample(signal: AbortSignal): Promise<RoundSamples>;
}

/** A source's readings of the round, and the colors' backend health when the same answer gives it (CloudWatch). */
interface TrafficRound {
  readonly readings: Partial<Record<Color, TrafficReading>>;
  readonly backends?: Record<Color, BackendHealth | NoData>;
}

type Traffic = (signal: AbortSignal) => Promise<TrafficRound>;

function trafficReader(plan: WatchPlan): { traffic: Traffic; baseline?: () => Promise<unknown> } {
  const source = plan.traffic;
  const timeoutMs = plan.gate.requestTimeoutMs;
  if (source === undefined) return { traffic: async () => ({ readings: {} }) };
  if (source.kind === "router") {
    const log = routerLog(source.admin, source.backend, timeoutMs);
    return { traffic: async () => ({ readings: await log.read() }), baseline: () => log.read() };
  }
  if (source.kind === "cloudwatch") {
    const reader = cloudWatchReader(source, { timeoutMs, intervalSeconds: plan.settings.intervalSeconds });
    return {
      traffic: async (signal) => {
        const { blue, green } = await reader.read(signal);
        return {
          readings: { blue: blue.traffic, green: green.traffic },
          backends: { blue: blue.backends, green: green.backends },
        };
      },
    };
  }
  return {
    traffic: async (signal) => {
      const rate = (color: Color): Promise<TrafficReading> =>
        color === plan.candidate || perColorQuery(source)
          ? prometheusTraffic(source, color, timeoutMs, signal)
          : Promise.resolve({
              source: "prometheus",
              noData: `${fullKey(["gate", "prometheus", "query"])} has no ${COLOR_PLACEHOLDER}: it measures whichever color runs, not this one`,
            });
      const [blue, green] = await Promise.all(COLORS.map(rate));
      return { readings: { blue, green } };
    },
  };
}

/**
 * The sampler for `plan`. With the router's log it reads it once now,
 * as the baseline of the first round: build it right before the hold (one
 * sampler may serve consecutive holds; its next round then counts from the
 * previous one).
 */
export async function createWatchSampler(plan: WatchPlan): Promise<WatchSampler> {
  const { traffic, baseline } = trafficReader(plan);
  const endpoints = plan.readyEndpoints
    ? readyEndpointsReader(plan.readyEndpoints, plan.gate.requestTimeoutMs)
    : plan.routerHealth &&
      routerHealthReader(plan.routerHealth.admin, plan.routerHealth.backend, plan.gate.requestTimeoutMs);
  await baseline?.();
  return {
    async sample(signal) {
      const probes = await Promise.all(
        COLORS.map(async (color): Promise<ProbeResult | undefined> => {
          const probePlan = plan.probes[color];
          return probePlan && probeColor(probePlan, plan.gate, plan.headers, signal);
        }),
      );
      const [round, endpointHealth, alarms] = await Promise.all([
        traffic(signal),
        endpoints?.(signal),
        plan.alarms && readAlarms(plan.alarms, plan.gate.requestTimeoutMs, signal),
      ]);
      const { readings } = round;
      const backends = endpointHealth ?? round.backends;
      const samples = (color: Color): ColorSamples => {
        const own = probes[COLORS.indexOf(color)];
        const source = plan.traffic?.kind;
        const reading = readings[color] ?? (source && { source, noData: "the traffic source gave no reading" });
        return {
          color,
          ...(reading === undefined ? {} : { traffic: reading }),
          ...(own === undefined ? {} : { probes: own }),
          ...(backends === undefined ? {} : { backends: backends[color] }),
        };
      };
      return {
        candidate: samples(plan.candidate),
        stable: samples(plan.stable),
        ...(alarms === undefined ? {} : { alarms }),
      };
    },
  };
}
