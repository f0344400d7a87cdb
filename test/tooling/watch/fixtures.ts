/** Samples and settings for the watch's tests: one line per case. */
import { watchSettingsSchema, WatchSettings } from "../../../components/config/watch";
import { afterAll, beforeAll } from "vitest";
import { CloudWatchServer } from "../../../testkit/cloudwatchServer";
import type { Color } from "../../../components/contracts/colors";
import type {
  AlarmReading,
  BackendHealth,
  ColorSamples,
  ProbeReading,
  RoundSamples,
  TrafficReading,
  TrafficSourceName,
  UserTraffic,
} from "../../../tooling/watch/samples";

export const settings = (overrides: Partial<WatchSettings> = {}): WatchSettings => watchSettingsSchema.parse(overrides);

/** The router log's `requests`, `errors` of them 5xx or unanswered, no 4xx, and their p95 (fast by default). */
export const router = (errors: number, requests: number, p95Ms = 20): TrafficReading => ({
  source: "router",
  requests,
  errors5xx: errors,
  errors4xx: 0,
  p95Ms,
});
/** Prometheus's ratio over `requests` requests (undefined: the source gave no count). */
export const prometheus = (errorRate: number, requests?: number): TrafficReading => ({
  source: "prometheus",
  errorRate,
  requests: requests ?? { noData: "the ratio query gives no request count" },
  query: "errors / requests",
});
/** What users' `requests` got this round: 5xx (or no answer), 4xx, and their p95 (undefined: none this round). */
export const users = (
  requests: number,
  errors5xx: number,
  errors4xx = 0,
  p95Ms?: number,
  source: TrafficSourceName = "router",
): UserTraffic => ({
  source,
  requests,
  errors5xx,
  errors4xx,
  p95Ms: p95Ms ?? { noData: "no request ended this round" },
});
export const backends = (healthy: number, total: number): BackendHealth => ({
  healthy,
  total,
  detail: `${healthy} UP, ${total - healthy} DOWN (L4CON: Connection refused)`,
});
export const alarm = (name: string, state: string, reason = `Threshold Crossed: ${state}`): AlarmReading => ({
  name,
  state,
  reason,
});
export const noTraffic = (why: string, source: TrafficSourceName = "router"): TrafficReading => ({
  source,
  noData: why,
});

/** `sent` probes, `failed` of them failing, the others answering in `latencyMs`; cut at the gate's default timeout. */
export const probes = (sent: number, failed = 0, latencyMs = 20, timeoutMs = 2000): ProbeReading => ({
  sent,
  failed,
  latenciesMs: Array.from({ length: sent - failed }, () => latencyMs),
  timeoutMs,
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

/**
 * A CloudWatch stand-in for the tests of a describe block, with the static
 * keys the SDK's default chain reads (the stand-in ignores them, as a runner
 * with a role would have some), plus `env` of the server's own.
 */
export function useCloudWatchServer(env: (server: CloudWatchServer) => Record<string, string> = () => ({})): {
  server: CloudWatchServer;
} {
  const rig = {} as { server: CloudWatchServer };
  const saved = { ...process.env };
  beforeAll(async () => {
    rig.server = await CloudWatchServer.start();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "secret", ...env(rig.server) });
  });
  afterAll(async () => {
    process.env = saved;
    await rig.server?.stop();
  });
  return rig;
}
