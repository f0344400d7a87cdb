/**
 * Reading one Prometheus instant-query answer, strictly: the one parser of
 * the gate (in the dynamic-provider host) and the release watch, so that
 * both read an answer alike. Dependency-free.
 *
 * A sample value counts only when written the way Prometheus writes one
 * (Go's strconv.FormatFloat: `120`, `0.05`, `-0`, `1e-07`, `1.5e+21`) and
 * finite: "NaN", "+Inf", "", " ", "0x0", "1e", "0.5abc" are no value (a
 * lenient `Number()` reads the blank ones and "0x0" as 0). The answer must
 * hold exactly one series: none is an empty result, several means the
 * query is not aggregated to one series per color, and taking the first
 * would judge an arbitrary one.
 */
import { EXCERPT_CHARS } from "./body";

/** No value, and why; `empty` marks an empty result (no series at all), which the gate reads as "never counted". */
export interface AnswerProblem {
  readonly problem: string;
  /** The start of the answer, for a failure message. */
  readonly excerpt: string;
  readonly empty?: true;
}

/** The one series' sample value as Prometheus wrote it, or why there is none. */
export type InstantAnswer = { readonly sample: string } | AnswerProblem;

/** A value read from an answer in its unit, or why there is none. */
export type Measured = { readonly value: number } | AnswerProblem;

/**
 * Go's shortest float forms: digits with an optional fraction, and an
 * exponent written with a sign and at least two digits. Nothing else
 * (no blank, no leading '+' or '.', no hex, no "Inf").
 */
const GO_FLOAT = /^(-?\d+(?:\.\d+)?)(?:e([+-]\d{2,}))?$/;

/** Label sets of a few surplus series, for the message. */
const SHOWN_SERIES = 3;

function excerptOf(text: string): string {
  return text.length <= EXCERPT_CHARS
    ? text
    : `${text.slice(0, EXCERPT_CHARS)}… (${text.length - EXCERPT_CHARS} more chars)`;
}

/** The number a sample value stands for, or undefined when it is not a finite value in Prometheus's notation. */
export function parseSampleValue(text: unknown): number | undefined {
  if (typeof text !== "string" || !GO_FLOAT.test(text)) return undefined;
  const value = Number(text);
  // "1e+400" has the form but no finite value; -0 is 0.
  return Number.isFinite(value) ? value + 0 : undefined;
}

function labels(series: unknown): string {
  const metric = (series as { metric?: unknown } | null)?.metric;
  if (typeof metric !== "object" || metric === null) return "{}";
  return `{${Object.entries(metric)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(", ")}}`;
}

/**
 * The sample of the single series of an instant-vector answer
 * (`data.result[0].value[1]` when `data.result` has exactly one element).
 * Every other answer is a problem: an HTTP or Prometheus error, a body that
 * is not JSON, another result type, no series or several, a value that is
 * not a finite number in Prometheus's notation.
 */
export function readInstantAnswer(status: number, body: string): InstantAnswer {
  const excerpt = excerptOf(body);
  let answer: { status?: unknown; error?: unknown; data?: { resultType?: unknown; result?: unknown } };
  try {
    answer = JSON.parse(body);
  } catch {
    return { problem: `HTTP ${status} with a body that is not JSON`, excerpt };
  }
  if (status !== 200 || answer?.status !== "success") {
    return {
      problem: `HTTP ${status}, status ${JSON.stringify(answer?.status)}${answer?.error ? `: ${String(answer.error)}` : ""}`,
      excerpt,
    };
  }
  const { resultType, result } = answer.data ?? {};
  if (resultType !== "vector" || !Array.isArray(result)) {
    return {
      problem: `the answer is a ${JSON.stringify(resultType)} result, not an instant vector (the query must give one series, e.g. sum(...))`,
      excerpt,
    };
  }
  if (result.length === 0) return { problem: "the query returned no series (empty result)", excerpt, empty: true };
  if (result.length > 1) {
    const shown = result.slice(0, SHOWN_SERIES).map(labels).join(", ");
    return {
      problem:
        `the query returned ${result.length} series where one is needed (${shown}${result.length > SHOWN_SERIES ? ", …" : ""}): ` +
        "aggregate it to one series per color, e.g. with sum(...)",
      excerpt,
    };
  }
  const pair = (result[0] as { value?: unknown } | null)?.value;
  const raw = Array.isArray(pair) ? pair[1] : undefined;
  if (parseSampleValue(raw) === undefined) {
    return { problem: `the series has no finite sample value (got ${JSON.stringify(raw) ?? "none"})`, excerpt };
  }
  return { sample: raw as string };
}

/** A count (requests, errors): at least 0, the nearest whole number (increase() extrapolates: 119.97 requests is 120). */
export function countOf(answer: InstantAnswer): Measured {
  if ("problem" in answer) return answer;
  const value = parseSampleValue(answer.sample) as number;
  if (value < 0 || value > Number.MAX_SAFE_INTEGER) {
    return { problem: `the series has the value ${answer.sample}, which is not a count`, excerpt: "" };
  }
  return { value: Math.round(value) };
}

/** A ratio from 0 to 1 (errors / requests). */
export function ratioOf(answer: InstantAnswer): Measured {
  if ("problem" in answer) return answer;
  const value = parseSampleValue(answer.sample) as number;
  if (value < 0 || value > 1) {
    return {
      problem: `the series has the value ${answer.sample}, which is not a ratio (an error rate is errors / requests, from 0 to 1)`,
      excerpt: "",
    };
  }
  return { value };
}

/**
 * A duration in seconds (a histogram_quantile of `_seconds` buckets) in
 * milliseconds, scaled in the decimal text so that "1.005" is exactly 1005:
 * multiplying the float would give 1004.9999999999999.
 */
export function millisecondsOf(answer: InstantAnswer): Measured {
  if ("problem" in answer) return answer;
  const [, mantissa, exponent = "0"] = GO_FLOAT.exec(answer.sample) as RegExpExecArray;
  const value = Number(`${mantissa}e${Number(exponent) + 3}`) + 0;
  if (value < 0 || !Number.isFinite(value)) {
    return { problem: `the series has the value ${answer.sample}, which is not a duration in seconds`, excerpt: "" };
  }
  return { value };
}
