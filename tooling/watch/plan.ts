/**
 * Which sources watch a stack, decided from its parsed config and its
 * outputs, pure:
 * - docker: the router's log of every user request (routerLog.ts) for each
 *   color's user traffic, its health checks for each color's server
 *   (routerHealth.ts), plus probes of each color's own port;
 * - aws / kubernetes: Prometheus (`bluegreen:gate.prometheus`: its named
 *   queries per color over the watch's interval) for user traffic when
 *   configured, plus probes of each color's probe URL (its test listener or
 *   per-color host); kubernetes also reads each color's ready endpoints;
 * - aws without Prometheus: the load balancer's CloudWatch metrics of each
 *   color's target group (user traffic and healthy hosts: cloudwatchMetrics.ts);
 * - aws: the CloudWatch alarms of `bluegreen:watch.alarms`, every round;
 * - without a traffic source the probes give the error rate too (failed of
 *   sent), so a round sends at least `minSamples` probes to each color,
 *   spread over the first half of the interval, at most
 *   MAX_PROBES_PER_SECOND a second per color.
 * While `bluegreen:maintenance.enabled` is true users get the maintenance
 * page, so no user traffic reaches a color: the traffic source is skipped
 * ("skipped: maintenance") and the probes give the error rate.
 * Probe URLs are the gate's: the platform's (`probeUrls` output) and
 * `bluegreen:gate.targets.<color>`; probes use the gate's checks, headers and
 * `gate.requestTimeoutMs`, which also bounds every other query.
 */
import { fullKey } from "../../components/config/issues";
import { Color, COLORS, otherColor } from "../../components/contracts/colors";
import type { StackOutputs } from "../../components/contracts/outputs";
import type { WatchSettings } from "../../components/config/watch";
import type { Endpoint } from "../../components/docker/haproxyConfig";
import { PROMETHEUS_SKIPPED_MAINTENANCE } from "../../components/gate/prometheus";
import type { GateSettings } from "../../components/gate/settings";
import type { BlueGreenConfig } from "../../components/platforms";
import { WATCH_KEYS } from "./judge";
import type { ProbePlan } from "./probes";
import { PrometheusSource, prometheusSource } from "./prometheus";
import { alarmSourceOf, AlarmSource, CloudWatchSource, cloudWatchSourceOf } from "./cloudwatchTarget";
import { ReadyEndpointsPlan, readyEndpointsPlan } from "./readyEndpoints";

/** The most probe requests the watch sends one color per second, so that watching never loads an app. */
export const MAX_PROBES_PER_SECOND = 20;

export type TrafficSource =
  | { readonly kind: "router"; readonly admin: Endpoint; readonly backend: string }
  | ({ readonly kind: "prometheus" } & PrometheusSource)
  | ({ readonly kind: "cloudwatch" } & CloudWatchSource);

export interface WatchPlan {
  readonly candidate: Color;
  readonly stable: Color;
  readonly settings: WatchSettings;
  /** Absent: the probes give the error rate. */
  readonly traffic?: TrafficSource;
  /** The traffic source left out during a maintenance window, with why ("skipped: maintenance"). */
  readonly skipped?: { readonly source: TrafficSource["kind"]; readonly reason: string };
  /** Per color; absent for a color without probe URL. */
  readonly probes: Partial<Record<Color, ProbePlan>>;
  /** Kubernetes: each color's ready endpoints (its backend health), read from the API server. */
  readonly readyEndpoints?: ReadyEndpointsPlan;
  /** Docker: each color's server health as the router's checks see it, read even while maintenance skips its traffic. */
  readonly routerHealth?: { readonly admin: Endpoint; readonly backend: string };
  /** AWS: the CloudWatch alarms of `bluegreen:watch.alarms`; absent when none is named. */
  readonly alarms?: AlarmSource;
  /** The gate's checks the probes apply, and its request timeout (for every source). */
  readonly gate: GateSettings;
  /** Probe request headers (secret: never logged). */
  readonly headers: Readonly<Record<string, string>>;
  /** What is watched, in one line for the log. */
  readonly summary: string;
}

/** The stack cannot be watched as configured; the message names the key to change. */
export class WatchPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WatchPlanError";
  }
}

/** The gate's probe URLs of `color`: the platform's, then bluegreen:gate.targets.<color>. */
export function probeTargets(config: BlueGreenConfig, outputs: StackOutputs, color: Color): string[] {
  const platform = outputs.probeUrls?.[color];
  return [...(platform === undefined ? [] : [platform]), ...(config.gate.targets[color] ?? [])];
}

/** The source, or why the platform's own is unavailable (then the probes give the error rate). */
function trafficSource(
  config: BlueGreenConfig,
  outputs: StackOutputs,
): TrafficSource | { readonly unavailable: TrafficSource["kind"]; readonly reason: string } | undefined {
  if (config.platform === "docker") {
    if (outputs.url === undefined) {
      throw new WatchPlanError(
        "the stack has no `url` output, so the router's address is unknown: run `pulumi up` with this program first",
      );
    }
    // The runtime API is published on the same host address as the router's user port (components/docker/router.ts).
    const address = new URL(outputs.url).hostname;
    return { kind: "router", admin: { address, port: config.docker.adminPort }, backend: config.app.name };
  }
  const prometheus = config.gate.prometheus;
  if (prometheus !== undefined) {
    return { kind: "prometheus", ...prometheusSource(prometheus, config.app.name, config.watch.intervalSeconds) };
  }
  if (config.platform !== "aws") return undefined;
  const cloudWatch = cloudWatchSourceOf(outputs);
  return "problem" in cloudWatch
    ? { unavailable: "cloudwatch", reason: cloudWatch.problem }
    : { kind: "cloudwatch", ...cloudWatch };
}

/** The alarms to read every round; throws WatchPlanError when they cannot be (another platform, an older stack). */
function alarmSource(config: BlueGreenConfig, outputs: StackOutputs): AlarmSource | undefined {
  const source = alarmSourceOf(config.watch.alarms, outputs);
  if (source !== undefined && "problem" in source) throw new WatchPlanError(source.problem);
  return source;
}

/** Probes per target so a round has at least minSamples requests per color; refused past the rate bound. */
function probePlan(targets: readonly string[], settings: WatchSettings): ProbePlan {
  const perTarget = Math.ceil(settings.minSamples / targets.length);
  const spreadMs = (settings.intervalSeconds * 1000) / 2;
  const allowed = Math.floor((MAX_PROBES_PER_SECOND * spreadMs) / 1000);
  if (perTarget * targets.length > allowed) {
    throw new WatchPlanError(
      `${WATCH_KEYS.minSamples} (${settings.minSamples}) needs ${perTarget * targets.length} probe requests per color and round, ` +
        `more than the ${allowed} the watch sends in half of ${WATCH_KEYS.intervalSeconds} (${settings.intervalSeconds} s) ` +
        `at ${MAX_PROBES_PER_SECOND} a second. Raise ${WATCH_KEYS.intervalSeconds} to ` +
        `${Math.ceil((perTarget * targets.length * 2) / MAX_PROBES_PER_SECOND)} or lower ${WATCH_KEYS.minSamples}`,
    );
  }
  return { targets, perTarget, spreadMs };
}

function sourceName(kind: TrafficSource["kind"]): string {
  return { router: "router log", prometheus: "Prometheus", cloudwatch: "CloudWatch" }[kind];
}

function describe(plan: Omit<WatchPlan, "summary">): string {
  const { candidate, traffic, probes, settings, skipped } = plan;
  const rate =
    traffic === undefined
      ? `error rate from the probes${skipped ? ` (${sourceName(skipped.source)}: ${skipped.reason})` : ""}`
      : traffic.kind === "router"
        ? `user traffic from the router's log and server health from its checks (backend ${traffic.backend}, runtime API ${traffic.admin.address}:${traffic.admin.port})`
        : traffic.kind === "prometheus"
          ? `user traffic from Prometheus (${traffic.url}, last ${traffic.window}${traffic.ratio === undefined ? "" : ", ratio query"})`
          : `user traffic and healthy hosts from CloudWatch (${traffic.targetGroups[candidate]} in ${traffic.region}, settled minutes)`;
  const own = probes[candidate];
  const probing =
    own === undefined
      ? "no probe URL (latency not judged)"
      : `${own.perTarget * own.targets.length} probes a round of ${own.targets.join(", ")} over ${own.spreadMs / 1000} s`;
  const endpoints = plan.readyEndpoints && `; ready endpoints of Service ${plan.readyEndpoints.services[candidate]}`;
  const alarms = plan.alarms && `; CloudWatch alarms ${plan.alarms.names.join(", ")}`;
  return `watching ${candidate} every ${settings.intervalSeconds} s: ${rate}${endpoints ?? ""}${alarms ?? ""}; ${probing}; ${plan.stable} is the reference`;
}

/**
 * The sources that watch `candidate` on this stack. Throws WatchPlanError
 * when the candidate would have no source at all, when minSamples cannot be
 * reached within the probe bound, or when the router's address is unknown.
 */
export function planWatch(config: BlueGreenConfig, outputs: StackOutputs, candidate: Color): WatchPlan {
  const settings = config.watch;
  const found = trafficSource(config, outputs);
  const source = found !== undefined && "kind" in found ? found : undefined;
  const maintenance = config.maintenance.enabled && source !== undefined;
  const traffic = maintenance ? undefined : source;
  const unavailable = found !== undefined && "unavailable" in found ? found : undefined;
  const probes: Partial<Record<Color, ProbePlan>> = {};
  for (const color of COLORS) {
    const targets = probeTargets(config, outputs, color);
    if (targets.length > 0) probes[color] = probePlan(targets, settings);
  }
  if (traffic === undefined && probes[candidate] === undefined) {
    throw new WatchPlanError(
      `nothing can watch ${candidate}: the stack has no probe URL for it (output probeUrls.${candidate}, ` +
        `${fullKey(["gate", "targets", candidate])}) and no error-rate source (${fullKey(["gate", "prometheus"])}). ` +
        `Set one of them: a release nobody measures is never judged healthy` +
        (maintenance
          ? ` (${sourceName(source.kind)}: ${PROMETHEUS_SKIPPED_MAINTENANCE}, since users get the page while bluegreen:maintenance.enabled is true)`
          : "") +
        (unavailable === undefined ? "" : ` (${sourceName(unavailable.unavailable)}: ${unavailable.reason})`),
    );
  }
  const stable = otherColor(candidate);
  const endpoints = readyEndpointsPlan(config);
  const alarms = alarmSource(config, outputs);
  const plan = {
    candidate,
    stable,
    settings,
    ...(traffic === undefined ? {} : { traffic }),
    ...(maintenance ? { skipped: { source: source.kind, reason: PROMETHEUS_SKIPPED_MAINTENANCE } } : {}),
    ...(unavailable === undefined ? {} : { skipped: { source: unavailable.unavailable, reason: unavailable.reason } }),
    probes,
    ...(endpoints === undefined ? {} : { readyEndpoints: endpoints }),
    ...(source?.kind === "router" ? { routerHealth: { admin: source.admin, backend: source.backend } } : {}),
    ...(alarms === undefined ? {} : { alarms }),
    gate: config.gate,
    headers: config.gateHeaders ?? {},
  };
  return { ...plan, summary: describe(plan) };
}
