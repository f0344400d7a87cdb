/**
 * What `npm run shift` and `npm run watch` judge a release by while it holds
 * (`bluegreen:watch`), and where they report (`bluegreen:notify`). The
 * program deploys nothing from these keys; they live in the stack config so
 * that the release's thresholds are reviewed with it. Defaults follow the
 * runbooks: error rate above 5 %, p95 above 2 s or 3 failed probe rounds in
 * a row roll back.
 */
import { z } from "zod";
import { HTTP_URL_MESSAGE, isHttpUrl } from "../gate/schema";

export const watchSettingsSchema = z
  .object({
    /** Time between two analysis rounds while a step holds or a bake runs. @default 60 */
    intervalSeconds: z.number().int().min(1).max(3600).default(60),
    /** Highest error rate (0..1) of the candidate in a round. @default 0.05 */
    maxErrorRate: z.number().min(0, "is a ratio from 0 to 1").max(1, "is a ratio from 0 to 1").default(0.05),
    /** Highest p95 latency of the candidate's probes in a round. @default 2000 */
    maxP95LatencyMs: z.number().int().positive().default(2000),
    /** Failed probe rounds in a row that count as a breach. @default 3 */
    failedProbeRounds: z.number().int().min(1).max(100).default(3),
    /** Requests a round needs before its error rate counts; fewer is inconclusive, never a pass. @default 20 */
    minSamples: z.number().int().min(1).default(20),
    /**
     * Percentage points the candidate's error rate may exceed the stable color's before it breaches,
     * so that a shared dependency's outage is not blamed on the release. @default undefined (absolute limit only)
     */
    maxErrorRateAboveStable: z.number().min(0).max(100).optional(),
    /** Inconclusive rounds in a row after which the shift stops, leaving traffic where it is. @default 5 */
    maxInconclusive: z.number().int().min(1).max(1000).default(5),
  })
  .strict();

export type WatchSettings = z.output<typeof watchSettingsSchema>;

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
