/**
 * The watch's thresholds against the rest of the config (issue 26, ask 2):
 * `watch.maxP95LatencyMs` must be below `gate.requestTimeoutMs`, where the
 * watch's probes are cut, or a p95 above it could never be seen when the
 * probes judge latency. Every shipped stack passes with its defaults; the
 * message names both keys, both values and the fix.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { watchSettingsSchema } from "../../components/config/watch";
import { parseConfig } from "../../components/platforms";
import { listStacks, readStackConfig } from "../../tooling/engine/stackFiles";
import { configError, issueLines } from "../configErrors";

/** `stack`'s shipped config with `bluegreen:gate` and `bluegreen:watch` changed as `change` says. */
function stackWith(stack: string, change: (gate: any, watch: any) => void): Record<string, string> {
  const raw = { ...readStackConfig(stack).values };
  const gate = raw["bluegreen:gate"] === undefined ? {} : JSON.parse(raw["bluegreen:gate"]);
  const watch = raw["bluegreen:watch"] === undefined ? {} : JSON.parse(raw["bluegreen:watch"]);
  change(gate, watch);
  return { ...raw, "bluegreen:gate": JSON.stringify(gate), "bluegreen:watch": JSON.stringify(watch) };
}

const latencyIssues = (raw: Record<string, unknown>, stack: string) =>
  (configError(raw, stack)?.issues ?? []).filter((issue) => issue.key === "bluegreen:watch.maxP95LatencyMs");

describe("the watch's config rule: maxP95LatencyMs below gate.requestTimeoutMs", () => {
  it.each(listStacks())("the shipped stack %s passes it with its own values and the defaults", (stack) => {
    const config = parseConfig(readStackConfig(stack).values, stack);
    expect(config.gate.requestTimeoutMs).toBeGreaterThan(config.watch.maxP95LatencyMs);
  });

  it("the defaults: p95 900 ms (below every shipped request timeout), 4xx 25 points above the stable color's", () => {
    expect(watchSettingsSchema.parse({})).toMatchObject({ maxP95LatencyMs: 900, max4xxPointsAboveStable: 25 });
  });

  it("GIVEN the limit at the request timeout THEN one issue naming both keys, both values and the fix", () => {
    const raw = stackWith("local", (gate, watch) => (watch.maxP95LatencyMs = gate.requestTimeoutMs));
    expect(issueLines(raw, "local")).toEqual([
      "bluegreen:watch.maxP95LatencyMs: is 1000 ms, not below bluegreen:gate.requestTimeoutMs (1000 ms): the watch's probes are cut at that timeout, so whenever they judge latency (no p95 from user traffic, a maintenance window) no p95 above this limit could be seen. Lower it below 1000, or raise bluegreen:gate.requestTimeoutMs above it",
    ]);
  });

  it("reports exactly when the limit is not below the timeout, on every platform", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...listStacks()),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        (stack, requestTimeoutMs, maxP95LatencyMs) => {
          const raw = stackWith(stack, (gate, watch) => {
            // Keep the gate's own rules (p95 ≤ timeout < deadline) out of the way.
            Object.assign(gate, { requestTimeoutMs, p95LatencyMs: 1, deadlineSeconds: 3600 });
            watch.maxP95LatencyMs = maxP95LatencyMs;
          });
          expect(latencyIssues(raw, stack).length).toBe(maxP95LatencyMs >= requestTimeoutMs ? 1 : 0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("GIVEN an invalid request timeout THEN only that key is reported, not the rule that reads it", () => {
    const raw = stackWith("staging", (gate) => (gate.requestTimeoutMs = -5));
    expect(configError(raw, "staging")?.issues.map((issue) => issue.key)).toEqual(["bluegreen:gate.requestTimeoutMs"]);
  });
});

describe("the watch's other keys", () => {
  it.each([
    [{ max4xxPointsAboveStable: 101 }, "bluegreen:watch.max4xxPointsAboveStable"],
    [{ max4xxPointsAboveStable: -1 }, "bluegreen:watch.max4xxPointsAboveStable"],
    [{ alarms: ["orders-5xx", "orders-5xx"] }, "bluegreen:watch.alarms"],
    [{ alarms: [""] }, "bluegreen:watch.alarms.0"],
  ])("GIVEN %j THEN %s is reported", (watch, key) => {
    const raw = { ...readStackConfig("staging").values, "bluegreen:watch": JSON.stringify(watch) };
    expect(configError(raw, "staging")?.issues.map((issue) => issue.key)).toEqual([key]);
  });

  it("a decimal 4xx limit is kept as written", () => {
    const raw = {
      ...readStackConfig("staging").values,
      "bluegreen:watch": JSON.stringify({ max4xxPointsAboveStable: 2.5 }),
    };
    expect(parseConfig(raw, "staging").watch.max4xxPointsAboveStable).toBe(2.5);
  });
});
