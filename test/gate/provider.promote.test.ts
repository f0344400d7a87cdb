/**
 * Promotions that pass, rollbacks that must not wait, and the hard deadline,
 * through Pulumi's real dynamic-provider host against 127.0.0.1 servers.
 */
import { describe, expect, it } from "vitest";
import { ProviderCallError } from "../../testkit/providerHost";
import { esc, fastSettings, GATE_TYPE, gateInputs, timed, useGateRig } from "./fixtures";

const rig = useGateRig();

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TOKEN = "Bearer gate-test-token-7f3a";

describe("promotions that pass", () => {
  it("GIVEN a healthy color WHEN created with traffic THEN it probes consecutiveSuccesses rounds, sends the headers, and records the verdict without them", async () => {
    const inputs = gateInputs({ targets: [rig.server.url("/healthy")], headers: { authorization: TOKEN } });
    const { id, outs } = await rig.host.create(GATE_TYPE, rig.text, inputs);
    const { headers: _secret, ...recorded } = inputs;
    expect(id).toBe("shop-green-gate");
    expect(outs).toEqual({
      ...recorded,
      verdict: "passed",
      reason: "first deploy of green 1.4.0 with 10 % of traffic",
      verifiedAt: expect.stringMatching(ISO_TIME),
      samples: 3,
      p95LatencyMs: expect.any(Number),
    });
    expect(outs.p95LatencyMs as number).toBeLessThanOrEqual(250);
    expect(rig.server.hits("/healthy")).toBe(3);
    expect(rig.server.lastHeaders("/healthy")?.authorization).toBe(TOKEN);
    expect(JSON.stringify(outs)).not.toContain("gate-test-token");
  });

  it("GIVEN healthy probes and a low Prometheus error rate WHEN created THEN it passes and records the rate", async () => {
    const settings = fastSettings({
      prometheus: { url: rig.server.url("/"), query: "errors_low", maxErrorRate: 0.01 },
    });
    const { outs } = await rig.host.create(
      GATE_TYPE,
      rig.text,
      gateInputs({ targets: [rig.server.url("/healthy")], settings }),
    );
    expect(outs).toMatchObject({ verdict: "passed", samples: 3, errorRate: 0.001 });
    // The ratio query, and the request count it is over.
    expect([...rig.server.queries].sort()).toEqual([
      "errors_low",
      'sum(increase(http_requests_total{app="shop",color="green"}[2m]))',
    ]);
  });

  it.each(["green", "blue"] as const)(
    "GIVEN a query with {color} WHEN %s's gate asks Prometheus THEN it sends its own color",
    async (color) => {
      const settings = fastSettings({
        prometheus: { url: rig.server.url("/"), query: 'low errors of {color} ({color}="x")', maxErrorRate: 0.01 },
      });
      const inputs = gateInputs({ color, targets: [rig.server.url("/healthy")], settings });
      const { outs } = await rig.host.create(GATE_TYPE, rig.text, inputs);
      expect(outs).toMatchObject({ verdict: "passed", errorRate: 0.001 });
      expect([...rig.server.queries].sort()).toEqual([
        `low errors of ${color} (${color}="x")`,
        `sum(increase(http_requests_total{app="shop",color="${color}"}[2m]))`,
      ]);
      // What the gate records is the setting as configured.
      expect((outs.settings as { prometheus: { query: string } }).prometheus.query).toBe(
        'low errors of {color} ({color}="x")',
      );
    },
  );

  it("GIVEN one slow warm-up answer WHEN the next window is within the limit THEN it passes on that window", async () => {
    // The first answer takes 600 ms against a 250 ms limit: with 3 samples its window's p95 is that answer.
    const url = rig.server.url("/slow-first?ms=600&count=1");
    const settings = fastSettings({ p95LatencyMs: 250, requestTimeoutMs: 2000 });
    const { outs } = await rig.host.create(GATE_TYPE, rig.text, gateInputs({ targets: [url], settings }));
    expect(outs).toMatchObject({ verdict: "passed", samples: 3 });
    expect(outs.p95LatencyMs as number).toBeLessThanOrEqual(250);
    // Round 3 judged the slow window, round 4 the first window without the warm-up.
    expect(rig.server.hits("/slow-first")).toBe(4);
  });

  it("GIVEN a color with traffic and no target WHEN created THEN Create itself refuses (not only Check)", async () => {
    const result = await timed(() => rig.host.create(GATE_TYPE, rig.text, gateInputs({ targets: [] })));
    expect((result.error as ProviderCallError).details).toContain(
      'Promotion gate blocked traffic to green of app "shop": no URL to probe, so it cannot be proven healthy.',
    );
    expect(rig.server.totalHits()).toBe(0);
  });

  it("GIVEN a healthy color WHEN its weight rises THEN the update probes and records the new weight", async () => {
    const olds = (await rig.host.create(GATE_TYPE, rig.text, gateInputs({ targets: [rig.server.url("/healthy")] })))
      .outs;
    rig.server.reset();
    const outs = await rig.host.update(
      GATE_TYPE,
      rig.text,
      "shop-green-gate",
      olds,
      gateInputs({ weight: 30, targets: [rig.server.url("/healthy")] }),
    );
    expect(outs).toMatchObject({
      verdict: "passed",
      weight: 30,
      reason: "the newer version 1.4.0 gains share (10 % -> 30 %)",
      samples: 3,
    });
    expect(rig.server.hits("/healthy")).toBe(3);
  });

  it("GIVEN a new version at the same weight WHEN updated THEN the new version is probed", async () => {
    const olds = (await rig.host.create(GATE_TYPE, rig.text, gateInputs({ targets: [rig.server.url("/healthy")] })))
      .outs;
    rig.server.reset();
    const outs = await rig.host.update(
      GATE_TYPE,
      rig.text,
      "shop-green-gate",
      olds,
      gateInputs({ version: "1.4.1", targets: [rig.server.url("/healthy")] }),
    );
    expect(outs).toMatchObject({
      verdict: "passed",
      reason: "green changed (1.4.0 -> 1.4.1) and carries 10 % of traffic",
    });
    expect(rig.server.hits("/healthy")).toBe(3);
  });

  it("GIVEN a failing color WHEN its weight rises THEN the update is refused naming the previous weight it stays at", async () => {
    const olds = { ...gateInputs({ weight: 10, targets: [rig.server.url("/healthy")] }), verdict: "passed" };
    const result = await timed(() =>
      rig.host.update(
        GATE_TYPE,
        rig.text,
        "shop-green-gate",
        olds,
        gateInputs({ weight: 30, targets: [rig.server.url("/status/503")] }),
      ),
    );
    expect(result.error).toBeInstanceOf(ProviderCallError);
    const message = (result.error as ProviderCallError).details;
    expect(message).toContain(
      'Promotion gate blocked traffic to green of app "shop" (version 1.4.0, weight 10 -> 30 of 100).',
    );
    expect(message).toContain("Traffic was NOT moved: the listener weights are unchanged (green stays at 10 of 100).");
    expect(message).toContain(
      "To roll back, lower bluegreen:traffic.green: lowering a weight is never probed or blocked.",
    );
  });
});

describe("rollbacks never probe", () => {
  it("GIVEN targets that are down, hanging or refusing WHEN the weight is lowered THEN the update returns at once with zero requests", async () => {
    const down = [rig.server.url("/hang"), rig.server.url("/status/503"), rig.server.refusedUrl];
    const olds = { ...gateInputs({ weight: 50, targets: down }), verdict: "passed" };
    const result = await timed(() =>
      rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", olds, gateInputs({ weight: 0, targets: down })),
    );
    expect(result.error).toBeUndefined();
    expect(result.value).toMatchObject({
      verdict: "skipped",
      weight: 0,
      samples: 0,
      p95LatencyMs: 0,
      reason: "weight 0: green receives no traffic, nothing to verify",
    });
    // Not even a connection: the hang target would otherwise hold the update until the deadline.
    expect([rig.server.totalHits(), rig.server.connections()]).toEqual([0, 0]);
  });

  it("GIVEN a partial decrease toward a down color WHEN updated THEN it is skipped with its reason", async () => {
    const down = [rig.server.url("/status/503")];
    const olds = { ...gateInputs({ weight: 50, targets: down }), verdict: "passed" };
    const outs = await rig.host.update(
      GATE_TYPE,
      rig.text,
      "shop-green-gate",
      olds,
      gateInputs({ weight: 20, targets: down }),
    );
    expect(outs).toMatchObject({
      verdict: "skipped",
      weight: 20,
      reason: "green's share does not grow (50 % -> 20 %): not probed",
    });
    expect(rig.server.totalHits()).toBe(0);
  });

  it("GIVEN only settings or targets changed WHEN updated THEN nothing is probed", async () => {
    const olds = { ...gateInputs({ weight: 50, targets: [rig.server.url("/status/503")] }), verdict: "passed" };
    const news = gateInputs({
      weight: 50,
      targets: [rig.server.url("/status/500")],
      settings: fastSettings({ intervalMs: 80 }),
    });
    expect(await rig.host.update(GATE_TYPE, rig.text, "shop-green-gate", olds, { ...news })).toMatchObject({
      verdict: "skipped",
      reason: "green's share does not grow (50 % -> 50 %): not probed",
    });
    expect(rig.server.totalHits()).toBe(0);
  });
});

// How far past the deadline the engine gets its answer is a bench figure (bench/gate.ts, (d)): here, what ends the gate.
describe("the deadline is a hard bound", () => {
  const DEADLINE_MS = 2000;
  /** The gate's own measure, from its message ("no verdict after N ms"). */
  const gateElapsed = (message: string) => Number(/no verdict after (\d+) ms/.exec(message)?.[1]);

  it("GIVEN a target that hangs WHEN the deadline strikes mid-request THEN the request is aborted and the gate fails on time", async () => {
    const url = rig.server.url("/hang");
    const settings = fastSettings({ deadlineSeconds: 2, requestTimeoutMs: 1500, p95LatencyMs: 250 });
    const result = await timed(() => rig.host.create(GATE_TYPE, rig.text, gateInputs({ targets: [url], settings })));
    const message = (result.error as ProviderCallError).details;
    expect(message).toContain(
      `Failed check: deadline at ${url}: observed no verdict after ${gateElapsed(message)} ms; rounds completed: 1 (0 healthy, 1 failed); ` +
        "last failure: request timeout no complete response after",
    );
    expect(message).toContain(`Requests still in flight were aborted: ${url}.`);
    expect(gateElapsed(message)).toBeGreaterThanOrEqual(DEADLINE_MS);
    // Wall time seen by the engine, gRPC included: never before the deadline.
    expect(result.ms).toBeGreaterThanOrEqual(DEADLINE_MS);
    expect(rig.server.hits("/hang")).toBe(2);
  });

  it("GIVEN a flapping target (never N successes, never N failures in a row) WHEN probed THEN the deadline ends it", async () => {
    const url = rig.server.url("/flap");
    const settings = fastSettings({ deadlineSeconds: 2, intervalMs: 100 });
    const result = await timed(() => rig.host.create(GATE_TYPE, rig.text, gateInputs({ targets: [url], settings })));
    const message = (result.error as ProviderCallError).details;
    expect(message).toMatch(
      new RegExp(
        `Failed check: deadline at ${esc(url)}: observed no verdict after \\d+ ms; rounds completed: \\d+ \\(\\d+ healthy, \\d+ failed\\); last failure: HTTP status HTTP 503`,
      ),
    );
    expect(message).toContain("limit gate.deadlineSeconds 2 s, within which 3 consecutive healthy rounds are needed");
    expect(gateElapsed(message)).toBeGreaterThanOrEqual(DEADLINE_MS);
    expect(result.ms).toBeGreaterThanOrEqual(DEADLINE_MS);
    // Rounds start every 100 ms for 2 s: 20, plus one that may start at the 2 s mark as the
    // deadline strikes; fewer when timers run late on a busy machine, but more than twice the 3
    // rounds in a row that a verdict either way needs.
    expect(rig.server.hits("/flap")).toBeGreaterThan(6);
    expect(rig.server.hits("/flap")).toBeLessThanOrEqual(21);
  });
});
