/**
 * Which sources watch a stack, decided from its parsed config and its
 * outputs, pure:
 * - docker: the router's per-server counters (real user traffic) for the
 *   error rate, plus probes of each color's own port;
 * - aws / kubernetes: Prometheus (`bluegreen:gate.prometheus`, {color} per
 *   color) for the error rate when configured, plus probes of each color's
 *   probe URL (its test listener or per-color host);
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
import type { PrometheusSource } from "./prometheus";

/** The most probe requests the watch sends one color per second, so that watching never loads an app. */
export const MAX_PROBES_PER_SECOND = 20;

export type TrafficSource =
  | { readonly kind: "router"; readonly admin: Endpoint; readonly backend: string }
  | ({ readonly kind: "prometheus" } & PrometheusSource);

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

function trafficSource(config: BlueGreenConfig, outputs: StackOutputs): TrafficSource | undefined {
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
  return prometheus === undefined ? undefined : { kind: "prometheus", url: prometheus.url, query: prometheus.query };
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
  return kind === "router" ? "router counters" : "Prometheus";
}

function describe(plan: Omit<WatchPlan, "summary">): string {
  const { candidate, traffic, probes, settings, skipped } = plan;
  const rate =
    traffic === undefined
      ? `error rate from the probes${skipped ? ` (${sourceName(skipped.source)}: ${skipped.reason})` : ""}`
      : traffic.kind === "router"
        ? `error rate from the router's counters (backend ${traffic.backend}, runtime API ${traffic.admin.address}:${traffic.admin.port})`
        : `error rate from Prometheus (${traffic.url})`;
  const own = probes[candidate];
  const probing =
    own === undefined
      ? "no probe URL (latency not judged)"
      : `${own.perTarget * own.targets.length} probes a round of ${own.targets.join(", ")} over ${own.spreadMs / 1000} s`;
  return `watching ${candidate} every ${settings.intervalSeconds} s: ${rate}; ${probing}; ${plan.stable} is the reference`;
}

/**
 * The sources that watch `candidate` on this stack. Throws WatchPlanError
 * when the candidate would have no source at all, when minSamples cannot be
 * reached within the probe bound, or when the router's address is unknown.
 */
export function planWatch(config: BlueGreenConfig, outputs: StackOutputs, candidate: Color): WatchPlan {
  const settings = config.watch;
  const source = trafficSource(config, outputs);
  const maintenance = config.maintenance.enabled && source !== undefined;
  const traffic = maintenance ? undefined : source;
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
          : ""),
    );
  }
  const stable = otherColor(candidate);
  const plan = {
    candidate,
    stable,
    settings,
    ...(traffic === undefined ? {} : { traffic }),
    ...(maintenance ? { skipped: { source: source.kind, reason: PROMETHEUS_SKIPPED_MAINTENANCE } } : {}),
    probes,
    gate: config.gate,
    headers: config.gateHeaders ?? {},
  };
  return { ...plan, summary: describe(plan) };
}
