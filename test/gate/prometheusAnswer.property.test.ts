/**
 * The one Prometheus answer parser (components/gate/prometheusAnswer.ts),
 * shared by the gate and the release watch: every value Prometheus can
 * write is read exactly, and everything else (non-finite, blank, hex,
 * padded, out of range, several series) is no data, never 0.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  countOf,
  InstantAnswer,
  millisecondsOf,
  parseSampleValue,
  ratioOf,
  readInstantAnswer,
} from "../../components/gate/prometheusAnswer";

/**
 * How Prometheus writes a sample (util/jsonutil.MarshalFloat): Go's
 * shortest form, exponent notation below 1e-6 and from 1e21 with a signed
 * exponent of at least two digits. JavaScript switches to exponents at the
 * same bounds, so only the exponent's padding differs.
 */
function prometheusText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (Object.is(value, -0)) return "-0";
  return String(value).replace(/e([+-])(\d)$/, "e$10$2");
}

const answer = (result: unknown[], resultType = "vector") =>
  JSON.stringify({ status: "success", data: { resultType, result } });
const oneSeries = (value: unknown) => answer([{ metric: { color: "green" }, value: [1700000000, value] }]);
const read = (value: unknown) => readInstantAnswer(200, oneSeries(value));
const hasNoValue = (answered: InstantAnswer | { value: number } | { problem: string }) => "problem" in answered;

/** What a broken exporter, proxy or query can put where a sample belongs; a lenient Number() reads several as 0. */
const MALFORMED = [
  "",
  " ",
  "\t",
  "0x0",
  "0b0",
  "0o0",
  "NaN",
  "+Inf",
  "-Inf",
  "Inf",
  "Infinity",
  "1e400",
  "-1e400",
  "1e",
  "1e+",
  "1e5",
  ".5",
  "5.",
  "+1",
  " 1",
  "1 ",
  "1,5",
  "1_000",
  "0.5abc",
  "null",
  "true",
];

describe("parseSampleValue", () => {
  it("reads every finite value as Prometheus writes it, exactly", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(parseSampleValue(prometheusText(value))).toBe(value + 0);
      }),
      { numRuns: 2000 },
    );
  });

  it("GIVEN a non-finite value WHEN read THEN there is no value", () => {
    for (const value of [NaN, Infinity, -Infinity]) expect(parseSampleValue(prometheusText(value))).toBeUndefined();
  });

  it.each(MALFORMED.map((text) => [JSON.stringify(text), text]))(
    "GIVEN %s WHEN read THEN there is no value (never 0)",
    (_shown, text) => {
      expect(parseSampleValue(text)).toBeUndefined();
    },
  );

  it("GIVEN any text WHEN read THEN it is no value or a finite number that Number() agrees with", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...MALFORMED)), (text) => {
        const value = parseSampleValue(text);
        if (value !== undefined) {
          expect(Number.isFinite(value)).toBe(true);
          expect(value).toBe(Number(text) + 0);
          expect(text.trim()).toBe(text);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("GIVEN a valid value with anything around it WHEN read THEN there is no value", () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom(" ", "\n", "x", "+", "0x", "%", "e"),
        fc.boolean(),
        (value, extra, before) => {
          const text = prometheusText(value);
          expect(parseSampleValue(before ? `${extra}${text}` : `${text}${extra}`)).toBeUndefined();
        },
      ),
    );
  });

  it("GIVEN a value that is not a string (a JSON number, null) WHEN read THEN there is no value", () => {
    for (const value of [0, 0.5, null, undefined, true, [], {}]) expect(parseSampleValue(value)).toBeUndefined();
  });
});

describe("readInstantAnswer", () => {
  it("GIVEN one series with any malformed or non-finite value WHEN read THEN it is a problem, never a count, ratio or duration", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(...MALFORMED),
          fc.string().filter((s) => parseSampleValue(s) === undefined),
        ),
        (text) => {
          const answered = read(text);
          expect(answered).toMatchObject({ problem: expect.stringContaining("no finite sample value") });
          expect([countOf(answered), ratioOf(answered), millisecondsOf(answered)].every(hasNoValue)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("GIVEN several series WHEN read THEN it is a problem naming how many and their labels, whatever their values", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 2, maxLength: 8 }), (values) => {
        const result = values.map((value, i) => ({ metric: { pod: `web-${i}` }, value: [1700000000, String(value)] }));
        const answered = readInstantAnswer(200, answer(result));
        expect(answered).toMatchObject({
          problem: expect.stringContaining(
            `the query returned ${values.length} series where one is needed ({pod="web-0"}`,
          ),
        });
        expect(countOf(answered)).toHaveProperty("problem");
      }),
    );
  });

  it("GIVEN no series WHEN read THEN it is an empty result, marked as such", () => {
    expect(readInstantAnswer(200, answer([]))).toEqual({
      problem: "the query returned no series (empty result)",
      excerpt: answer([]),
      empty: true,
    });
  });

  it("GIVEN a scalar, a matrix, an error or a body that is not JSON WHEN read THEN each is a problem saying which", () => {
    expect(readInstantAnswer(200, answer([1700000000, "1"], "scalar"))).toMatchObject({
      problem: expect.stringContaining('a "scalar" result, not an instant vector'),
    });
    expect(readInstantAnswer(200, answer([], "matrix"))).toMatchObject({
      problem: expect.stringContaining('a "matrix" result'),
    });
    expect(
      readInstantAnswer(
        400,
        JSON.stringify({ status: "error", errorType: "bad_data", error: "parse error at char 3" }),
      ),
    ).toMatchObject({ problem: 'HTTP 400, status "error": parse error at char 3' });
    expect(readInstantAnswer(502, "<html>Bad gateway</html>")).toEqual({
      problem: "HTTP 502 with a body that is not JSON",
      excerpt: "<html>Bad gateway</html>",
    });
    expect(readInstantAnswer(200, "null")).toMatchObject({ problem: "HTTP 200, status undefined" });
  });

  it("keeps short answers whole and cuts long ones at 200 chars, saying how much was cut", () => {
    expect(readInstantAnswer(502, "short")).toMatchObject({ excerpt: "short" });
    expect(readInstantAnswer(502, "x".repeat(250))).toMatchObject({ excerpt: `${"x".repeat(200)}… (50 more chars)` });
  });
});

describe("countOf, ratioOf, millisecondsOf", () => {
  it("GIVEN a negative value WHEN read as a count, ratio or duration THEN it is no data", () => {
    fc.assert(
      fc.property(fc.double({ max: -Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }), (value) => {
        const answered = read(prometheusText(value));
        expect([countOf(answered), ratioOf(answered), millisecondsOf(answered)].every(hasNoValue)).toBe(true);
      }),
    );
  });

  it("GIVEN a count WHEN read THEN it is the nearest whole number (increase() extrapolates), at least 0", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), (value) => {
        expect(countOf(read(prometheusText(value)))).toEqual({ value: Math.round(value) });
      }),
    );
    expect(countOf(read("-0"))).toEqual({ value: 0 });
    expect(countOf(read("1e+300"))).toHaveProperty("problem", expect.stringContaining("which is not a count"));
  });

  it("GIVEN a ratio WHEN read THEN only 0..1 is one", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (value) => {
        expect(ratioOf(read(prometheusText(value)))).toEqual({ value: value + 0 });
      }),
    );
    expect(ratioOf(read("1.0000001"))).toHaveProperty("problem", expect.stringContaining("which is not a ratio"));
  });

  it("GIVEN seconds with up to 3 decimals WHEN read as milliseconds THEN the figure is exact (1.005 s is 1005 ms)", () => {
    fc.assert(
      fc.property(fc.nat(10_000_000), (ms) => {
        expect(millisecondsOf(read(prometheusText(ms / 1000)))).toEqual({ value: ms });
      }),
    );
    expect(millisecondsOf(read("1e-07"))).toEqual({ value: 0.0001 });
  });
});
