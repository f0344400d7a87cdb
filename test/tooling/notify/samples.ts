/** One event of each type, as shift and watch would describe them (a mapped type, so a new type needs a sample). */
import type { EventInput, NotifyEventType } from "../../../tooling/notify/events";

export const NOW = new Date("2026-11-20T10:00:00.000Z");

const release = {
  stack: "staging",
  command: "shift",
  candidate: "green",
  versions: { blue: "1.4.2", green: "1.5.0" },
  weights: { blue: 75, green: 25 },
} as const;

export const SAMPLES: { readonly [Type in NotifyEventType]: Extract<EventInput, { type: Type }> } = {
  "step-started": { ...release, type: "step-started", step: { number: 3, of: 4, weights: { blue: 50, green: 50 } } },
  "step-done": {
    ...release,
    type: "step-done",
    step: { number: 2, of: 4, weights: { blue: 75, green: 25 } },
    durationMs: 65_000,
  },
  breach: {
    ...release,
    command: "watch",
    type: "breach",
    breaches: [
      { check: "maxErrorRate", observed: 0.123, limit: 0.05 },
      { check: "maxP95LatencyMs", observed: 2450.4, limit: 2000 },
    ],
  },
  "inconclusive-stop": {
    ...release,
    type: "inconclusive-stop",
    rounds: 5,
    reason: "12 requests in the round, 20 needed",
  },
  "rollback-started": {
    ...release,
    type: "rollback-started",
    to: { blue: 90, green: 10 },
    reason: "error rate 12.3 % > 5.0 %",
  },
  "rolled-back": {
    ...release,
    weights: { blue: 90, green: 10 },
    type: "rolled-back",
    reason: "error rate 12.3 % > 5.0 %",
  },
  "rollback-failed": { ...release, type: "rollback-failed", to: { blue: 90, green: 10 }, error: "update failed" },
  "approval-waiting": { ...release, type: "approval-waiting", next: { blue: 50, green: 50 } },
  approved: { ...release, type: "approved", next: { blue: 50, green: 50 } },
  aborted: { ...release, weights: { blue: 100, green: 0 }, type: "aborted", reason: "--abort" },
  interrupted: { ...release, type: "interrupted", signal: "SIGINT" },
  completed: { ...release, weights: { blue: 0, green: 100 }, type: "completed", durationMs: 1_800_000 },
};
