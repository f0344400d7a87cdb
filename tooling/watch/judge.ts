/**
 * Judging one analysis round of a holding release, pure: what the
 * candidate's users got (5xx and unanswered requests, 4xx against the stable
 * color's, the p95 of their requests), whether it has a backend left, and
 * whether its probes failed, against `bluegreen:watch`. Missing evidence (a
 * source without data, fewer than `minSamples` requests, a NaN) makes the
 * round inconclusive, never healthy: treating no data as success is the most
 * reported failure of canary tools. A candidate with no healthy backend is a
 * breach in the round it is seen, whatever else the round holds: its users'
 * requests may be going elsewhere or nowhere, so its counts prove nothing.
 * So is a CloudWatch alarm of `watch.alarms` in ALARM (one whose state is
 * unknown makes the round inconclusive).
 *
 * The error rate comes from the stack's traffic source (the router, CloudWatch
 * or Prometheus) when it has one, else from the watch's own probes (failed of
 * sent); the p95 from the source when it gives one, else from the probes,
 * whose requests are cut at `gate.requestTimeoutMs` (a config rule keeps it
 * above `maxP95LatencyMs`). With `maxErrorRateAboveStable`, a candidate over
 * `maxErrorRate` breaches only if its rate is also more than that many points
 * above the stable color's; when it is not, both colors fail alike (a shared
 * dependency, not the release) and the round is inconclusive. When the
 * stable color has no rate to compare, the absolute limit alone applies.
 *
 * Every share and limit is compared exactly (contracts/ratio.ts): a count
 * over a count against the limit's decimal as written.
 */
import type { Color } from "../../components/contracts/colors";
import type { WatchSettings } from "../../components/config/watch";
import { compareRatios, decimalRatio, ratioValue, scaleRatio, subtractRatios } from "../../components/contracts/ratio";
import { p95 } from "../../components/gate/tally";
import {
  errorRateOf,
  figures,
  fourXxShareOf,
  percent,
  points,
  PROBE_TIMEOUT_KEY,
  Share,
  userLatencyOf,
  WATCH_KEYS,
} from "./evidence";
import { judgeAlarms, judgeBackends } from "./outright";
import type { Breach, Draft } from "./findings";
import { hasNoData, RoundSamples } from "./samples";

export { errorRateOf, HEALTH_CHECK_KEY, percent, WATCH_KEYS } from "./evidence";
export type { Breach } from "./findings";

export type RoundKind = "healthy" | "probes-failed" | "inconclusive" | "breach";

export interface RoundJudgement {
  readonly kind: RoundKind;
  /** The color judged. */
  readonly candidate: Color;
  readonly breaches: readonly Breach[];
  /** Why the round proves nothing either way: what had no data, or a failure shared with the stable color. */
  readonly inconclusive: readonly string[];
  /** The candidate's probes failed this round (the fold counts these rounds in a row). */
  readonly probeFailure?: string;
  /** What was measured within its limits, then each color's figures, for the log. */
  readonly observations: readonly string[];
}

function judgeErrorRate(round: RoundSamples, reference: Share, settings: WatchSettings, out: Draft): void {
  const { candidate, stable } = round;
  const own = errorRateOf(candidate, settings.minSamples);
  if ("none" in own) {
    out.inconclusive.push(own.none);
    return;
  }
  const head = `${candidate.color} error rate ${own.text}`;
  const limit = `${percent(settings.maxErrorRate)} (${WATCH_KEYS.maxErrorRate})`;
  if (compareRatios(own.rate, decimalRatio(settings.maxErrorRate)) <= 0) {
    out.observations.push(`${head} ≤ ${limit}`);
    return;
  }
  const base = {
    color: candidate.color,
    measure: "error rate",
    observed: ratioValue(own.rate),
    limit: settings.maxErrorRate,
    key: WATCH_KEYS.maxErrorRate,
    atLimit: false,
  } as const;
  const allowed = settings.maxErrorRateAboveStable;
  if (allowed === undefined) {
    out.breaches.push({ ...base, text: `${head} > ${limit}` });
    return;
  }
  if ("none" in reference) {
    const text = `${head} > ${limit}; ${stable.color} has no error rate to compare (${reference.none}), so ${WATCH_KEYS.maxErrorRateAboveStable} cannot excuse it`;
    out.breaches.push({ ...base, text });
    return;
  }
  const lead = scaleRatio(subtractRatios(own.rate, reference.rate), 100);
  const leadText = `${points(lead)} points above ${stable.color}'s ${percent(ratioValue(reference.rate))}`;
  const leadLimit = `${allowed} (${WATCH_KEYS.maxErrorRateAboveStable})`;
  if (compareRatios(lead, decimalRatio(allowed)) > 0) {
    const aboveStable = {
      observed: ratioValue(lead),
      limit: allowed,
      key: WATCH_KEYS.maxErrorRateAboveStable,
    } as const;
    out.breaches.push({ ...base, aboveStable, text: `${head} > ${limit}, and ${leadText} > ${leadLimit}` });
    return;
  }
  out.inconclusive.push(
    `${head} > ${limit}, but only ${leadText} (at most ${leadLimit}): both colors fail alike, which points at a shared dependency rather than the release`,
  );
}

/**
 * 4xx are judged against the stable color's share: some are normal (bots,
 * expired sessions) and alike on both colors; a broken route or auth is not.
 * Without a stable share to compare (no requests at 100 %), they are not
 * judged: the error rate and latency still are.
 */
function judge4xx(round: RoundSamples, settings: WatchSettings, out: Draft): void {
  const { candidate, stable } = round;
  const own = fourXxShareOf(candidate, settings.minSamples);
  // Too few requests or counts that cannot be true: the error rate already made the round inconclusive.
  if (own === undefined || "none" in own) return;
  const head = `${candidate.color} 4xx rate ${own.text}`;
  const reference = fourXxShareOf(stable, settings.minSamples) ?? {
    none: `its traffic source counts no 4xx`,
  };
  if ("none" in reference) {
    out.observations.push(`${head}: not judged, ${stable.color} has no 4xx rate to compare (${reference.none})`);
    return;
  }
  const allowed = settings.max4xxPointsAboveStable;
  const lead = scaleRatio(subtractRatios(own.rate, reference.rate), 100);
  const text = `${head}, ${points(lead)} points above ${stable.color}'s ${reference.text}`;
  const limit = `${allowed} (${WATCH_KEYS.max4xxPointsAboveStable})`;
  if (compareRatios(lead, decimalRatio(allowed)) <= 0) {
    out.observations.push(`${text} ≤ ${limit}`);
    return;
  }
  out.breaches.push({
    color: candidate.color,
    measure: "4xx rate",
    observed: ratioValue(lead),
    limit: allowed,
    key: WATCH_KEYS.max4xxPointsAboveStable,
    atLimit: false,
    text: `${text} > ${limit}`,
  });
}

function judgeLatency(round: RoundSamples, settings: WatchSettings, out: Draft): void {
  const { color, probes } = round.candidate;
  const limitMs = settings.maxP95LatencyMs;
  const limit = `${limitMs} ms (${WATCH_KEYS.maxP95LatencyMs})`;
  const judge = (observed: number, over: string) => {
    const text = `${color} p95 latency ${Math.round(observed)} ms over ${over}`;
    if (observed <= limitMs) {
      out.observations.push(`${text} ≤ ${limit}`);
      return;
    }
    const breach = { measure: "p95 latency", observed, limit: limitMs, atLimit: false } as const;
    out.breaches.push({ color, ...breach, key: WATCH_KEYS.maxP95LatencyMs, text: `${text} > ${limit}` });
  };
  const user = userLatencyOf(round.candidate, settings.minSamples);
  if (user !== undefined && "p95Ms" in user) {
    judge(user.p95Ms, user.over);
    return;
  }
  // No p95 of user requests this round: the probes', when they can show one above the limit.
  if (probes === undefined) {
    if (user === undefined) out.observations.push(`${color} has no probe URL: latency and probe rounds not judged`);
    else out.inconclusive.push(user.none);
    return;
  }
  if (hasNoData(probes)) {
    out.inconclusive.push(`${color} probes: ${probes.noData}`);
    return;
  }
  if (probes.timeoutMs <= limitMs) {
    out.inconclusive.push(
      `${color} p95 latency: ${user === undefined ? "" : `${user.none}; `}the probes are cut at ${probes.timeoutMs} ms (${PROBE_TIMEOUT_KEY}), not above ${limit}, so they cannot show a p95 above it`,
    );
    return;
  }
  const timed = probes.latenciesMs.length;
  if (timed >= settings.minSamples) {
    judge(p95(probes.latenciesMs), `${timed} probes`);
    return;
  }
  // After failures the failed round is the evidence; without any, too few timings is simply no evidence.
  if (probes.failed === 0) {
    out.inconclusive.push(
      `${color} p95 latency: ${timed} probe answers this round, fewer than ${WATCH_KEYS.minSamples} (${settings.minSamples})`,
    );
  }
}

function judgeProbeFailures(round: RoundSamples, out: Draft): void {
  const { color, probes } = round.candidate;
  if (probes !== undefined && !hasNoData(probes) && probes.failed > 0) {
    out.probeFailure = `${color} probes: ${probes.failed} of ${probes.sent} failed: ${probes.failures.join("; ")}`;
  }
}

/** Judges one round of samples: breach > inconclusive > probes-failed > healthy. */
export function judgeRound(round: RoundSamples, settings: WatchSettings): RoundJudgement {
  const draft: Draft = { breaches: [], inconclusive: [], observations: [] };
  judgeBackends(round, draft);
  judgeAlarms(round, draft);
  judgeErrorRate(round, errorRateOf(round.stable, settings.minSamples), settings, draft);
  judge4xx(round, settings, draft);
  judgeLatency(round, settings, draft);
  judgeProbeFailures(round, draft);
  draft.observations.push(figures(round.candidate), figures(round.stable));
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
