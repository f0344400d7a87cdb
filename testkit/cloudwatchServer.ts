/**
 * A local CloudWatch endpoint on 127.0.0.1 that speaks what
 * `@aws-sdk/client-cloudwatch` 3.11xx sends: the JSON 1.0 protocol (POST /,
 * `X-Amz-Target: GraniteServiceVersion20100801.<Op>`,
 * `application/x-amz-json-1.0`, epoch-second timestamps both ways, errors as
 * `__type` plus the `x-amzn-query-error: <Code>;Sender` header of a service
 * that kept its Query error codes), so the real SDK client talks to it
 * unchanged. (moto answers percentile statistics with an HTTP 500 and never
 * evaluates alarms, so it cannot stand in here.)
 *
 * It serves what an application load balancer publishes (alb()): per target
 * group and minute, `RequestCount`, `HTTPCode_Target_{2,4,5}XX_Count` and
 * `TargetConnectionErrorCount` only when not zero, `TargetResponseTime` one
 * sample per answered request, `HealthyHostCount` and `UnHealthyHostCount`
 * every minute (zeros too, unless left out), and `HTTPCode_ELB_5XX_Count`
 * with the load balancer's dimension only; each minute becomes readable
 * `delaySeconds` after it ends, by the server's clock. GetMetricData as
 * CloudWatch answers it: dimensions matched exactly, StartTime rounded down
 * to the minute and inclusive, EndTime exclusive, periods from StartTime
 * (multiples of 60), Sum/Average/Minimum/Maximum/SampleCount and pNN.NN
 * (nearest rank over the samples), a bucket without datapoints left out,
 * newest first unless `ScanBy: TimestampAscending`, at most `MaxDatapoints`
 * (or the server's `pageSize`) datapoints a page with `PartialData` and an
 * opaque `NextToken` for the rest. DescribeAlarms: by `AlarmNames`, metric
 * alarms only unless `AlarmTypes` says otherwise, `MaxRecords` (default 50)
 * a page with `NextToken`. Faults for tests: a status for one metric's
 * results (`InternalError`, `Forbidden`, `PartialData` with no token), whole
 * requests refused as CloudWatch does (400 `Throttling`, 500
 * `InternalServiceError`), and a delay before every answer.
 */
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, Server } from "node:http";
import { AddressInfo } from "node:net";
import { startAwsJsonServer } from "./awsJsonServer";

const TARGET_PREFIX = "GraniteServiceVersion20100801.";
const ACCOUNT = "123456789012";
const NAMESPACE = "AWS/ApplicationELB";
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;
const STAT = /^(Sum|Average|Minimum|Maximum|SampleCount|p(\d{1,2}(\.\d{1,2})?|100))$/;
/** GetMetricData's default MaxDatapoints. */
const DEFAULT_MAX_DATAPOINTS = 100_800;

/** What one request to a target group did, as the ALB sees it. */
export interface AlbRequest {
  /** The target's status code, or `refused`: no connection to the target (the ALB answers 502 itself). */
  readonly status: number | "refused";
  /** The target's response time (TargetResponseTime); unused for `refused`. */
  readonly ms?: number;
}

/** One minute of one target group. */
export interface AlbMinute {
  readonly requests: readonly AlbRequest[];
  /** Targets passing the health check; undefined: HealthyHostCount not published this minute. */
  readonly healthy?: number;
  /** Targets failing it; undefined: UnHealthyHostCount not published. */
  readonly unhealthy?: number;
}

export interface Alarm {
  readonly name: string;
  readonly type: "MetricAlarm" | "CompositeAlarm";
  state: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  reason: string;
  updatedSeconds: number;
}

export interface CloudWatchRequest {
  readonly action: string;
  readonly body: any;
  readonly headers: IncomingHttpHeaders;
}

interface Datapoint {
  readonly key: string;
  /** The minute's start, epoch seconds. */
  readonly at: number;
  readonly samples: readonly number[];
}

class CloudWatchError extends Error {
  constructor(
    readonly code: string,
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const throttling = () => new CloudWatchError("Throttling", "ThrottlingException", "Rate exceeded", 400);

const metricKey = (name: string, dimensions: readonly { Name: string; Value: string }[]) =>
  JSON.stringify([
    NAMESPACE,
    name,
    [...dimensions].map((d) => [d.Name, d.Value]).sort(([a], [b]) => a.localeCompare(b)),
  ]);

function statistic(stat: string, samples: readonly number[]): number {
  switch (stat) {
    case "Sum":
      return samples.reduce((a, b) => a + b, 0);
    case "Average":
      return samples.reduce((a, b) => a + b, 0) / samples.length;
    case "Minimum":
      return Math.min(...samples);
    case "Maximum":
      return Math.max(...samples);
    case "SampleCount":
      return samples.length;
    default: {
      const sorted = [...samples].sort((a, b) => a - b);
      const rank = Math.ceil((Number(stat.slice(1)) / 100) * sorted.length);
      return sorted[Math.max(0, rank - 1)];
    }
  }
}

export class CloudWatchServer {
  readonly requests: CloudWatchRequest[] = [];
  /** CloudWatch's clock, epoch ms: what is published is judged against it. */
  now: () => number = Date.now;
  /** Seconds after a minute ends before its datapoints are readable. */
  delaySeconds = 90;
  /** Datapoints a GetMetricData page carries at most, below the request's MaxDatapoints. */
  pageSize = DEFAULT_MAX_DATAPOINTS;
  /** Milliseconds the server waits before every answer. */
  answerDelayMs = 0;
  private readonly datapoints: Datapoint[] = [];
  private readonly statuses = new Map<string, { status: string; messages: { Code: string; Value: string }[] }>();
  private readonly alarms = new Map<string, Alarm>();
  private readonly pages = new Map<string, { request: string; offset: number }>();
  private refusals: { left: number; error: CloudWatchError } = { left: 0, error: throttling() };
  private readonly steadyGroups: { loadBalancer: string; targetGroup: string; minute: AlbMinute; at: Set<number> }[] =
    [];

  private constructor(
    private readonly server: Server,
    readonly region: string,
  ) {}

  static async start(region = "eu-west-1"): Promise<CloudWatchServer> {
    // Assigned once the HTTP server (whose handler uses it) exists.
    // eslint-disable-next-line prefer-const
    let cloudWatch: CloudWatchServer | undefined;
    const server = await startAwsJsonServer(TARGET_PREFIX, "application/x-amz-json-1.0", (request) => {
      const delayMs = cloudWatch!.answerDelayMs;
      try {
        const body = request.body();
        cloudWatch!.requests.push({ action: request.action, body, headers: request.headers });
        return { status: 200, payload: cloudWatch!.answer(request.action, body), delayMs };
      } catch (error) {
        const e =
          error instanceof CloudWatchError
            ? error
            : new CloudWatchError("InternalServiceError", "InternalServiceFault", String(error), 500);
        return {
          status: e.status,
          headers: { "x-amzn-query-error": `${e.code};${e.status >= 500 ? "Receiver" : "Sender"}` },
          payload: { __type: `com.amazonaws.cloudwatch#${e.type}`, message: e.message },
          delayMs,
        };
      }
    });
    cloudWatch = new CloudWatchServer(server, region);
    return cloudWatch;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  targetGroupArn(name: string): string {
    return `arn:aws:elasticloadbalancing:${this.region}:${ACCOUNT}:targetgroup/${name}/${randomBytes(8).toString("hex")}`;
  }

  loadBalancerArn(name: string): string {
    return `arn:aws:elasticloadbalancing:${this.region}:${ACCOUNT}:loadbalancer/app/${name}/${randomBytes(8).toString("hex")}`;
  }

  /** Publishes what the ALB `loadBalancer` (`app/…`) measured of `targetGroup` (`targetgroup/…`) in the minute from `minuteSeconds`. */
  alb(loadBalancer: string, targetGroup: string, minuteSeconds: number, minute: AlbMinute): void {
    if (minuteSeconds % 60 !== 0) throw new Error(`a minute starts on a multiple of 60 s, not ${minuteSeconds}`);
    const dimensions = [
      { Name: "LoadBalancer", Value: loadBalancer },
      { Name: "TargetGroup", Value: targetGroup },
    ];
    const publish = (name: string, samples: readonly number[], dims = dimensions) => {
      if (samples.length > 0) this.datapoints.push({ key: metricKey(name, dims), at: minuteSeconds, samples });
    };
    const count = (name: string, n: number, dims = dimensions) => (n > 0 ? publish(name, [n], dims) : undefined);
    const { requests } = minute;
    const answered = requests.filter((r): r is { status: number; ms?: number } => r.status !== "refused");
    const refused = requests.length - answered.length;
    count("RequestCount", requests.length);
    for (const klass of [2, 3, 4, 5]) {
      count(`HTTPCode_Target_${klass}XX_Count`, answered.filter((r) => Math.floor(r.status / 100) === klass).length);
    }
    count("TargetConnectionErrorCount", refused);
    count("HTTPCode_ELB_5XX_Count", refused, [{ Name: "LoadBalancer", Value: loadBalancer }]);
    publish(
      "TargetResponseTime",
      answered.map((r) => (r.ms ?? 0) / 1000),
    );
    if (minute.healthy !== undefined) publish("HealthyHostCount", [minute.healthy]);
    if (minute.unhealthy !== undefined) publish("UnHealthyHostCount", [minute.unhealthy]);
  }

  /** Publishes `minute` for every minute a GetMetricData asks about: an ALB whose traffic never changes. */
  steady(loadBalancer: string, targetGroup: string, minute: AlbMinute): void {
    this.steadyGroups.push({ loadBalancer, targetGroup, minute, at: new Set() });
  }

  /** Results of `metricName` get this status and no datapoint (`PartialData`: without a NextToken). */
  fault(metricName: string, status: "InternalError" | "Forbidden" | "PartialData", message = "injected"): void {
    this.statuses.set(metricName, { status, messages: [{ Code: status, Value: message }] });
  }

  /** The next `count` requests (Infinity: all) are refused whole: throttled, or CloudWatch's own 500. */
  refuse(count: number, kind: "Throttling" | "InternalServiceError"): void {
    const error =
      kind === "Throttling"
        ? throttling()
        : new CloudWatchError("InternalServiceError", "InternalServiceFault", "Internal service error", 500);
    this.refusals = { left: count, error };
  }

  alarm(name: string, state: Alarm["state"], reason: string, type: Alarm["type"] = "MetricAlarm"): void {
    this.alarms.set(name, { name, type, state, reason, updatedSeconds: Math.floor(this.now() / 1000) });
  }

  deleteAlarm(name: string): void {
    this.alarms.delete(name);
  }

  /** Requests of one action, in order. */
  calls(action: "GetMetricData" | "DescribeAlarms"): any[] {
    return this.requests.filter((r) => r.action === action).map((r) => r.body);
  }

  /** Forgets datapoints, faults, alarms and recorded requests. */
  reset(): void {
    this.requests.length = 0;
    this.datapoints.length = 0;
    this.steadyGroups.length = 0;
    this.statuses.clear();
    this.alarms.clear();
    this.pages.clear();
    this.refusals = { left: 0, error: throttling() };
    this.now = Date.now;
    this.delaySeconds = 90;
    this.pageSize = DEFAULT_MAX_DATAPOINTS;
    this.answerDelayMs = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(action: string, body: any): unknown {
    if (this.refusals.left > 0) {
      this.refusals.left--;
      throw this.refusals.error;
    }
    return this.handle(action, body);
  }

  private handle(action: string, body: any): unknown {
    switch (action) {
      case "GetMetricData":
        return this.getMetricData(body);
      case "DescribeAlarms":
        return this.describeAlarms(body);
      default:
        throw new CloudWatchError("InvalidAction", "InvalidAction", `unsupported X-Amz-Target "${action}"`);
    }
  }

  private getMetricData(body: any): unknown {
    const queries: any[] = body.MetricDataQueries ?? [];
    const invalid = (message: string) =>
      new CloudWatchError("InvalidParameterValue", "InvalidParameterValueException", message);
    if (queries.length === 0 || queries.length > 500) {
      throw invalid("The collection MetricDataQueries must not be empty and must not be greater than 500.");
    }
    if (typeof body.StartTime !== "number" || typeof body.EndTime !== "number") {
      throw invalid("StartTime and EndTime are required, as epoch seconds.");
    }
    // Start times within the last 15 days are rounded down to the minute.
    const start = Math.floor(body.StartTime / 60) * 60;
    const end = body.EndTime;
    if (start >= end) throw invalid("The parameter StartTime must be less than the parameter EndTime.");
    const ids = new Set<string>();
    queries.forEach((query, index) => {
      const where = `MetricDataQueries.member.${index + 1}`;
      if (!QUERY_ID.test(query.Id ?? "") || ids.has(query.Id)) {
        throw invalid(`The value ${query.Id} for parameter ${where}.Id is invalid or not unique.`);
      }
      ids.add(query.Id);
      const stat = query.MetricStat;
      if (stat === undefined) throw invalid(`${where}: this stand-in serves MetricStat queries only.`);
      if (!Number.isInteger(stat.Period) || stat.Period < 60 || stat.Period % 60 !== 0) {
        throw invalid(`The parameter ${where}.MetricStat.Period must be a multiple of 60.`);
      }
      if (!STAT.test(stat.Stat ?? "")) throw invalid(`The parameter ${where}.MetricStat.Stat is invalid.`);
    });

    for (const group of this.steadyGroups) {
      for (let minute = start - (start % 60); minute < end; minute += 60) {
        if (group.at.has(minute)) continue;
        group.at.add(minute);
        this.alb(group.loadBalancer, group.targetGroup, minute, group.minute);
      }
    }
    const readableUntil = Math.floor(this.now() / 1000) - this.delaySeconds;
    const ascending = body.ScanBy === "TimestampAscending";
    const series = queries.map((query) => {
      const stat = query.MetricStat;
      const fault = this.statuses.get(stat.Metric.MetricName);
      if (stat.Metric.Namespace !== NAMESPACE || (fault !== undefined && fault.status !== "PartialData")) {
        return { query, points: [] as { at: number; value: number }[], fault };
      }
      const key = metricKey(stat.Metric.MetricName, stat.Metric.Dimensions ?? []);
      const points: { at: number; value: number }[] = [];
      for (let bucket = start; bucket < end; bucket += stat.Period) {
        const samples = this.datapoints
          .filter(
            (d) =>
              d.key === key &&
              d.at >= bucket &&
              d.at < Math.min(bucket + stat.Period, end) &&
              d.at + 60 <= readableUntil,
          )
          .flatMap((d) => d.samples);
        if (samples.length > 0) points.push({ at: bucket, value: statistic(stat.Stat, samples) });
      }
      if (!ascending) points.reverse();
      return { query, points, fault };
    });

    const request = JSON.stringify({ queries, start, end, ascending });
    let offset = 0;
    if (body.NextToken !== undefined) {
      const page = this.pages.get(body.NextToken);
      if (page === undefined || page.request !== request) {
        throw new CloudWatchError(
          "InvalidNextToken",
          "InvalidNextToken",
          "The service couldn't process the NextToken.",
        );
      }
      offset = page.offset;
    }
    const limit = Math.min(this.pageSize, body.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS);
    let skip = offset;
    let room = limit;
    let more = false;
    const results = series.map(({ query, points, fault }) => {
      const rest = points.slice(Math.min(skip, points.length));
      skip = Math.max(0, skip - points.length);
      const page = rest.slice(0, room);
      room -= page.length;
      const partial = page.length < rest.length;
      more ||= partial;
      return {
        Id: query.Id,
        Label: query.Label ?? query.MetricStat.Metric.MetricName,
        Timestamps: page.map((p) => p.at),
        Values: page.map((p) => p.value),
        StatusCode: fault?.status ?? (partial ? "PartialData" : "Complete"),
        ...(fault === undefined ? {} : { Messages: fault.messages }),
      };
    });
    const answer: Record<string, unknown> = { MetricDataResults: results, Messages: [] };
    if (more) {
      const token = randomBytes(16).toString("base64");
      this.pages.set(token, { request, offset: offset + limit });
      answer.NextToken = token;
    }
    return answer;
  }

  private describeAlarms(body: any): unknown {
    const names: string[] | undefined = body.AlarmNames;
    if (names !== undefined && names.length > 100) {
      throw new CloudWatchError(
        "InvalidParameterValue",
        "InvalidParameterValueException",
        "The collection AlarmNames must not be greater than 100.",
      );
    }
    const types: string[] = body.AlarmTypes ?? ["MetricAlarm"];
    const maxRecords = body.MaxRecords ?? 50;
    if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > 100) {
      throw new CloudWatchError(
        "InvalidParameterValue",
        "InvalidParameterValueException",
        "The parameter MaxRecords must be between 1 and 100.",
      );
    }
    const matching = [...this.alarms.values()]
      .filter((alarm) => types.includes(alarm.type) && (names === undefined || names.includes(alarm.name)))
      .sort((a, b) => a.name.localeCompare(b.name));
    const offset = body.NextToken === undefined ? 0 : Number(Buffer.from(body.NextToken, "base64").toString());
    if (!Number.isInteger(offset) || offset < 0) {
      throw new CloudWatchError("InvalidNextToken", "InvalidNextToken", "The service couldn't process the NextToken.");
    }
    const page = matching.slice(offset, offset + maxRecords);
    const shape = (alarm: Alarm) => ({
      AlarmName: alarm.name,
      AlarmArn: `arn:aws:cloudwatch:${this.region}:${ACCOUNT}:alarm:${alarm.name}`,
      StateValue: alarm.state,
      StateReason: alarm.reason,
      StateUpdatedTimestamp: alarm.updatedSeconds,
      ActionsEnabled: true,
    });
    return {
      MetricAlarms: page.filter((a) => a.type === "MetricAlarm").map(shape),
      CompositeAlarms: page.filter((a) => a.type === "CompositeAlarm").map((a) => ({ ...shape(a), AlarmRule: "TRUE" })),
      ...(offset + maxRecords < matching.length
        ? { NextToken: Buffer.from(String(offset + maxRecords)).toString("base64") }
        : {}),
    };
  }
}
