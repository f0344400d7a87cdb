/**
 * The PromotionGate component under Pulumi mocks, once the maintenance window
 * closed over a color its gate passed on probes alone (state
 * USER_TRAFFIC_PENDING): the update warns, naming the watch to run and what
 * a breach does (rule f decides); with the window still on, it does not.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { PromotionGate, PromotionGateArgs } from "../../components/gate/promotionGate";
import { USER_TRAFFIC_PENDING } from "../../components/gate/userTraffic";
import { fastSettings } from "./fixtures";

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      // The gate's state as the window left it: passed on probes alone.
      newResource: (args) => ({
        id: `${args.name}-id`,
        state: {
          ...args.inputs,
          verdict: "passed",
          verifiedAt: "2026-12-01T21:00:00.000Z",
          p95LatencyMs: 12,
          userTraffic: USER_TRAFFIC_PENDING,
        },
      }),
      call: () => ({}),
    },
    "bluegreen",
    "production",
    false,
  );
});
afterEach(() => vi.restoreAllMocks());

/** green 2.0.0 with all the traffic after the breaking-migration runbook's migration 2026-12-01-split-orders. */
const args = (overrides: Partial<PromotionGateArgs> = {}): PromotionGateArgs => ({
  app: "shop",
  color: "green",
  version: "2.0.0",
  image: "shop:2.0.0",
  otherVersion: "1.4.2",
  otherImage: "shop:1.4.2",
  weight: 100,
  totalWeight: 100,
  rollback: false,
  targets: ["http://green.internal/health"],
  settings: fastSettings(),
  irreversibleMigration: { version: "2026-12-01-split-orders", restoreConfigured: false },
  ...overrides,
});

async function warningsOf(gateArgs: PromotionGateArgs): Promise<string[]> {
  const warn = vi.spyOn(pulumi.log, "warn").mockResolvedValue();
  const gate = new PromotionGate(`gate-${Math.random()}`, gateArgs);
  await new Promise((resolve) => gate.verdict.apply(resolve));
  // The warning is logged from the outputs' apply: let it run.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return warn.mock.calls.map(([message]) => message);
}

describe("PromotionGate after a maintenance window", () => {
  it("GIVEN the window closed WHEN rule (f) forbids going back THEN it warns that a breach puts the page back up", async () => {
    const [warning, ...more] = await warningsOf(args({ maintenance: false }));
    expect(more).toEqual([]);
    expect(warning).toContain(
      "green (2.0.0, weight 100 of 100) passed its gate during the maintenance window on its probes alone",
    );
    expect(warning).toContain("npm run watch -- production --for 30m");
    expect(warning).toContain(
      "Traffic cannot go back to blue (1.4.2): traffic to blue (1.4.2) would rise, but migration 2026-12-01-split-orders is irreversible",
    );
    expect(warning).toContain("on a breach the watch puts the maintenance page back up and stops");
  });

  it("GIVEN a restore snapshot configured THEN the warning says a breach moves traffic back to blue", async () => {
    const irreversibleMigration = { version: "2026-12-01-split-orders", restoreConfigured: true };
    const [warning] = await warningsOf(args({ irreversibleMigration }));
    expect(warning).toMatch(/On a breach the watch moves the traffic back to blue \(1\.4\.2\)\.$/);
  });

  it("GIVEN the window still on THEN no warning", async () => {
    expect(await warningsOf(args({ maintenance: true }))).toEqual([]);
  });
});
