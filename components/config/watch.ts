/**
 * What `npm run shift` and `npm run watch` judge a release by while it holds
 * (`bluegreen:watch`), and where they report (`bluegreen:notify`). The
 * program deploys nothing from these keys; they live in the stack config so
 * that the release's thresholds are reviewed with it. Defaults follow the
 * runbooks: 5xx above 5 % of requests, 4xx 25 points above the stable
 * color's share, p95 above 900 ms, no healthy backend, an alarm in ALARM, or
 * 3 failed probe rounds in a row roll back.
 */
import { z } from "zod";
import { HTTP_URL_MESSAGE, isHttpUrl } from "../gate/schema";
import { ConfigIssue, fullKey } from "./issues";

/**
 * Below every shipped `gate.requestTimeoutMs` (1000 on the local stack, 2000 by default), so that probes cut
 * there can show a p95 above it (WATCH_RULES); above the gate's default p95 limit (750), since users' requests
 * do more than a health path.
 */
const DEFAULT_MAX_P95_LATENCY_MS = 900;

export const watchSettingsSchema = z
  .object({
    /** Time between two analysis rounds while a step holds or a bake runs. @default 60 */
    intervalSeconds: z.number().int().min(1).max(3600).default(60),
    /** Highest error rate (0..1) of the candidate in a round. @default 0.05 */
    maxErrorRate: z.number().min(0, "is a ratio from 0 to 1").max(1, "is a ratio from 0 to 1").default(0.05),
    /**
     * Highest p95 latency of the candidate's user requests in a round (of its probes when the traffic source
     * gives none); below `bluegreen:gate.requestTimeoutMs`, where the probes are cut. @default 900
     */
    maxP95LatencyMs: z.number().int().positive().default(DEFAULT_MAX_P95_LATENCY_MS),
    /** Failed probe rounds in a row that count as a breach. @default 3 */
    failedProbeRounds: z.number().int().min(1).max(100).default(3),
    /** Requests a round needs before its error rate counts; fewer is inconclusive, never a pass. @default 20 */
    minSamples: z.number().int().min(1).default(20),
    /**
     * Percentage points the candidate's error rate may exceed the stable color's before it breaches,
     * so that a shared dependency's outage is not blamed on the release. @default undefined (absolute limit only)
     */
    maxErrorRateAboveStable: z.number().min(0).max(100).optional(),
    /**
     * Percentage points the candidate's share of 4xx answers may exceed the stable color's: a normal share of
     * 4xx (bots, expired sessions) is alike on both colors, a broken route or auth is not. @default 25
     */
    max4xxPointsAboveStable: z.number().min(0).max(100).default(25),
    /** Inconclusive rounds in a row after which the shift stops, leaving traffic where it is. @default 5 */
    maxInconclusive: z.number().int().min(1).max(1000).default(5),
    /**
     * AWS: CloudWatch alarms (metric or composite, in the stack's region) that roll the release back while in
     * ALARM; `shift` does not start while one is, and a name CloudWatch does not have stops it at start. @default []
     */
    alarms: z
      .array(z.string().min(1).max(255))
      .max(100)
      .refine((names) => new Set(names).size === names.length, "names an alarm twice")
      .default([]),
  })
  .strict();

export type WatchSettings = z.output<typeof watchSettingsSchema>;

interface LatencyLimits {
  readonly watch: Pick<WatchSettings, "maxP95LatencyMs">;
  readonly gate: { readonly requestTimeoutMs: number };
}

/** What the watch's thresholds require of the rest of the config. */
export const WATCH_RULES: readonly ((config: LatencyLimits) => ConfigIssue[])[] = [
  // Probes judge latency whenever no user-traffic source gives a p95 (none on the stack, a maintenance window).
  ({ watch, gate }) =>
    gate.requestTimeoutMs > watch.maxP95LatencyMs
      ? []
      : [
          {
            key: fullKey(["watch", "maxP95LatencyMs"]),
            message:
              `is ${watch.maxP95LatencyMs} ms, not below ${fullKey(["gate", "requestTimeoutMs"])} (${gate.requestTimeoutMs} ms): ` +
              "the watch's probes are cut at that timeout, so whenever they judge latency (no p95 from user traffic, a maintenance window) " +
              `no p95 above this limit could be seen. Lower it below ${gate.requestTimeoutMs}, or raise ${fullKey(["gate", "requestTimeoutMs"])} above it`,
          },
        ],
];

const webhookSchema = z
  .object({
    /** The endpoint; keep it secret (`pulumi config set --secret --path 'bluegreen:notify.webhooks[0].url' ...`). */
    url: z.string().refine(isHttpUrl, HTTP_URL_MESSAGE),
    /** `json`: the event as JSON; `slack`: a Slack-compatible incoming webhook (`{"text": ...}`). @default "json" */
    format: z.enum(["json", "slack"]).default("json"),
  })
  .strict();

export const notifySettingsSchema = z
  .object({
    /** Where release events go. @default [] */
    webhooks: z.array(webhookSchema).default([]),
    /** Time one delivery attempt may take. @default 5000 */
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
    /** Further attempts after a failed one (with backoff). @default 2 */
    retries: z.number().int().min(0).max(10).default(2),
  })
  .strict();

export type NotifySettings = z.output<typeof notifySettingsSchema>;
