/**
 * Exact rationals (components/contracts/ratio.ts): a decimal is read as the
 * decimal it was written as, not the binary fraction nearest to it, and the
 * arithmetic the watch's limits need (a difference of shares in points)
 * loses nothing, where floating point moves values across a limit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareRatios,
  decimalRatio,
  ratio,
  ratioValue,
  scaleRatio,
  subtractRatios,
} from "../../components/contracts/ratio";

/** A decimal of up to 15 significant digits as a stack file or a metric writes it, and its digits and scale. */
const writtenDecimal = fc
  .record({
    digits: fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }),
    scale: fc.integer({ min: -20, max: 20 }),
  })
  .map(({ digits, scale }) => ({ digits, scale, value: Number(`${digits}e${-scale}`) }));

/** digits × 10^-scale, exactly. */
const exactly = ({ digits, scale }: { digits: bigint; scale: number }) =>
  scale >= 0 ? ratio(digits, 10n ** BigInt(scale)) : ratio(digits * 10n ** BigInt(-scale));

describe("exact rationals", () => {
  it("reads a number as the decimal it was written as (0.05 is 5/100, 1e-7 is 1/10^7)", () => {
    fc.assert(
      fc.property(writtenDecimal, (written) => {
        expect(compareRatios(decimalRatio(written.value), exactly(written))).toBe(0);
      }),
      { numRuns: 5000 },
    );
    expect(decimalRatio(0.05)).toEqual(ratio(5, 100));
    expect(decimalRatio(2.5)).toEqual(ratio(25, 10));
    expect(decimalRatio(1.5e21)).toEqual(ratio(1_500_000_000_000_000_000_000n));
  });

  it("orders decimals as their values, also where they differ in the last digit", () => {
    fc.assert(
      fc.property(writtenDecimal, writtenDecimal, (a, b) => {
        const exact = compareRatios(exactly(a), exactly(b));
        expect(compareRatios(decimalRatio(a.value), decimalRatio(b.value))).toBe(exact);
        // `0 - exact`, not `-exact`: equal values compare as 0, never -0.
        expect(compareRatios(decimalRatio(b.value), decimalRatio(a.value))).toBe(0 - exact);
      }),
      { numRuns: 3000 },
    );
  });

  it("a difference of shares in points is exact: c/r − s/q ≤ p/100 compares as c·q·100 − s·r·100 ≤ p·r·q", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.nat(2 ** 40),
        fc.nat(2 ** 40),
        fc.nat(100),
        (r, q, c, s, p) => {
          const lead = scaleRatio(subtractRatios(ratio(c % (r + 1), r), ratio(s % (q + 1), q)), 100);
          const left = 100n * (BigInt(c % (r + 1)) * BigInt(q) - BigInt(s % (q + 1)) * BigInt(r));
          const right = BigInt(p) * BigInt(r) * BigInt(q);
          expect(compareRatios(lead, ratio(p))).toBe(left > right ? 1 : left < right ? -1 : 0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("(7 % − 5 %) × 100 is exactly 2 points, where floating point gives 2.0000000000000004", () => {
    const lead = scaleRatio(subtractRatios(ratio(7, 100), ratio(5, 100)), 100);
    expect((0.07 - 0.05) * 100).toBeGreaterThan(2);
    expect(compareRatios(lead, decimalRatio(2))).toBe(0);
    expect(ratioValue(lead)).toBe(2);
  });

  it("refuses what is not a finite number or a whole count, saying so", () => {
    expect(() => decimalRatio(Number.NaN)).toThrow("NaN is not a finite number");
    expect(() => decimalRatio(Number.POSITIVE_INFINITY)).toThrow("Infinity is not a finite number");
    expect(() => ratio(1.5, 3)).toThrow("a numerator must be a whole number (got 1.5)");
    expect(() => ratio(1, 0)).toThrow("a denominator must not be 0 (numerator 1)");
  });
});
