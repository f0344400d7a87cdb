/** Samples and settings for the watch's tests: one line per case. */
import { watchSettingsSchema, WatchSettings } from "../../../components/config/watch";
import type { Color } from "../../../components/contracts/colors";
import type { ColorSamples, ProbeReading, RoundSamples, TrafficReading } from "../../../tooling/watch/samples";

export const settings = (overrides: Partial<WatchSettings> = {}): WatchSettings => watchSettingsSchema.parse(overrides);

export const router = (errors: number, requests: number): TrafficReading => ({ source: "router", requests, errors });
export const prometheus = (errorRate: number): TrafficReading => ({
  source: "prometheus",
  errorRate,
  query: "errors / requests",
});
export const noTraffic = (why: string, source: "router" | "prometheus" = "router"): TrafficReading => ({
  source,
  noData: why,
});

/** `sent` probes, `failed` of them failing, the others answering in `latencyMs`. */
export const probes = (sent: number, failed = 0, latencyMs = 20): ProbeReading => ({
  sent,
  failed,
  latenciesMs: Array.from({ length: sent - failed }, () => latencyMs),
  failures: failed > 0 ? ["http://127.0.0.1:8082/health: HTTP 503"] : [],
});

export const color = (c: Color, parts: Omit<ColorSamples, "color">): ColorSamples => ({ color: c, ...parts });

/** green judged against blue. */
export const round = (
  candidate: Omit<ColorSamples, "color">,
  stable: Omit<ColorSamples, "color"> = {},
): RoundSamples => ({ candidate: color("green", candidate), stable: color("blue", stable) });

/** A round the defaults judge healthy: 2 of 200 requests failed, 20 fast probes. */
export const healthyRound = (): RoundSamples =>
  round({ traffic: router(2, 200), probes: probes(20) }, { traffic: router(1, 800), probes: probes(20) });
