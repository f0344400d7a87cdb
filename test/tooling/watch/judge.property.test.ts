/**
 * Properties of judgeRound over arbitrary samples and settings: every share
 * is judged against its limit exactly (an independent oracle in whole
 * numbers), missing evidence is never healthy, a dead candidate always
 * breaches, a breach names a limit its observed value really crosses, and
 * the limits above the stable color only ever excuse, never condemn.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WatchSettings } from "../../../components/config/watch";
import { HEALTH_CHECK_KEY, judgeRound, WATCH_KEYS } from "../../../tooling/watch/judge";
import type {
  AlarmReading,
  BackendHealth,
  ColorSamples,
  NoData,
  ProbeReading,
  ProbeResult,
  RoundSamples,
  TrafficReading,
  TrafficSourceName,
  UserTraffic,
} from "../../../tooling/watch/samples";
import { prometheus, round, router, settings, users } from "./fixtures";

/** An exact rational in the test's own terms: num / den, whole numbers. */
interface Exact {
  readonly num: bigint;
  readonly den: bigint;
}
const DECIMALS = 4;
const SCALE = 10 ** DECIMALS;
/** A value generated with at most DECIMALS decimals, exactly. */
const exactDecimal = (x: number): Exact => ({ num: BigInt(Math.round(x * SCALE)), den: BigInt(SCALE) });
const exactCount = (count: number, of: number): Exact => ({ num: BigInt(count), den: BigInt(of) });
const above = (a: Exact, b: Exact) => a.num * b.den > b.num * a.den;
/** (a − b) × 100 */
const pointsAbove = (a: Exact, b: Exact): Exact => ({
  num: 100n * (a.num * b.den - b.num * a.den),
  den: a.den * b.den,
});

/** A decimal from 0 to `max` with at most DECIMALS decimals, as a config or Prometheus writes it. */
const decimal = (max: number) =>
  fc
    .integer({ min: 0, max: DECIMALS })
    .chain((d) => fc.integer({ min: 0, max: max * 10 ** d }).map((n) => n / 10 ** d));

const counts = fc.tuple(fc.nat(400), fc.nat(400), fc.nat(400)).map(([a, b, c]) => {
  const [errors5xx, errors4xx, rest] = [a, b, c];
  return { requests: errors5xx + errors4xx + rest, errors5xx, errors4xx };
});

const noData = (source: "router" | "cloudwatch" | "prometheus"): TrafficReading => ({ source, noData: "down" });

const userTraffic: fc.Arbitrary<UserTraffic> = fc
  .record({
    counts,
    p95Ms: fc.oneof(fc.double({ min: 0, max: 5000, noNaN: true }), fc.constant<NoData>({ noData: "no histogram" })),
    source: fc.constantFrom("router", "cloudwatch", "prometheus" as const),
  })
  .map(({ counts: c, p95Ms, source }) => ({ source, ...c, p95Ms }));

/** One source kind per round, as planWatch builds them. */
type Kind = "user" | "rated" | "none";

const trafficOf = (kind: Kind): fc.Arbitrary<TrafficReading | undefined> => {
  switch (kind) {
    case "user":
      return fc.oneof({ weight: 5, arbitrary: userTraffic }, { weight: 1, arbitrary: fc.constant(noData("router")) });
    case "rated":
      return fc.oneof(
        fc
          .record({
            errorRate: fc.oneof(decimal(1), fc.constantFrom(Number.NaN, -0.5, 1.5, Number.POSITIVE_INFINITY)),
            requests: fc.oneof(fc.nat(400), fc.constant<NoData>({ noData: "no count" })),
          })
          .map((r): TrafficReading => ({ source: "prometheus", ...r, query: "q" })),
        fc.constant(noData("prometheus")),
      );
    case "none":
      return fc.constant(undefined);
  }
};

const probeResult: fc.Arbitrary<ProbeResult> = fc.oneof(
  fc
    .record({
      sent: fc.nat(60),
      failedPart: fc.double({ min: 0, max: 1, noNaN: true }),
      timedOutPart: fc.double({ min: 0, max: 1, noNaN: true }),
      pool: fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { minLength: 1, maxLength: 60 }),
      timeoutMs: fc.constantFrom(500, 1000, 2000, 5000),
    })
    .map(({ sent, failedPart, timedOutPart, pool, timeoutMs }) => {
      const failed = Math.floor(sent * failedPart);
      const timedOut = Math.floor(failed * timedOutPart);
      const passed = Array.from({ length: sent - failed }, (_, i) => Math.min(pool[i % pool.length], timeoutMs));
      const latenciesMs = [...passed, ...Array.from({ length: timedOut }, () => timeoutMs)];
      return { sent, failed, latenciesMs, timeoutMs, failures: failed > 0 ? ["t: HTTP 500"] : [] };
    }),
  fc.constant({ noData: "interrupted" }),
);

const backendHealth: fc.Arbitrary<BackendHealth | NoData | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant({ noData: "runtime API down" }),
  fc.tuple(fc.nat(4), fc.nat(4)).map(([a, b]) => ({ healthy: Math.min(a, b), total: Math.max(a, b), detail: "d" })),
);

const colorSamples = (color: "blue" | "green", kind: Kind): fc.Arbitrary<ColorSamples> =>
  fc
    .record({
      traffic: trafficOf(kind),
      probes: fc.option(probeResult, { nil: undefined }),
      backends: backendHealth,
    })
    .map(({ traffic, probes, backends }) => ({
      color,
      ...(traffic === undefined ? {} : { traffic }),
      ...(probes === undefined ? {} : { probes }),
      ...(backends === undefined ? {} : { backends }),
    }));

const alarmStates = ["OK", "ALARM", "INSUFFICIENT_DATA", "MISSING"];
const alarmReadings: fc.Arbitrary<readonly AlarmReading[] | NoData | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant({ noData: "throttled" }),
  fc.array(
    fc.constantFrom(...alarmStates).map((state) => ({ name: `a-${state}`, state, reason: "r" })),
    { maxLength: 3 },
  ),
);

const roundSamples: fc.Arbitrary<RoundSamples> = fc
  .constantFrom<Kind>("user", "rated", "none")
  .chain((kind) =>
    fc.record({ candidate: colorSamples("green", kind), stable: colorSamples("blue", kind), alarms: alarmReadings }),
  )
  .map(({ alarms, ...colors }) => (alarms === undefined ? colors : { ...colors, alarms }));

const watchSettings: fc.Arbitrary<WatchSettings> = fc.record({
  intervalSeconds: fc.constant(60),
  maxErrorRate: decimal(1),
  maxP95LatencyMs: fc.integer({ min: 1, max: 5000 }),
  failedProbeRounds: fc.constant(3),
  minSamples: fc.integer({ min: 1, max: 60 }),
  maxErrorRateAboveStable: fc.option(decimal(100), { nil: undefined }),
  max4xxPointsAboveStable: decimal(100),
  maxInconclusive: fc.constant(5),
  alarms: fc.constant([]),
});

/** A color's error rate as the samples state it, exactly, or undefined when they lack the evidence. */
function evidentRate(c: ColorSamples, minSamples: number): Exact | undefined {
  const t = c.traffic;
  if (t !== undefined) {
    if ("noData" in t) return undefined;
    if ("errors5xx" in t) return t.requests >= minSamples ? exactCount(t.errors5xx, t.requests) : undefined;
    const { errorRate, requests } = t;
    const valid = Number.isFinite(errorRate) && errorRate >= 0 && errorRate <= 1;
    return valid && typeof requests === "number" && requests >= minSamples ? exactDecimal(errorRate) : undefined;
  }
  const p = c.probes;
  if (p === undefined || "noData" in p) return undefined;
  return p.sent >= minSamples ? exactCount(p.failed, p.sent) : undefined;
}

/** A color's 4xx share, exactly, when its source counts 4xx and it had enough requests. */
function evident4xx(c: ColorSamples, minSamples: number): Exact | undefined {
  const t = c.traffic;
  return t !== undefined && "errors5xx" in t && t.requests >= minSamples
    ? exactCount(t.errors4xx, t.requests)
    : undefined;
}

/** Whether the round holds what latency is judged by (or the candidate has nothing that measures it at all). */
function latencyEvident(c: ColorSamples, s: WatchSettings): boolean {
  const t = c.traffic;
  const user = t !== undefined && "errors5xx" in t ? t : undefined;
  if (user !== undefined && user.requests >= s.minSamples && typeof user.p95Ms === "number") return true;
  const p = c.probes;
  if (p === undefined) return user === undefined;
  if ("noData" in p || p.timeoutMs <= s.maxP95LatencyMs) return false;
  return p.latenciesMs.length >= s.minSamples || p.failed > 0;
}

const dead = (c: ColorSamples) => c.backends !== undefined && !("noData" in c.backends) && c.backends.healthy === 0;

/** The alarms' states, when they were read; undefined when none is named. */
const alarmStatesOf = (r: RoundSamples): readonly string[] | "unread" | undefined =>
  r.alarms === undefined ? undefined : "noData" in r.alarms ? "unread" : r.alarms.map((a) => a.state);
const alarmsUnknown = (r: RoundSamples) => {
  const states = alarmStatesOf(r);
  return states === "unread" || (states ?? []).some((state) => state !== "OK" && state !== "ALARM");
};
const alarmFiring = (r: RoundSamples) => {
  const states = alarmStatesOf(r);
  return states !== undefined && states !== "unread" && states.includes("ALARM");
};

describe("judgeRound: exact comparisons", () => {
  /** Requests whose every share has a finite decimal form (2^a·5^b), so limits can sit exactly on a share. */
  const decimalCounts = fc
    .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 4 }))
    .map(([a, b]) => 2 ** a * 5 ** b)
    .filter((requests) => requests >= 1);
  // Each case carries its limit's exact value, the decimal it was written as.
  const onAShare = decimalCounts.chain((requests) =>
    fc
      .nat(requests)
      .map((errors) => ({ requests, errors, limit: errors / requests, exact: exactCount(errors, requests) })),
  );
  const anyLimit = fc.tuple(fc.nat(400), fc.nat(400), decimal(1)).map(([a, b, limit]) => ({
    requests: Math.max(a, b, 1),
    errors: Math.min(a, b),
    limit,
    exact: exactDecimal(limit),
  }));

  /** Counts up to 2^50 whose share is within 1 / requests of a limit of up to 12 decimals: where rounding bites. */
  const nearLimit = fc
    .record({
      digits: fc.integer({ min: 1, max: 12 }),
      numerator: fc.bigInt({ min: 0n, max: 10n ** 12n }),
      requests: fc.integer({ min: 1, max: 2 ** 50 }),
      over: fc.boolean(),
    })
    .map(({ digits, numerator, requests, over }) => {
      const n = numerator % (10n ** BigInt(digits) + 1n);
      const atOrBelow = (n * BigInt(requests)) / 10n ** BigInt(digits);
      const errors = Number(atOrBelow + (over ? 1n : 0n));
      const exact = { num: n, den: 10n ** BigInt(digits) };
      return { requests, errors: Math.min(errors, requests), limit: Number(n) / 10 ** digits, exact };
    });

  it("breaches on the error rate iff errors / requests > maxErrorRate exactly, at the limit never", () => {
    fc.assert(
      fc.property(fc.oneof(onAShare, anyLimit, nearLimit), ({ requests, errors, limit, exact }) => {
        const s = settings({ maxErrorRate: limit, minSamples: 1 });
        const judged = judgeRound(round({ traffic: users(requests, errors, 0, 10) }), s);
        expect(judged.breaches.some((b) => b.measure === "error rate")).toBe(
          above(exactCount(errors, requests), exact),
        );
      }),
      { numRuns: 3000 },
    );
  });

  /** Two colors' counts and the points p by which the candidate's share leads, exactly (a finite decimal). */
  const exactLead = fc
    .record({ r1: decimalCounts, r2: decimalCounts, a: fc.nat(1000), b: fc.nat(1000) })
    .map(({ r1, r2, a, b }) => {
      const [e1, e2] = [a % (r1 + 1), b % (r2 + 1)];
      return { r1, r2, e1, e2, lead: (100 * (e1 * r2 - e2 * r1)) / (r1 * r2) };
    })
    .filter(({ lead }) => lead >= 0);

  it("at exactly p points above the stable color never breaches, just above always does (5xx and 4xx)", () => {
    fc.assert(
      fc.property(exactLead, fc.boolean(), ({ r1, r2, e1, e2, lead }, hair) => {
        const points = hair ? lead - 0.001 : lead;
        fc.pre(points >= 0 && points <= 100);
        const fiveXx = judgeRound(
          round({ traffic: users(r1, e1, 0, 10) }, { traffic: users(r2, e2, 0, 10) }),
          settings({ maxErrorRate: 0, maxErrorRateAboveStable: points, minSamples: 1 }),
        );
        const fourXx = judgeRound(
          round({ traffic: users(r1, 0, e1, 10) }, { traffic: users(r2, 0, e2, 10) }),
          settings({ max4xxPointsAboveStable: points, minSamples: 1 }),
        );
        const breaches = e1 > 0 && hair;
        expect(fiveXx.breaches.some((b) => b.measure === "error rate")).toBe(breaches);
        expect(fourXx.breaches.some((b) => b.measure === "4xx rate")).toBe(breaches);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("judgeRound properties", () => {
  it("no round with missing data (no data, fewer than minSamples, no request count, an alarm's state) is ever healthy", () => {
    fc.assert(
      fc.property(roundSamples, watchSettings, (r, s) => {
        fc.pre(
          evidentRate(r.candidate, s.minSamples) === undefined || !latencyEvident(r.candidate, s) || alarmsUnknown(r),
        );
        expect(judgeRound(r, s).kind).not.toBe("healthy");
      }),
      { numRuns: 3000 },
    );
  });

  it("a dead candidate (no healthy backend) always breaches, whatever else the round holds", () => {
    fc.assert(
      fc.property(roundSamples, watchSettings, fc.integer({ min: 0, max: 20 }), (r, s, total) => {
        const judged = judgeRound(
          { ...r, candidate: { ...r.candidate, backends: { healthy: 0, total, detail: "d" } } },
          s,
        );
        expect(judged.kind).toBe("breach");
        expect(judged.breaches.find((b) => b.measure === "no healthy backend")).toMatchObject({
          observed: total,
          limit: total,
          key: HEALTH_CHECK_KEY,
          atLimit: true,
        });
      }),
      { numRuns: 1000 },
    );
  });

  it("a healthy round's candidate is within every limit, exactly", () => {
    fc.assert(
      fc.property(roundSamples, watchSettings, (r, s) => {
        const judged = judgeRound(r, s);
        fc.pre(judged.kind === "healthy");
        const rate = evidentRate(r.candidate, s.minSamples) as Exact;
        expect(above(rate, exactDecimal(s.maxErrorRate))).toBe(false);
        expect(dead(r.candidate)).toBe(false);
        expect(alarmFiring(r) || alarmsUnknown(r)).toBe(false);
        const own4xx = evident4xx(r.candidate, s.minSamples);
        const stable4xx = evident4xx(r.stable, s.minSamples);
        if (own4xx !== undefined && stable4xx !== undefined) {
          expect(above(pointsAbove(own4xx, stable4xx), exactDecimal(s.max4xxPointsAboveStable))).toBe(false);
        }
        const p = r.candidate.probes;
        if (p !== undefined && !("noData" in p)) expect(p.failed).toBe(0);
      }),
      { numRuns: 1500 },
    );
  });

  it("every breach names a threshold its observed value really crosses, and that value is the samples'", () => {
    fc.assert(
      fc.property(roundSamples, watchSettings, (r, s) => {
        for (const b of judgeRound(r, s).breaches) {
          expect(b.text).toContain(b.key);
          switch (b.measure) {
            case "error rate": {
              const rate = evidentRate(r.candidate, s.minSamples) as Exact;
              expect([b.key, b.limit]).toEqual([WATCH_KEYS.maxErrorRate, s.maxErrorRate]);
              expect(above(rate, exactDecimal(s.maxErrorRate))).toBe(true);
              expect(b.observed).toBeCloseTo(Number(rate.num) / Number(rate.den), 12);
              if (b.aboveStable !== undefined) {
                const reference = evidentRate(r.stable, s.minSamples) as Exact;
                expect(b.aboveStable.key).toBe(WATCH_KEYS.maxErrorRateAboveStable);
                expect(b.aboveStable.limit).toBe(s.maxErrorRateAboveStable);
                expect(above(pointsAbove(rate, reference), exactDecimal(b.aboveStable.limit))).toBe(true);
                expect(b.text).toContain(b.aboveStable.key);
              }
              break;
            }
            case "4xx rate": {
              const own = evident4xx(r.candidate, s.minSamples) as Exact;
              const reference = evident4xx(r.stable, s.minSamples) as Exact;
              expect([b.key, b.limit]).toEqual([WATCH_KEYS.max4xxPointsAboveStable, s.max4xxPointsAboveStable]);
              expect(above(pointsAbove(own, reference), exactDecimal(s.max4xxPointsAboveStable))).toBe(true);
              break;
            }
            case "p95 latency":
              expect([b.key, b.limit]).toEqual([WATCH_KEYS.maxP95LatencyMs, s.maxP95LatencyMs]);
              expect(b.observed).toBeGreaterThan(b.limit);
              break;
            case "no healthy backend":
              expect(dead(r.candidate)).toBe(true);
              break;
            case "alarm":
              expect(alarmFiring(r)).toBe(true);
              expect(b.observed).toBeGreaterThan(b.limit);
              break;
            default:
              throw new Error(`judgeRound never breaches on ${b.measure}`);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("the limits above the stable color never add a breach and never make a round healthy", () => {
    fc.assert(
      fc.property(roundSamples, watchSettings, decimal(100), decimal(100), (r, s, points, more) => {
        const absolute = judgeRound(r, { ...s, maxErrorRateAboveStable: undefined });
        const relative = judgeRound(r, { ...s, maxErrorRateAboveStable: points });
        expect(relative.breaches.length).toBeLessThanOrEqual(absolute.breaches.length);
        expect(relative.kind === "healthy").toBe(absolute.kind === "healthy");
        const looser = judgeRound(r, {
          ...s,
          max4xxPointsAboveStable: Math.min(100, s.max4xxPointsAboveStable + more),
        });
        expect(looser.breaches.length).toBeLessThanOrEqual(judgeRound(r, s).breaches.length);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Each way a color's figures reach the judge; the watch's own probes stand in for what a source lacks. */
const SOURCE_KINDS = ["router log", "CloudWatch", "Prometheus histogram", "Prometheus ratio", "probes only"] as const;
type SourceKind = (typeof SOURCE_KINDS)[number];
const USER_SOURCES: Partial<Record<SourceKind, TrafficSourceName>> = {
  "router log": "router",
  CloudWatch: "cloudwatch",
  "Prometheus histogram": "prometheus",
};
const COUNTING_4XX = SOURCE_KINDS.filter((kind) => USER_SOURCES[kind] !== undefined);

/** What a color's users got this round, in whole counts, and their p95. */
interface Figures {
  readonly requests: number;
  readonly errors5xx: number;
  readonly errors4xx: number;
  readonly p95Ms: number;
}

/**
 * A color's samples from `kind` showing `f`: a source without 4xx drops
 * them; one without a p95 leaves latency to probes cut above the limit.
 */
function seenThrough(kind: SourceKind, f: Figures, s: WatchSettings): Omit<ColorSamples, "color"> {
  const user = USER_SOURCES[kind];
  if (user !== undefined) return { traffic: users(f.requests, f.errors5xx, f.errors4xx, f.p95Ms, user) };
  const failed = kind === "probes only" ? f.errors5xx : 0;
  const probes: ProbeReading = {
    sent: f.requests,
    failed,
    latenciesMs: Array.from({ length: f.requests - failed }, () => f.p95Ms),
    timeoutMs: Math.max(Math.ceil(f.p95Ms), s.maxP95LatencyMs) + 1,
    failures: failed > 0 ? ["t: HTTP 500"] : [],
  };
  if (kind === "probes only") return { probes };
  // Requests are 2^a·5^b, so errors / requests is the finite decimal a ratio query would answer.
  if (kind === "Prometheus ratio") return { traffic: prometheus(f.errors5xx / f.requests, f.requests), probes };
  return { traffic: router(f.errors5xx, f.requests), probes };
}

/** floor(requests × limit), exactly: the most errors within the limit. */
const mostWithin = (requests: number, limit: number) => {
  const { num, den } = exactDecimal(limit);
  return Number((BigInt(requests) * num) / den);
};

/** `e` as the number of its finite decimal form (what a stack file would write), when it has one. */
function asDecimal(e: Exact): number | undefined {
  for (let digits = 0; digits <= 12; digits++) {
    const scaled = e.num * 10n ** BigInt(digits);
    if (scaled % e.den === 0n) return Number(scaled / e.den) / 10 ** digits;
  }
  return undefined;
}

/** Settings with minSamples at most `requests`, so every round below has its evidence. */
const settingsFor = (requests: number) =>
  watchSettings.chain((s) => fc.integer({ min: 1, max: requests }).map((minSamples) => ({ ...s, minSamples })));

/** Requests whose every share is a finite decimal (2^a·5^b), from 1 to 20 000. */
const decimalRequests = fc
  .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 4 }))
  .map(([a, b]) => 2 ** a * 5 ** b);

/** A source kind among `kinds`, a round's requests, and settings whose minSamples they reach. */
const scenario = (kinds: readonly SourceKind[]) =>
  fc
    .record({ kind: fc.constantFrom(...kinds), requests: decimalRequests })
    .chain(({ kind, requests }) => settingsFor(requests).map((s) => ({ kind, requests, s })));

const healthyBackends = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.nat(4))
  .map(([healthy, down]): BackendHealth => ({ healthy, total: healthy + down, detail: "d" }));

describe("judgeRound for every source kind", () => {
  it("judges a round it could not see inconclusive: no data, or fewer requests than minSamples", () => {
    const unseen = scenario(SOURCE_KINDS).chain(({ kind, requests, s }) =>
      fc.record({
        kind: fc.constant(kind),
        s: fc.constant(s),
        figures: fc.record({
          requests: fc.nat(Math.max(requests - 1, 0)),
          errors5xx: fc.constant(0),
          errors4xx: fc.constant(0),
          p95Ms: fc.constant(0),
        }),
        noData: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(unseen, ({ kind, s, figures, noData }) => {
        const few = { ...s, minSamples: Math.max(s.minSamples, figures.requests + 1) };
        const source = USER_SOURCES[kind] ?? (kind === "Prometheus ratio" ? "prometheus" : "router");
        const blind: Omit<ColorSamples, "color"> =
          kind === "probes only"
            ? { probes: { noData: "the round was interrupted" } }
            : { traffic: { source, noData: "no answer" }, probes: { noData: "the round was interrupted" } };
        const samples = noData ? blind : seenThrough(kind, figures, few);
        expect(judgeRound(round(samples, samples), few).kind).toBe("inconclusive");
      }),
      { numRuns: 1500 },
    );
  });

  it("never breaches a candidate within the absolute limits that is identical to the stable color", () => {
    const identical = scenario(SOURCE_KINDS).chain(({ kind, requests, s }) =>
      fc.record({
        kind: fc.constant(kind),
        s: fc.constant(s),
        figures: fc.nat(requests).chain((fewer5xx) => {
          const errors5xx = Math.min(fewer5xx, mostWithin(requests, s.maxErrorRate));
          return fc.record({
            requests: fc.constant(requests),
            errors5xx: fc.constant(errors5xx),
            errors4xx: fc.nat(requests - errors5xx),
            p95Ms: fc.double({ min: 0, max: s.maxP95LatencyMs, noNaN: true }),
          });
        }),
        backends: healthyBackends,
        alarms: fc.option(fc.constant([{ name: "a", state: "OK", reason: "r" }]), { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(identical, ({ kind, s, figures, backends, alarms }) => {
        const samples = { ...seenThrough(kind, figures, s), backends };
        const judged = judgeRound({ ...round(samples, samples), ...(alarms === undefined ? {} : { alarms }) }, s);
        expect(judged.breaches).toEqual([]);
        const probesFail = kind === "probes only" && figures.errors5xx > 0;
        expect(judged.kind).toBe(probesFail ? "probes-failed" : "healthy");
      }),
      { numRuns: 1500 },
    );
  });

  it("breaches on 5xx iff they exceed maxErrorRate (and maxErrorRateAboveStable, when set) by an exact margin", () => {
    const fiveXx = scenario(SOURCE_KINDS).chain(({ kind, requests, s }) =>
      fc.record({
        kind: fc.constant(kind),
        s: fc.constant(s),
        // From the most within the limit: exactly at it, then every margin above it.
        figures: fc
          .integer({ min: Math.min(mostWithin(requests, s.maxErrorRate), requests), max: requests })
          .map((errors5xx) => ({ requests, errors5xx, errors4xx: 0, p95Ms: 0 })),
        line: fc.constantFrom("drawn", "at", "one request below"),
      }),
    );
    fc.assert(
      fc.property(fiveXx, ({ kind, s: drawn, figures, line }) => {
        const { errors5xx, requests } = figures;
        // Two cases in three put the limits on the candidate's share, or one request below it, where rounding bites.
        const onShare = line === "at" ? errors5xx : Math.max(errors5xx - 1, 0);
        const rateLimit = line === "drawn" ? exactDecimal(drawn.maxErrorRate) : exactCount(onShare, requests);
        const drawnPoints = drawn.maxErrorRateAboveStable;
        const pointsLimit =
          drawnPoints === undefined
            ? undefined
            : line === "drawn"
              ? exactDecimal(drawnPoints)
              : pointsAbove(rateLimit, exactCount(0, 1));
        const s: WatchSettings = {
          ...drawn,
          maxErrorRate: asDecimal(rateLimit) as number,
          maxErrorRateAboveStable: pointsLimit === undefined ? undefined : (asDecimal(pointsLimit) as number),
        };
        const stable = { ...figures, errors5xx: 0 };
        const judged = judgeRound(round(seenThrough(kind, figures, s), seenThrough(kind, stable, s)), s);
        const share = exactCount(errors5xx, requests);
        const breaches =
          above(share, rateLimit) &&
          (pointsLimit === undefined || above(pointsAbove(share, exactCount(0, 1)), pointsLimit));
        expect(judged.breaches.some((b) => b.measure === "error rate")).toBe(breaches);
        if (breaches) expect(judged.kind).toBe("breach");
        if (line === "one request below" && errors5xx > 0) expect(breaches).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("breaches on 4xx iff they lead the stable color's by more than max4xxPointsAboveStable, by an exact margin", () => {
    const fourXx = scenario(COUNTING_4XX).chain(({ kind, requests, s }) =>
      fc.record({
        kind: fc.constant(kind),
        s: fc.constant(s),
        candidate: fc.nat(requests).map((errors4xx) => ({ requests, errors5xx: 0, errors4xx, p95Ms: 0 })),
        stable: decimalRequests.chain((stableRequests) =>
          fc.nat(stableRequests).map((errors4xx) => ({ requests: stableRequests, errors5xx: 0, errors4xx, p95Ms: 0 })),
        ),
        line: fc.constantFrom("drawn", "at", "one request below"),
      }),
    );
    fc.assert(
      fc.property(fourXx, ({ kind, s: drawn, candidate, stable, line }) => {
        fc.pre(stable.requests >= drawn.minSamples);
        const share = (errors4xx: number) => exactCount(errors4xx, candidate.requests);
        const stableShare = exactCount(stable.errors4xx, stable.requests);
        const lead = pointsAbove(share(candidate.errors4xx), stableShare);
        // Two cases in three put the limit on the candidate's lead, or one request below it, where rounding bites.
        const onLine = pointsAbove(share(line === "at" ? candidate.errors4xx : candidate.errors4xx - 1), stableShare);
        const useLine = line !== "drawn" && onLine.num >= 0n;
        const limit = useLine ? onLine : exactDecimal(drawn.max4xxPointsAboveStable);
        const s = { ...drawn, max4xxPointsAboveStable: asDecimal(limit) as number };
        const judged = judgeRound(round(seenThrough(kind, candidate, s), seenThrough(kind, stable, s)), s);
        expect(judged.breaches.some((b) => b.measure === "4xx rate")).toBe(above(lead, limit));
        if (useLine) expect(above(lead, limit)).toBe(line === "one request below");
      }),
      { numRuns: 3000 },
    );
  });

  it("breaches on latency iff the p95 (users', else probes') exceeds maxP95LatencyMs, by any margin", () => {
    const slow = scenario(SOURCE_KINDS).chain(({ kind, requests, s }) =>
      fc.record({
        kind: fc.constant(kind),
        s: fc.constant(s),
        p95Ms: fc.oneof(
          fc.constant(s.maxP95LatencyMs),
          fc.double({ min: s.maxP95LatencyMs, max: s.maxP95LatencyMs + 1, noNaN: true }),
          fc.double({ min: 0, max: 2 * s.maxP95LatencyMs, noNaN: true }),
        ),
        requests: fc.constant(requests),
      }),
    );
    fc.assert(
      fc.property(slow, ({ kind, s, p95Ms, requests }) => {
        const figures = { requests, errors5xx: 0, errors4xx: 0, p95Ms };
        const judged = judgeRound(round(seenThrough(kind, figures, s), seenThrough(kind, figures, s)), s);
        expect(judged.breaches.some((b) => b.measure === "p95 latency")).toBe(p95Ms > s.maxP95LatencyMs);
        expect(judged.kind).toBe(p95Ms > s.maxP95LatencyMs ? "breach" : "healthy");
      }),
      { numRuns: 2000 },
    );
  });
});
