/**
 * The gate's memory stays flat over its life, through Pulumi's real
 * dynamic-provider host started with a small heap (as a constrained engine
 * host would be): a target flapping with 1 MB bodies for hundreds of rounds
 * must neither crash the host (the engine would only see "Connection
 * dropped") nor lose the gate's explanation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promotionGateProvider } from "../../components/gate/provider";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";
import { ProviderCallError, ProviderHost, serializeProvider } from "../../testkit/providerHost";
import { fastSettings, GATE_TYPE, gateInputs } from "./fixtures";

/** The heap the host ran out of after ~130 such requests. */
const HEAP_MB = 160;
const BODY_BYTES = 1_000_000;
/** Healthy/unhealthy alternations before the target stays down: far past the ~130 requests that broke the old gate. */
const FLAPS = 300;

let host: ProviderHost;
let text: string;
let server: FaultServer;

beforeAll(async () => {
  [host, text, server] = await Promise.all([
    ProviderHost.start({ nodeFlags: [`--max-old-space-size=${HEAP_MB}`] }),
    serializeProvider(promotionGateProvider),
    startFaultServer(),
  ]);
});
afterAll(async () => {
  await Promise.all([host.stop(), server.close()]);
});

describe(`a host with --max-old-space-size=${HEAP_MB}`, () => {
  it(`GIVEN a target flapping with 1 MB bodies for ${FLAPS} rounds WHEN gated THEN the host survives and the gate fails with its explanation`, async () => {
    const url = server.url(`/flap-big?bytes=${BODY_BYTES}&flaps=${FLAPS}`);
    // A deadline far beyond the run: the failure threshold ends it, once the flapping stops.
    const settings = fastSettings({ intervalMs: 10, requestTimeoutMs: 5000, p95LatencyMs: 5000, deadlineSeconds: 600 });
    const error = await host.create(GATE_TYPE, text, gateInputs({ targets: [url], settings })).then(
      (created) => new Error(`expected the gate to fail, it returned ${JSON.stringify(created.outs)}`),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderCallError);
    const message = (error as ProviderCallError).details;
    expect(message).toContain(
      `Failed check: HTTP status at ${url}: observed HTTP 503; limit one of [200] (gate.expectedStatus). ` +
        "Stopped because 3 consecutive failed rounds reached gate.failureThreshold (3).",
    );
    expect(message).toContain('Last response (first 200 chars): {"status":"unhealthy","pad":"xxxxx');
    expect(message).toContain("Traffic was NOT moved");
    // Request FLAPS (even) is already a 503: it and the next two make the 3 failed rounds.
    expect(server.hits("/flap-big")).toBe(FLAPS + 2);
    expect(host.alive).toBe(true);
    expect(host.log).not.toMatch(/heap out of memory|Reached heap limit/i);
  });
});
