import { describe, expect, it } from "vitest";
import { NOTIFY_SCHEMA_VERSION, releaseEvent } from "../../../tooling/notify/events";
import { NOW, SAMPLES } from "./samples";

describe("release events", () => {
  it("carry the schema version, the ISO time and the caller's fields unchanged", () => {
    const event = releaseEvent(SAMPLES["step-started"], NOW);
    expect(event).toEqual({
      ...SAMPLES["step-started"],
      schemaVersion: NOTIFY_SCHEMA_VERSION,
      time: "2026-11-20T10:00:00.000Z",
      summary: "step 3/4: blue 50% / green 50% (green 1.5.0 gains traffic)",
    });
    expect(NOTIFY_SCHEMA_VERSION).toBe(1);
  });

  it.each([
    ["step-done", "step 2/4 done: blue 75% / green 25%"],
    [
      "breach",
      "green 1.5.0 breached at blue 75% / green 25%: error rate 12.3 % > 5.0 % (bluegreen:watch.maxErrorRate); " +
        "p95 latency 2450 ms > 2000 ms (bluegreen:watch.maxP95LatencyMs)",
    ],
    [
      "inconclusive-stop",
      "stopped after 5 inconclusive rounds, traffic left at blue 75% / green 25%: 12 requests in the round, 20 needed",
    ],
    ["rollback-started", "rolling back from blue 75% / green 25% to blue 90% / green 10%: error rate 12.3 % > 5.0 %"],
    ["rolled-back", "rolled back to blue 90% / green 10%: error rate 12.3 % > 5.0 %"],
    [
      "rollback-failed",
      "ROLLBACK FAILED (wanted blue 90% / green 10%, last known blue 75% / green 25%): update failed; " +
        "check `npm run status -- staging`",
    ],
    ["approval-waiting", "green 1.5.0 waits for approval at blue 75% / green 25% before blue 50% / green 50%"],
    ["approved", "green 1.5.0 approved at blue 75% / green 25%: next blue 50% / green 50%"],
    ["aborted", "aborted, traffic at blue 100% / green 0%: --abort"],
    ["interrupted", "interrupted (SIGINT) at blue 75% / green 25%; run the same command again to resume"],
    ["completed", "green 1.5.0 done at blue 0% / green 100%"],
  ] as const)("%s: one summary line", (type, summary) => {
    expect(releaseEvent(SAMPLES[type], NOW).summary).toBe(summary);
  });

  it("names the other thresholds by their config key, in their own unit", () => {
    const event = releaseEvent(
      {
        ...SAMPLES.breach,
        type: "breach",
        breaches: [
          { check: "failedProbeRounds", observed: 3, limit: 3 },
          { check: "maxErrorRateAboveStable", observed: 4.25, limit: 2 },
        ],
      },
      NOW,
    );
    expect(event.summary).toBe(
      "green 1.5.0 breached at blue 75% / green 25%: 3 failed probe rounds in a row (limit 3, bluegreen:watch.failedProbeRounds); " +
        "error rate 4.3 points above the stable color's > 2 (bluegreen:watch.maxErrorRateAboveStable)",
    );
  });

  it("keeps a multi-line, long reason to one line of at most 300 characters in the summary, the field intact", () => {
    const reason = `gate refused:\n  check: status\n  ${"x".repeat(400)}`;
    const event = releaseEvent({ ...SAMPLES["rolled-back"], type: "rolled-back", reason }, NOW);
    expect(event.summary).not.toContain("\n");
    expect(event.summary.startsWith("rolled back to blue 90% / green 10%: gate refused: check: status xxx")).toBe(true);
    expect(event.summary).toHaveLength(300);
    expect(event.summary.endsWith("…")).toBe(true);
    expect(event).toMatchObject({ reason });
  });
});
