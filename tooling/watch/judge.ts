/**
 * Judging one analysis round of a holding release, pure: the candidate's
 * error rate, its probes' p95 latency and whether its probes failed, against
 * `bluegreen:watch`. Missing evidence (a source without data, fewer than
 * `minSamples` requests, a NaN) makes the round inconclusive, never healthy:
 * treating no data as success is the most reported failure of canary tools.
 *
 * The error rate comes from the stack's traffic source (router counters or
 * Prometheus) when it has one, else from the watch's own probes (failed of
 * sent). With `maxErrorRateAboveStable`, a candidate over `maxErrorRate`
 * breaches only if its rate is also more than that many points above the
 * stable color's; when it is not, both colors fail alike (a shared
 * dependency, not the release) and the round is inconclusive. When the
 * stable color has no rate to compare, the absolute limit alone applies.
 */
import type { Color } from "../../components/contracts/colors";
import { fullKey } from "../../components/config/issues";
import type { WatchSettings } from "../../components/config/watch";
import { p95 } from "../../components/gate/tally";
import { ColorSamples, hasNoData, RoundSamples } from "./samples";

export type RoundKind = "healthy" | "probes-failed" | "inconclusive" | "breach";

/** A threshold the observed value crossed. */
export interface Breach {
  readonly color: Color;
  readonly measure: "error rate" | "p95 latency" | "failed probe rounds";
  readonly observed: number;
  readonly limit: number;
  /** The config key of the limit, e.g. `bluegreen:watch.maxErrorRate` (a WATCH_KEYS value). */
  readonly key: string;
  /** Breached at `observed >= limit` (a count of rounds) rather than `observed > limit`. */
  readonly atLimit: boolean;
  /** With maxErrorRateAboveStable: the candidate's lead over the stable color, in points, and that limit. */
  readonly aboveStable?: {
    readonly observed: number;
    readonly limit: number;
    readonly key: string;
  };
  readonly text: string;
}

export interface RoundJudgement {
  readonly kind: RoundKind;
  /** The color judged. */
  readonly candidate: Color;
  readonly breaches: readonly Breach[];
  /** Why the round proves nothing either way: what had no data, or a failure shared with the stable color. */
  readonly inconclusive: readonly string[];
  /** The candidate's probes failed this round (the fold counts these rounds in a row). */
  readonly probeFailure?: string;
  /** What was measured within its limits, for the log. */
  readonly observations: readonly string[];
}

/** Full keys of the `bluegreen:watch` settings, as reasons name them. */
export const WATCH_KEYS = {
  intervalSeconds: fullKey(["watch", "intervalSeconds"]),
  maxErrorRate: fullKey(["watch", "maxErrorRate"]),
  maxP95LatencyMs: fullKey(["watch", "maxP95LatencyMs"]),
  failedProbeRounds: fullKey(["watch", "failedProbeRounds"]),
  minSamples: fullKey(["watch", "minSamples"]),
  maxErrorRateAboveStable: fullKey(["watch", "maxErrorRateAboveStable"]),
  maxInconclusive: fullKey(["watch", "maxInconclusive"]),
} as const;

/** 0.071006 → "7.1 %", 0.0004 → "0.04 %". */
export function percent(ratio: number): string {
  return `${Math.round(ratio * 10_000) / 100} %`;
}

type Rate = { readonly rate: number; readonly text: string } | { readonly none: string };

/** A color's error rate this round with how it was measured, or why there is none. */
export function errorRateOf(samples: ColorSamples, minSamples: number): Rate {
  const { color, traffic, probes } = samples;
  const counted = (errors: number, requests: number, what: string): Rate =>
    !Number.isInteger(errors) || !Number.isInteger(requests) || errors < 0 || errors > requests
      ? { none: `${color} ${what}: inconsistent counts (${errors} failed of ${requests})` }
      : requests < minSamples
        ? { none: `${color}: ${requests} ${what} this round, fewer than ${WATCH_KEYS.minSamples} (${minSamples})` }
        : { rate: errors / requests, text: `${percent(errors / requests)} (${errors} of ${requests} ${what})` };
  if (traffic !== undefined) {
    if (hasNoData(traffic)) {
      return { none: `${color} ${traffic.source === "router" ? "router counters" : "Prometheus"}: ${traffic.noData}` };
    }
    if (traffic.source === "router") return counted(traffic.errors, traffic.requests, "requests through the router");
    const rate = traffic.errorRate;
    if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
      return { none: `${color} Prometheus: ${rate} is not an error rate from 0 to 1 (query ${traffic.query})` };
    }
    return { rate, text: `${percent(rate)} (Prometheus)` };
  }
  if (probes === undefined) return { none: `${color} has neither a traffic source nor a probe URL` };
  if (hasNoData(probes)) return { none: `${color} probes: ${probes.noData}` };
  return counted(probes.failed, probes.sent, "probe requests");
}

function judgeErrorRate(round: RoundSamples, reference: Rate, settings: WatchSettings, out: Draft): void {
  const { candidate, stable } = round;
  const own = errorRateOf(candidate, settings.minSamples);
  if ("none" in own) {
    out.inconclusive.push(own.none);
    return;
  }
  const head = `${candidate.color} error rate ${own.text}`;
  const limit = `${percent(settings.maxErrorRate)} (${WATCH_KEYS.maxErrorRate})`;
  if (own.rate <= settings.maxErrorRate) {
    out.observations.push(`${head} ≤ ${limit}`);
    return;
  }
  const base = {
    color: candidate.color,
    measure: "error rate",
    observed: own.rate,
    limit: settings.maxErrorRate,
    key: WATCH_KEYS.maxErrorRate,
    atLimit: false,
  } as const;
  const points = settings.maxErrorRateAboveStable;
  if (points === undefined) {
    out.breaches.push({ ...base, text: `${head} > ${limit}` });
    return;
  }
  if ("none" in reference) {
    const text = `${head} > ${limit}; ${stable.color} has no error rate to compare (${reference.none}), so ${WATCH_KEYS.maxErrorRateAboveStable} cannot excuse it`;
    out.breaches.push({ ...base, text });
    return;
  }
  const lead = (own.rate - reference.rate) * 100;
  const leadText = `${Math.round(lead * 100) / 100} points above ${stable.color}'s ${percent(reference.rate)}`;
  const leadLimit = `${points} (${WATCH_KEYS.maxErrorRateAboveStable})`;
  if (lead > points) {
    const aboveStable = {
      observed: lead,
      limit: points,
      key: WATCH_KEYS.maxErrorRateAboveStable,
    } as const;
    out.breaches.push({ ...base, aboveStable, text: `${head} > ${limit}, and ${leadText} > ${leadLimit}` });
    return;
  }
  out.inconclusive.push(
    `${head} > ${limit}, but only ${leadText} (at most ${leadLimit}): both colors fail alike, which points at a shared dependency rather than the release`,
  );
}

function judgeProbes(round: RoundSamples, settings: WatchSettings, out: Draft): void {
  const { color, probes } = round.candidate;
  if (probes === undefined) {
    out.observations.push(`${color} has no probe URL: latency and probe rounds not judged`);
    return;
  }
  if (hasNoData(probes)) {
    out.inconclusive.push(`${color} probes: ${probes.noData}`);
    return;
  }
  if (probes.failed > 0) {
    out.probeFailure = `${color} probes: ${probes.failed} of ${probes.sent} failed: ${probes.failures.join("; ")}`;
  }
  const answered = probes.latenciesMs.length;
  if (answered < settings.minSamples) {
    // After failures the failed round is the evidence; without any, too few answers is simply no evidence.
    if (probes.failed === 0) {
      out.inconclusive.push(
        `${color} p95 latency: ${answered} probe answers this round, fewer than ${WATCH_KEYS.minSamples} (${settings.minSamples})`,
      );
    }
    return;
  }
  const observed = p95(probes.latenciesMs);
  const text = `${color} p95 latency ${Math.round(observed)} ms over ${answered} probes`;
  const limit = `${settings.maxP95LatencyMs} ms (${WATCH_KEYS.maxP95LatencyMs})`;
  if (observed <= settings.maxP95LatencyMs) {
    out.observations.push(`${text} ≤ ${limit}`);
    return;
  }
  out.breaches.push({
    color,
    measure: "p95 latency",
    observed,
    limit: settings.maxP95LatencyMs,
    key: WATCH_KEYS.maxP95LatencyMs,
    atLimit: false,
    text: `${text} > ${limit}`,
  });
}

interface Draft {
  breaches: Breach[];
  inconclusive: string[];
  probeFailure?: string;
  observations: string[];
}

/** Judges one round of samples: breach > inconclusive > probes-failed > healthy. */
export function judgeRound(round: RoundSamples, settings: WatchSettings): RoundJudgement {
  const draft: Draft = { breaches: [], inconclusive: [], observations: [] };
  const reference = errorRateOf(round.stable, settings.minSamples);
  judgeErrorRate(round, reference, settings, draft);
  judgeProbes(round, settings, draft);
  draft.observations.push(
    "rate" in reference ? `stable ${round.stable.color} error rate ${reference.text}` : `stable ${reference.none}`,
  );
  // Without a traffic source the probes give both the error rate and the latency: say their missing data once.
  const inconclusive = [...new Set(draft.inconclusive)];
  const kind: RoundKind =
    draft.breaches.length > 0
      ? "breach"
      : inconclusive.length > 0
        ? "inconclusive"
        : draft.probeFailure !== undefined
          ? "probes-failed"
          : "healthy";
  const { breaches, probeFailure, observations } = draft;
  return { kind, candidate: round.candidate.color, breaches, inconclusive, probeFailure, observations };
}
