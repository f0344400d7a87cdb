/**
 * The settings schema, built by a function that receives zod, plus the URL
 * rule. Kept apart from settings.ts, importing only dependency-free
 * constants (contracts/colors.ts, prometheusQueries.ts): the dynamic
 * provider captures these functions by value and rebuilds the very same
 * schema in its host from `require("zod")`. A module that imports zod at the
 * top could drag zod itself into the provider's closure, which cannot
 * serialize.
 */
import type { z } from "zod";
import { COLOR_PLACEHOLDER } from "../contracts/colors";
import {
  DEFAULT_PROMETHEUS_QUERIES,
  DEFAULT_PROMETHEUS_WINDOW,
  PROMETHEUS_DURATION,
  PrometheusQueryName,
} from "./prometheusQueries";

/**
 * The one URL rule of the whole config (gate targets, the Prometheus URL,
 * webhooks, the kubernetes gate URL): an absolute http:// or https:// URL
 * with a host. Every URL the config takes is fetched over HTTP by the gate,
 * the watch or the notifier, so `ftp:`, `file:`, `javascript:`, `mailto:`
 * and scheme-relative or host-less forms (`http:example.com`, which a URL
 * parser would quietly mend) are refused.
 */
export function isHttpUrl(value: string): boolean {
  // The scheme and a host as written; then a URL parser's verdict (a special scheme's host may not be empty).
  if (!/^https?:\/\/[^/?#\s]/i.test(value)) return false;
  try {
    return new URL(value).hostname !== "";
  } catch {
    return false;
  }
}

/** What a config key that takes a URL says when it is not one (the value itself is quoted, if at all, by the parser). */
export const HTTP_URL_MESSAGE = 'must be an absolute http(s) URL such as "https://app.example.com/health"';

/** Options of a check across fields (config/crossField.ts); without them a check runs only when every field parsed. */
type CrossFieldOptions = (reads: string[]) => object;

/**
 * Builds the settings schema with the given zod module (see the file comment). `crossField`: the config's
 * validation passes it, so that every verdict is listed at once; the provider's check, which only needs to
 * refuse, does without (and its serialized text stays small).
 */
export function buildGateSettingsSchema(zod: typeof z, crossField?: CrossFieldOptions) {
  const httpUrl = zod.string().refine(isHttpUrl, HTTP_URL_MESSAGE);
  // Each color is measured on its own: a query without {color} would judge whichever color runs.
  const namedQuery = (name: PrometheusQueryName) =>
    zod
      .string()
      .refine((q) => q.includes(COLOR_PLACEHOLDER), `${name} must contain ${COLOR_PLACEHOLDER}, filled in per color`)
      .default(DEFAULT_PROMETHEUS_QUERIES[name]);
  const positiveInt = (what: string) =>
    zod.number().int(`${what} must be a whole number`).positive(`${what} must be greater than 0`);

  const settings = zod.strictObject({
    /** Extra URLs to probe per color, on top of the one the platform supplies. @default {} */
    targets: zod
      .strictObject({ blue: zod.array(httpUrl).optional(), green: zod.array(httpUrl).optional() })
      .default({}),
    /** HTTP statuses that count as healthy. @default [200] */
    expectedStatus: zod
      .array(zod.number().int().min(100, "an HTTP status is at least 100").max(599, "an HTTP status is at most 599"))
      .min(1, "list at least one healthy status, e.g. [200]")
      .default([200]),
    /** Optional body check: a JSON value at a dot path, or a substring. @default undefined (status only) */
    body: zod
      .union([
        zod.strictObject({
          json: zod.strictObject({
            path: zod
              .string()
              .regex(
                /^[^.\s]+(\.[^.\s]+)*$/,
                'a dot path such as "status" or "checks.db" (no empty segments, no spaces)',
              ),
            equals: zod.union([zod.string(), zod.number(), zod.boolean()]),
          }),
        }),
        zod.strictObject({ contains: zod.string().min(1, "the substring to look for must not be empty") }),
      ])
      .optional(),
    /** Total time allowed for one request, body included. @default 2000 */
    requestTimeoutMs: positiveInt("requestTimeoutMs").default(2000),
    /** Time between the starts of two probe rounds. @default 1000 */
    intervalMs: positiveInt("intervalMs").min(10, "intervalMs must be at least 10 ms").default(1000),
    /** Successful rounds in a row that pass the gate. @default 3 */
    consecutiveSuccesses: positiveInt("consecutiveSuccesses").default(3),
    /** Failed rounds in a row that abort the gate. @default 3 */
    failureThreshold: positiveInt("failureThreshold").default(3),
    /** Limit on the p95 latency of the samples in the passing window. @default 750 */
    p95LatencyMs: positiveInt("p95LatencyMs").default(750),
    /** Hard bound on the whole gate, hanging targets included. @default 120 */
    deadlineSeconds: positiveInt("deadlineSeconds")
      .max(3600, "deadlineSeconds must be at most 3600 (one hour)")
      .default(120),
    /** Percentage points of total traffic a color may gain in one update. @default 100 */
    maxStep: positiveInt("maxStep").max(100, "maxStep is in percentage points, at most 100").default(100),
    /** Lets one update exceed maxStep. @default false */
    allowLargeStep: zod.boolean().default(false),
    /** Optional user-traffic check against Prometheus, run once the probes pass (docs/gate.md). @default undefined */
    prometheus: zod
      .strictObject({
        url: httpUrl,
        /** A ratio query (errors / requests, 0..1); without it, 5xx of requests from `queries`. @default undefined */
        query: zod.string().min(1, "the PromQL query must not be empty").optional(),
        maxErrorRate: zod
          .number()
          .min(0, "maxErrorRate is a ratio between 0 and 1")
          .max(1, "maxErrorRate is a ratio between 0 and 1"),
        /** What {window} stands for in the gate's queries. @default "2m" */
        window: zod
          .string()
          .regex(PROMETHEUS_DURATION, 'window must be a Prometheus duration such as "2m" or "90s"')
          .default(DEFAULT_PROMETHEUS_WINDOW),
        /** Templates with {app}, {color}, {window}. @default DEFAULT_PROMETHEUS_QUERIES (prometheusQueries.ts) */
        queries: zod
          .strictObject({
            requests: namedQuery("requests"),
            errors5xx: namedQuery("errors5xx"),
            errors4xx: namedQuery("errors4xx"),
            p95Seconds: namedQuery("p95Seconds"),
          })
          .prefault({}),
      })
      .optional(),
  });
  // One check per verdict across fields (the first field read carries it), each run whenever those fields are valid.
  type Settings = z.output<typeof settings>;
  const checks: [keys: (keyof Settings & string)[], holds: (s: Settings) => boolean, say: (s: Settings) => string][] = [
    [
      ["requestTimeoutMs", "deadlineSeconds"],
      (s) => s.requestTimeoutMs < s.deadlineSeconds * 1000,
      (s) =>
        `requestTimeoutMs (${s.requestTimeoutMs}) must be less than deadlineSeconds × 1000 (${s.deadlineSeconds * 1000} ms): one request could use up the whole gate. Lower requestTimeoutMs or raise deadlineSeconds.`,
    ],
    [
      ["consecutiveSuccesses", "intervalMs", "deadlineSeconds"],
      (s) => s.consecutiveSuccesses * s.intervalMs < s.deadlineSeconds * 1000,
      (s) =>
        `consecutiveSuccesses × intervalMs (${s.consecutiveSuccesses} × ${s.intervalMs} = ${s.consecutiveSuccesses * s.intervalMs} ms) must be less than deadlineSeconds × 1000 (${s.deadlineSeconds * 1000} ms): the gate could never pass before its deadline. Lower consecutiveSuccesses or intervalMs, or raise deadlineSeconds.`,
    ],
    [
      ["p95LatencyMs", "requestTimeoutMs"],
      (s) => s.p95LatencyMs <= s.requestTimeoutMs,
      (s) =>
        `p95LatencyMs (${s.p95LatencyMs}) must not exceed requestTimeoutMs (${s.requestTimeoutMs}): slower requests are cut at the timeout, so this latency limit could never trigger. Lower p95LatencyMs or raise requestTimeoutMs.`,
    ],
  ];
  return checks
    .reduce(
      (schema, [keys, holds, say]) =>
        schema.refine(holds, {
          ...crossField?.(keys),
          path: [keys[0]],
          error: (issue) => say(issue.input as Settings),
        }),
      settings,
    )
    .prefault({});
}
