/** Property-based tests of the traffic arithmetic: every pair of weights, not a few examples. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_TRAFFIC_WEIGHT } from "../components/contracts/limits";
import { trafficPlan } from "../components/traffic";

const weights = fc
  .record({
    blue: fc.integer({ min: 0, max: MAX_TRAFFIC_WEIGHT }),
    green: fc.integer({ min: 0, max: MAX_TRAFFIC_WEIGHT }),
  })
  .filter((w) => w.blue + w.green > 0);

describe("trafficPlan", () => {
  it("gives whole shares that sum to exactly 100, each less than one point from the exact share", () => {
    fc.assert(
      fc.property(weights, (w) => {
        const { percent, total } = trafficPlan(w);
        expect(percent.blue + percent.green).toBe(100);
        for (const color of ["blue", "green"] as const) {
          expect(Number.isInteger(percent[color])).toBe(true);
          expect(Math.abs(percent[color] - (w[color] * 100) / total)).toBeLessThan(1);
        }
      }),
    );
  });

  it("gives 0 % only to a color at weight 0 unless its exact share is below half a point, and names the larger weight primary", () => {
    fc.assert(
      fc.property(weights, (w) => {
        const { percent, primary } = trafficPlan(w);
        if (w.blue === 0) expect(percent.blue).toBe(0);
        if (w.green === 0) expect(percent.green).toBe(0);
        expect(primary).toBe(w.green > w.blue ? "green" : "blue");
      }),
    );
  });
});
