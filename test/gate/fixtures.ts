/** Shared inputs for the PromotionGate tests: fast settings so each gate decides in well under a second. */
import { afterAll, beforeAll, beforeEach } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { promotionGateProvider } from "../../components/gate/provider";
import { PromotionGateInputs } from "../../components/gate/inputs";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";
import { Props, ProviderHost, serializeProvider } from "../../testkit/providerHost";
import { GateSettingsInput, gateSettingsSchema } from "../../components/gate/settings";

export const GATE_TYPE = DYNAMIC_TYPES.promotionGateCheck.token;

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
    image: "shop:1.4.0",
    otherVersion: "1.3.0",
    otherImage: "shop:1.3.0",
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

/** The real dynamic-provider host, the serialized gate provider and a fault server, shared by one test file. */
export interface GateRig {
  host: ProviderHost;
  text: string;
  server: FaultServer;
}

/**
 * Starts the rig before the file's tests, warms the host (deserialization and
 * the first `require("axios")`, so timings measure the gate), resets the fault
 * server's counters before each test and stops everything after.
 */
export function useGateRig(): GateRig {
  const rig = {} as GateRig;
  beforeAll(async () => {
    [rig.host, rig.text, rig.server] = await Promise.all([
      ProviderHost.start(),
      serializeProvider(promotionGateProvider),
      startFaultServer(),
    ]);
    await rig.host.create(GATE_TYPE, rig.text, gateInputs({ weight: 0 }));
  });
  afterAll(async () => {
    await Promise.all([rig.host.stop(), rig.server.close()]);
  });
  beforeEach(() => rig.server.reset());
  return rig;
}
