/** Shared inputs for the PromotionGate tests: fast settings so each gate decides in well under a second. */
import type { PromotionGateInputs } from "../../components/gate/provider";
import type { Props } from "../harness/providerHost";
import { GateSettingsInput, gateSettingsSchema } from "../../components/gate/settings";

export const GATE_TYPE = "pulumi-nodejs:dynamic/bluegreen:PromotionGate";

export function fastSettings(overrides: NonNullable<GateSettingsInput> = {}) {
  return gateSettingsSchema.parse({
    intervalMs: 50,
    requestTimeoutMs: 300,
    p95LatencyMs: 250,
    deadlineSeconds: 5,
    consecutiveSuccesses: 3,
    failureThreshold: 3,
    ...overrides,
  });
}

/** green 1.4.0 (the candidate) against blue 1.3.0, taking 10 of 100; also a plain property bag for the host. */
export function gateInputs(overrides: Partial<PromotionGateInputs> = {}): PromotionGateInputs & Props {
  return {
    app: "shop",
    color: "green",
    version: "1.4.0",
    otherVersion: "1.3.0",
    weight: 10,
    totalWeight: 100,
    rollback: false,
    targets: [],
    settings: fastSettings(),
    ...overrides,
  };
}

/** Runs `fn` and returns its wall time in ms with its error (if any). */
export async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; error?: Error; value?: unknown }> {
  const started = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error: error as Error };
  }
}

/** `text` as a literal inside a RegExp. */
export function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
