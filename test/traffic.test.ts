import { describe, expect, it } from "vitest";
import { formatSplit, trafficChanges, trafficPlan } from "../components/traffic";

describe("trafficPlan", () => {
  it("normalises weights to percentages that sum to 100", () => {
    expect(trafficPlan({ blue: 1, green: 2 }).percent).toEqual({ blue: 33, green: 67 });
    expect(trafficPlan({ blue: 999, green: 1 }).percent).toEqual({ blue: 100, green: 0 });
    expect(trafficPlan({ blue: 90, green: 10 }).percent).toEqual({ blue: 90, green: 10 });
    expect(trafficPlan({ blue: 1, green: 1 }).percent).toEqual({ blue: 50, green: 50 });
  });

  it("keeps the sum at exactly 100 for every pair of weights up to 200", () => {
    for (let blue = 0; blue <= 200; blue++) {
      for (let green = blue === 0 ? 1 : 0; green <= 200; green += 7) {
        const { percent } = trafficPlan({ blue, green });
        expect(percent.blue + percent.green).toBe(100);
      }
    }
  });

  it("names the primary color (blue on a tie)", () => {
    expect(trafficPlan({ blue: 10, green: 90 }).primary).toBe("green");
    expect(trafficPlan({ blue: 50, green: 50 }).primary).toBe("blue");
  });

  it("rejects weights no router accepts", () => {
    expect(() => trafficPlan({ blue: 0, green: 0 })).toThrow("at least one color needs a weight above 0");
    expect(() => trafficPlan({ blue: 1.5, green: 0 })).toThrow(
      "weights must be whole numbers >= 0 (got blue=1.5, green=0)",
    );
  });
});

describe("trafficChanges", () => {
  it("reports each color's move in percentage points", () => {
    expect(trafficChanges({ blue: 90, green: 10 }, { blue: 50, green: 50 })).toEqual([
      { color: "blue", change: "decrease", fromPercent: 90, toPercent: 50 },
      { color: "green", change: "increase", fromPercent: 10, toPercent: 50 },
    ]);
  });

  it("judges direction exactly, where rounded percents would hide it", () => {
    // 1 of 300 -> 1 of 299: both round to 0 %, yet green's share grows.
    expect(trafficChanges({ blue: 299, green: 1 }, { blue: 298, green: 1 }).map((c) => c.change)).toEqual([
      "decrease",
      "increase",
    ]);
  });

  it("sees a rescale with the same shares as unchanged", () => {
    expect(trafficChanges({ blue: 9, green: 1 }, { blue: 900, green: 100 }).map((c) => c.change)).toEqual([
      "unchanged",
      "unchanged",
    ]);
  });

  it("formats a split for humans", () => {
    expect(formatSplit({ blue: 3, green: 1 })).toBe("blue 75% / green 25%");
  });
});
