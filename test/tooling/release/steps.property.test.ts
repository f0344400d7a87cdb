/** Property-based tests of shift step planning: any deployed split, any step list, any max step. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../components/platforms";
import { planShift } from "../../../tooling/release/steps";
import { engineValues } from "../../configErrors";

function config(maxStep: number) {
  return parseConfig(
    engineValues({
      "bluegreen:platform": "docker",
      "bluegreen:app": { name: "api" },
      "bluegreen:blue": { version: "1.4.2", image: "api:1.4.2" },
      "bluegreen:green": { version: "1.5.0", image: "api:1.5.0" },
      "bluegreen:traffic": { blue: 100, green: 0 },
      "bluegreen:gate": { maxStep },
    }),
    "dev",
  );
}

const deployed = fc
  .record({ blue: fc.integer({ min: 0, max: 999 }), green: fc.integer({ min: 0, max: 999 }) })
  .filter((w) => w.blue + w.green > 0);
const stepList = fc
  .uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 6 })
  .map((s) => s.sort((a, b) => a - b));

describe("planShift with --split", () => {
  it("moves the newer version up in steps of at most maxStep points, ending at the last requested step", () => {
    const target = "green";
    fc.assert(
      fc.property(deployed, stepList, fc.integer({ min: 1, max: 100 }), (from, steps, maxStep) => {
        const plan = planShift(from, config(maxStep), { target, steps, pauseMs: 0, split: true });
        // Shares as whole numbers over a common total, so that a step a hair above the deployed share counts.
        const total = from.blue + from.green;
        const start = { weight: 100 * from[target], total };
        expect(plan.skipped).toEqual(steps.filter((s) => s * total <= start.weight));
        let previous = start;
        for (const step of plan.steps) {
          const at = step.percent * previous.total;
          expect(at).toBeGreaterThan(previous.weight);
          expect(at - previous.weight).toBeLessThanOrEqual(maxStep * previous.total);
          expect(step.weights[target]).toBe(step.percent);
          previous = { weight: 100 * step.percent, total: 100 };
        }
        const pending = steps.filter((s) => s * total > start.weight);
        expect(plan.steps.at(-1)?.percent).toBe(pending.at(-1));
      }),
    );
  });

  it("never splits a move back to the older color: a rollback is never step-limited", () => {
    fc.assert(
      fc.property(deployed, stepList, fc.integer({ min: 1, max: 100 }), (from, steps, maxStep) => {
        const plan = planShift(from, config(maxStep), { target: "blue", steps, pauseMs: 0, split: false });
        expect(plan.splits).toEqual([]);
        expect(plan.steps.map((s) => s.percent)).toEqual(steps.filter((s) => !plan.skipped.includes(s)));
      }),
    );
  });

  it("without --split refuses exactly the plans that would need a split", () => {
    fc.assert(
      fc.property(deployed, stepList, fc.integer({ min: 1, max: 100 }), (from, steps, maxStep) => {
        const split = planShift(from, config(maxStep), { target: "green", steps, pauseMs: 0, split: true });
        const needsSplit = split.splits.length > 0;
        const attempt = () => planShift(from, config(maxStep), { target: "green", steps, pauseMs: 0, split: false });
        if (needsSplit) expect(attempt).toThrow(/more than bluegreen:gate.maxStep/);
        else expect(attempt().steps).toEqual(split.steps);
      }),
    );
  });
});
