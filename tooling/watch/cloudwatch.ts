/**
 * The AWS stacks' traffic source: one GetMetricData call a round for both
 * colors' target groups (cloudwatchMetrics.ts says what is read and how it
 * is judged), followed through its pages (NextToken), bounded by
 * `gate.requestTimeoutMs`. Credentials and region come as for every AWS
 * call of the tools: the SDK's default chain, the region of the stack's load
 * balancer. Nothing here throws for CloudWatch's failure: an error, a
 * timeout or an incomplete answer is no data for the round, and the next
 * round covers the minutes this one could not read.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { Color, COLORS } from "../../components/contracts/colors";
import {
  ColorMetrics,
  colorMetrics,
  metricQueries,
  MetricSeries,
  MetricWindow,
  roundWindow,
} from "./cloudwatchMetrics";
import type { CloudWatchSource } from "./cloudwatchTarget";

/** Pages of one round's answer followed at most: its 14 series of a few datapoints each fit in one page. */
const MAX_PAGES = 10;

/** A CloudWatch client for the stack's region (`endpoint`: tests, VPC endpoints). */
export function cloudWatchClient(where: { readonly region: string; readonly endpoint?: string }): CloudWatchClient {
  const sdk: typeof import("@aws-sdk/client-cloudwatch") = require("@aws-sdk/client-cloudwatch");
  return new sdk.CloudWatchClient({
    region: where.region,
    ...(where.endpoint === undefined ? {} : { endpoint: where.endpoint }),
  });
}

/** The signal a call gets: the round's, or `timeoutMs` from now; and why it was cut, once it was. */
export function boundedSignal(
  signal: AbortSignal,
  timeoutMs: number,
): { readonly signal: AbortSignal; readonly why: (error: unknown) => string } {
  const deadline = AbortSignal.timeout(timeoutMs);
  return {
    signal: AbortSignal.any([signal, deadline]),
    why: (error) =>
      deadline.aborted
        ? `no answer within ${timeoutMs} ms (gate.requestTimeoutMs)`
        : signal.aborted
          ? "the round was cut short"
          : error instanceof Error
            ? `${error.name}: ${error.message}`
            : String(error),
  };
}

/** Every page of one GetMetricData over `window`, each query's datapoints merged (by query id). */
async function getMetricData(
  client: CloudWatchClient,
  source: CloudWatchSource,
  window: MetricWindow,
  abortSignal: AbortSignal,
): Promise<Record<string, MetricSeries>> {
  const { GetMetricDataCommand }: typeof import("@aws-sdk/client-cloudwatch") = require("@aws-sdk/client-cloudwatch");
  const merged: Record<string, { timestamps: number[]; values: number[]; status: string; messages: string[] }> = {};
  let nextToken: string | undefined;
  for (let page = 1; ; page++) {
    const answer = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: metricQueries(source, COLORS, window),
        StartTime: new Date(window.startSeconds * 1000),
        EndTime: new Date(window.endSeconds * 1000),
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      }),
      { abortSignal },
    );
    for (const result of answer.MetricDataResults ?? []) {
      if (result.Id === undefined) continue;
      const series = (merged[result.Id] ??= { timestamps: [], values: [], status: "", messages: [] });
      series.timestamps.push(...(result.Timestamps ?? []).map((at) => at.getTime() / 1000));
      series.values.push(...(result.Values ?? []));
      // The last page's status says whether the series is whole (PartialData: more to come with NextToken).
      series.status = result.StatusCode ?? "";
      series.messages = (result.Messages ?? []).map((message) => `${message.Code}: ${message.Value}`);
    }
    nextToken = answer.NextToken;
    if (nextToken === undefined) return merged;
    if (page === MAX_PAGES) throw new Error(`GetMetricData still had more pages after ${MAX_PAGES}`);
  }
}

export interface CloudWatchReader {
  /** Both colors' figures for the minutes this round judges; never throws. */
  read(signal: AbortSignal): Promise<Record<Color, ColorMetrics>>;
}

/**
 * The reader of one hold: it remembers up to where rounds have judged, so
 * that the next judges the minutes after, and those a failed round could not
 * read (from the window it asked for). `now`: the clock the minutes are
 * taken from (tests give CloudWatch's stand-in's).
 */
export function cloudWatchReader(
  source: CloudWatchSource,
  options: { readonly timeoutMs: number; readonly intervalSeconds: number; readonly now?: () => number },
): CloudWatchReader {
  const now = options.now ?? Date.now;
  const client = cloudWatchClient(source);
  let judgedUntil: number | undefined;
  return {
    async read(signal) {
      const window = roundWindow(now(), options.intervalSeconds, judgedUntil);
      const bounded = boundedSignal(signal, options.timeoutMs);
      try {
        const results = await getMetricData(client, source, window, bounded.signal);
        judgedUntil = window.endSeconds;
        return {
          blue: colorMetrics(source, "blue", results, window),
          green: colorMetrics(source, "green", results, window),
        };
      } catch (error) {
        judgedUntil ??= window.startSeconds;
        const noData = `GetMetricData in ${source.region}: ${bounded.why(error)}`;
        const none: ColorMetrics = { traffic: { source: "cloudwatch", noData }, backends: { noData } };
        return { blue: none, green: none };
      }
    },
  };
}
