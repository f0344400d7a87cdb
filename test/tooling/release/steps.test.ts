import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../components/platforms";
import { parseShiftArgs } from "../../../tooling/release/shiftArgs";
import {
  formatDuration,
  parseDuration,
  parseSteps,
  planShift,
  ShiftPlanError,
  trafficValues,
  weightsFor,
} from "../../../tooling/release/steps";
import { applyConfigPaths } from "../../../tooling/engine/configPaths";
import { readStackConfig } from "../../../tooling/engine/stackFiles";

const staging = parseConfig(readStackConfig("staging").values, "staging"); // gate.maxStep 50
const production = parseConfig(readStackConfig("production").values, "production"); // gate.maxStep 25
const request = { target: "green" as const, steps: [10, 25, 50, 100], pauseMs: 0, split: false };

describe("parseSteps / parseDuration", () => {
  it("reads increasing whole percentages, and `approve` before the step it holds", () => {
    expect(parseSteps("10,25, 50,100")).toEqual({ steps: [10, 25, 50, 100], approvals: [] });
    expect(parseSteps("approve,10,25,approve,50,100")).toEqual({ steps: [10, 25, 50, 100], approvals: [10, 50] });
  });

  const bad = (text: string, part: string) =>
    `--steps "${text}": "${part}" is not a whole percentage from 1 to 100 or \`approve\`; give e.g. --steps 10,25,approve,50,100`;
  it.each([
    ["10,0,50", bad("10,0,50", "0")],
    ["10,12.5", bad("10,12.5", "12.5")],
    ["10,150", bad("10,150", "150")],
    ["10,aprove,50", bad("10,aprove,50", "aprove")],
    ["50,25,100", "--steps 50,25,100: 25 follows 50; steps must increase, e.g. --steps 10,25,50,100"],
    [
      "10,100,approve",
      "--steps 10,100,approve: `approve` must come before a step (it holds before that step until `npm run shift -- <stack> --continue`), e.g. --steps 10,25,approve,50,100",
    ],
    [
      "10,approve,approve,100",
      "--steps 10,approve,approve,100: `approve` must come before a step (it holds before that step until `npm run shift -- <stack> --continue`), e.g. --steps 10,25,approve,50,100",
    ],
  ])("rejects %s", (text, message) => {
    expect(() => parseSteps(text)).toThrow(new ShiftPlanError(message));
  });

  it.each([
    ["5m", 300_000],
    ["90s", 90_000],
    ["1h", 3_600_000],
    ["1500ms", 1500],
    ["0", 0],
  ])("reads the pause %s as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("rejects a pause without a unit", () => {
    expect(() => parseDuration("5")).toThrow(
      '--pause "5" is not a duration; give a number with a unit: 30s, 5m, 1h (or 0)',
    );
  });

  it.each([
    [0, "0s"],
    [65_000, "1m05s"],
    [300_000, "5m00s"],
    [3_780_000, "1h03m"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("planShift", () => {
  it("GIVEN green at 10 % WHEN shifting 10,25,50,100 THEN skips the reached step and plans weights of total 100", () => {
    const plan = planShift({ blue: 90, green: 10 }, staging, request);
    expect(plan.skipped).toEqual([10]);
    expect(plan.steps).toEqual([
      { percent: 25, weights: { blue: 75, green: 25 }, approval: false },
      { percent: 50, weights: { blue: 50, green: 50 }, approval: false },
      { percent: 100, weights: { blue: 0, green: 100 }, approval: false },
    ]);
    expect(plan.splits).toEqual([]);
  });

  it("holds an approval before the step it names, before the first part of a split one, and drops it once reached", () => {
    const production = parseConfig(readStackConfig("production").values, "production");
    const plan = planShift({ blue: 90, green: 10 }, production, {
      ...request,
      steps: [10, 25, 75, 100],
      approvals: [10, 75],
      split: true,
    });
    expect(plan.steps.map((step) => [step.percent, step.approval])).toEqual([
      [25, false],
      [50, true],
      [75, false],
      [100, false],
    ]);
  });

  it("measures the reached share exactly, whatever the deployed total (900/100 is 10 %)", () => {
    expect(planShift({ blue: 900, green: 100 }, staging, request).skipped).toEqual([10]);
    expect(planShift({ blue: 2, green: 1 }, staging, request).skipped).toEqual([10, 25]); // 33.3 %
  });

  it("plans nothing when the target already has every requested share", () => {
    const plan = planShift({ blue: 0, green: 1 }, staging, request);
    expect(plan.steps).toEqual([]);
    expect(plan.skipped).toEqual([10, 25, 50, 100]);
  });

  it("refuses steps larger than gate.maxStep, naming each and the steps that would work", () => {
    expect(() => planShift({ blue: 100, green: 0 }, production, request)).toThrow(
      new ShiftPlanError(
        "50 -> 100 (+50 points) moves more than bluegreen:gate.maxStep (25 points per update), so the gate would block it. " +
          "Use --steps 10,25,50,75,100, or add --split to insert the intermediate steps.",
      ),
    );
    expect(() => planShift({ blue: 100, green: 0 }, production, { ...request, steps: [40, 100] })).toThrow(
      "0 -> 40 (+40 points), 40 -> 100 (+60 points) move more than bluegreen:gate.maxStep (25 points per update), so the gate would block them. " +
        "Use --steps 25,40,65,90,100, or add --split to insert the intermediate steps.",
    );
  });

  it("splits large steps into maxStep-sized ones with --split, and says which", () => {
    const plan = planShift({ blue: 100, green: 0 }, production, { ...request, split: true });
    expect(plan.steps.map((s) => s.percent)).toEqual([10, 25, 50, 75, 100]);
    expect(plan.splits).toEqual(["50 -> 100 (+50 points) split into 75, 100 (gate.maxStep 25)"]);
  });

  it("splits from a fractional deployed share without exceeding maxStep", () => {
    // green has 1/3 = 33.33 %: 33.33 -> 58 gains 24.67 points, within 25.
    const plan = planShift({ blue: 2, green: 1 }, production, { ...request, steps: [100], split: true });
    expect(plan.steps.map((s) => s.percent)).toEqual([58, 83, 100]);
  });

  it("allows any step when gate.allowLargeStep is set", () => {
    const allow = { ...production, gate: { ...production.gate, allowLargeStep: true } };
    expect(planShift({ blue: 100, green: 0 }, allow, { ...request, steps: [100] }).steps.map((s) => s.percent)).toEqual(
      [100],
    );
  });
});

describe("trafficValues", () => {
  it("sets the weights and leaves traffic.rollback alone: a move back to a verified color needs no flag", () => {
    expect(trafficValues(weightsFor("green", 25))).toEqual({
      "bluegreen:traffic.blue": "75",
      "bluegreen:traffic.green": "25",
    });
    expect(trafficValues({ blue: 90, green: 10 })).toEqual({
      "bluegreen:traffic.blue": "90",
      "bluegreen:traffic.green": "10",
    });
  });
});

describe("applyConfigPaths", () => {
  it("sets nested values typed like `pulumi config set --path`, keeping the other fields", () => {
    const raw = { "bluegreen:traffic": JSON.stringify({ blue: 90, green: 10, stickinessSeconds: 300 }) };
    const next = applyConfigPaths(raw, {
      "bluegreen:traffic.green": "25",
      "bluegreen:traffic.rollback": "true",
      "bluegreen:gate.allowLargeStep": "false",
    });
    expect(JSON.parse(next["bluegreen:traffic"])).toEqual({
      blue: 90,
      green: 25,
      stickinessSeconds: 300,
      rollback: true,
    });
    expect(JSON.parse(next["bluegreen:gate"])).toEqual({ allowLargeStep: false });
    expect(raw["bluegreen:traffic"]).toBe(JSON.stringify({ blue: 90, green: 10, stickinessSeconds: 300 }));
  });
});

describe("parseShiftArgs", () => {
  it("reads a shift with defaults for steps, pause and bake", () => {
    expect(parseShiftArgs(["staging", "--to", "green"])).toEqual({
      kind: "shift",
      stack: "staging",
      verbose: false,
      request: { target: "green", steps: [10, 25, 50, 100], approvals: [], pauseMs: 300_000, bakeMs: 0, split: false },
    });
    expect(
      parseShiftArgs([
        "production",
        "--to",
        "blue",
        "--steps",
        "50,approve,100",
        "--pause",
        "30s",
        "--bake",
        "1h",
        "--split",
      ]),
    ).toMatchObject({
      request: { target: "blue", steps: [50, 100], approvals: [100], pauseMs: 30_000, bakeMs: 3_600_000, split: true },
    });
  });

  it("reads an abort and a continue", () => {
    expect(parseShiftArgs(["staging", "--abort"])).toEqual({ kind: "abort", stack: "staging", verbose: false });
    expect(parseShiftArgs(["staging", "--continue"])).toEqual({ kind: "continue", stack: "staging", verbose: false });
  });

  it.each([
    [["staging"], "--to must be blue or green (got nothing)"],
    [["staging", "--to", "red"], '--to must be blue or green (got "red")'],
    [["--to", "green"], "give exactly one stack name (got 0)"],
    [["staging", "--abort", "--to", "blue"], "--abort answers a running shift; it takes no --to"],
    [["staging", "--continue", "--steps", "10"], "--continue answers a running shift; it takes no --steps"],
    [["staging", "--continue", "--abort"], "give --abort or --continue, not both"],
    [["staging", "--to", "green", "--bake", "1"], '--bake "1" is not a duration'],
    [["staging", "--to", "green", "--stpes", "10"], "Unknown option '--stpes'"],
  ])("rejects %j with the usage", (argv, message) => {
    expect(() => parseShiftArgs(argv)).toThrow(message);
    expect(() => parseShiftArgs(argv)).toThrow("usage: npm run shift -- <stack> --to <blue|green>");
  });
});
