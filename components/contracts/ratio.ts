/**
 * Exact rationals for the comparisons of shares and thresholds that involve
 * arithmetic (a count over a count, a difference of two rates in points): a
 * config decimal is read as the rational of its shortest decimal form, what
 * the user wrote (0.05 is 5/100, 2.5 points are 25/10), and every comparison
 * cross-multiplies whole numbers in BigInt. Floating point would move values
 * across a limit: (0.07 − 0.05) × 100 is 2.0000000000000004, so "at most 2
 * points above" breached at exactly 2. Dependency-free.
 */

/** numerator / denominator, both whole, the denominator above 0. */
export interface Ratio {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

function whole(value: number | bigint, what: string): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a whole number (got ${value})`);
  return BigInt(value);
}

/** `numerator / denominator` of whole numbers (counts: 12 failed of 169); throws on a fraction or a 0 denominator. */
export function ratio(numerator: number | bigint, denominator: number | bigint = 1): Ratio {
  const n = whole(numerator, "a numerator");
  const d = whole(denominator, "a denominator");
  if (d === 0n) throw new RangeError(`a denominator must not be 0 (numerator ${numerator})`);
  return d < 0n ? { numerator: -n, denominator: -d } : { numerator: n, denominator: d };
}

/**
 * The exact value of `value`'s shortest decimal form (`String(value)`): the
 * decimal a config or a Prometheus answer wrote, not the binary fraction
 * nearest to it. 0.05 → 5/100, 1e-7 → 1/10^7, 1.5e+21 → 15·10^20.
 */
export function decimalRatio(value: number): Ratio {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (match === null) throw new RangeError(`${value} is not a finite number`);
  const [, sign, integer, fraction = "", exponentText = "0"] = match;
  const exponent = Number(exponentText) - fraction.length;
  const digits = BigInt(`${sign}${integer}${fraction}`);
  return exponent >= 0 ? ratio(digits * 10n ** BigInt(exponent)) : ratio(digits, 10n ** BigInt(-exponent));
}

/** Sign of a − b: −1, 0 or 1. */
export function compareRatios(a: Ratio, b: Ratio): -1 | 0 | 1 {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left > right ? 1 : left < right ? -1 : 0;
}

/** a − b. */
export function subtractRatios(a: Ratio, b: Ratio): Ratio {
  return {
    numerator: a.numerator * b.denominator - b.numerator * a.denominator,
    denominator: a.denominator * b.denominator,
  };
}

/** a × `factor` (a whole number: 100 turns a rate into percentage points). */
export function scaleRatio(a: Ratio, factor: number | bigint): Ratio {
  return { numerator: a.numerator * whole(factor, "a factor"), denominator: a.denominator };
}

/** The nearest number, for messages and reports only (never for decisions). */
export function ratioValue(a: Ratio): number {
  return Number(a.numerator) / Number(a.denominator);
}
