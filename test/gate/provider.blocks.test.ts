/**
 * Every way a color can be unhealthy, through Pulumi's real dynamic-provider
 * host against real HTTP servers on 127.0.0.1: the gate must refuse to
 * create (i.e. to let routing move) and say which check failed, observed vs
 * limit, and that traffic was not moved.
 */
import { describe, expect, it } from "vitest";
import type { GateSettingsInput } from "../../components/gate/settings";
import { ProviderCallError } from "../../testkit/providerHost";
import { esc, fastSettings, GATE_TYPE, gateInputs, timed, useGateRig } from "./fixtures";

const rig = useGateRig();

const NOT_MOVED =
  "Traffic was NOT moved: the listener weights are unchanged (green receives no traffic from this update).";

/** Creates the gate for `targets`; returns the provider's error message (fails the test if the gate passed). */
async function blockedMessage(targets: string[], settings: NonNullable<GateSettingsInput> = {}): Promise<string> {
  const inputs = gateInputs({ targets, settings: fastSettings(settings) });
  const result = await timed(() => rig.host.create(GATE_TYPE, rig.text, inputs));
  if (!(result.error instanceof ProviderCallError))
    throw new Error(`expected the gate to block, got ${result.error ?? JSON.stringify(result.value)}`);
  return result.error.details;
}

describe("the gate blocks", () => {
  it.each([500, 503])("HTTP %i after failureThreshold rounds", async (status) => {
    const url = rig.server.url(`/status/${status}`);
    const message = await blockedMessage([url]);
    expect(message).toContain(
      `Failed check: HTTP status at ${url}: observed HTTP ${status}; limit one of [200] (gate.expectedStatus). ` +
        "Stopped because 3 consecutive failed rounds reached gate.failureThreshold (3).",
    );
    expect(message).toContain('Last response (first 200 chars): {"status":"unhealthy"}');
    expect(message).toContain(NOT_MOVED);
    expect(rig.server.hits(`/status/${status}`)).toBe(3);
  });

  it("a refused connection", async () => {
    const port = new URL(rig.server.refusedUrl).port;
    expect(await blockedMessage([rig.server.refusedUrl])).toContain(
      `Failed check: connection at ${rig.server.refusedUrl}: observed connect ECONNREFUSED 127.0.0.1:${port} (ECONNREFUSED); limit a reachable target that answers over HTTP.`,
    );
  });

  it("a reset connection", async () => {
    const url = rig.server.url("/reset");
    expect(await blockedMessage([url])).toContain(
      `Failed check: connection at ${url}: observed socket hang up (ECONNRESET); limit a reachable target that answers over HTTP.`,
    );
  });

  it("a hanging target, by the request timeout", async () => {
    const url = rig.server.url("/hang");
    const message = await blockedMessage([url], { requestTimeoutMs: 200, p95LatencyMs: 150 });
    expect(message).toMatch(
      new RegExp(
        `Failed check: request timeout at ${esc(url)}: observed no complete response after \\d+(\\.\\d)? ms; limit a complete response within gate\\.requestTimeoutMs 200 ms\\.`,
      ),
    );
    // Three rounds (failureThreshold), each cut by the request timeout: the hang never answers.
    expect(rig.server.hits("/hang")).toBe(3);
  });

  it("a body that trickles past the timeout (a total bound, not an idle one)", async () => {
    const url = rig.server.url("/drip?everyMs=20");
    const message = await blockedMessage([url], { requestTimeoutMs: 200, p95LatencyMs: 150 });
    expect(message).toMatch(
      new RegExp(`Failed check: request timeout at ${esc(url)}: observed no complete response after \\d+(\\.\\d)? ms`),
    );
    expect(rig.server.hits("/drip")).toBe(3);
  });

  it("healthy answers slower than the p95 limit, in failureThreshold sliding windows in a row", async () => {
    const url = rig.server.url("/slow?ms=200");
    // A timeout far above the answers: a loaded machine must not turn a slow answer into a failed round.
    expect(await blockedMessage([url], { p95LatencyMs: 150, requestTimeoutMs: 2000 })).toMatch(
      new RegExp(
        `Failed check: p95 latency at ${esc(url)}: observed p95 \\d{3,} ms over 3 samples \\(this target: p95 \\d{3,} ms\\); limit gate\\.p95LatencyMs 150 ms\\. ` +
          "Stopped because 3 windows in a row of 3 consecutive healthy rounds were too slow \\(gate\\.failureThreshold 3\\)\\.",
      ),
    );
    // The first window is judged after round 3, the third after round 5.
    expect(rig.server.hits("/slow")).toBe(5);
  });

  it("a wrong JSON body", async () => {
    const url = rig.server.url("/wrong-body");
    const message = await blockedMessage([url], { body: { json: { path: "status", equals: "healthy" } } });
    expect(message).toContain(
      `Failed check: response body at ${url}: observed status = "degraded"; limit JSON body with status = "healthy" (gate.body.json).`,
    );
    expect(message).toContain('Last response (first 200 chars): {"status":"degraded"}');
  });

  it("a missing substring", async () => {
    const url = rig.server.url("/wrong-body");
    expect(await blockedMessage([url], { body: { contains: "healthy" } })).toContain(
      `Failed check: response body at ${url}: observed body does not contain "healthy"; limit body contains "healthy" (gate.body.contains).`,
    );
  });

  it("invalid JSON when a JSON check is set", async () => {
    const url = rig.server.url("/invalid-json");
    expect(await blockedMessage([url], { body: { json: { path: "status", equals: "healthy" } } })).toMatch(
      new RegExp(
        `Failed check: JSON body at ${esc(url)}: observed invalid JSON \\(.+\\); limit JSON body with status = "healthy" \\(gate\\.body\\.json\\)\\.`,
      ),
    );
  });

  it("a redirect loop", async () => {
    const url = rig.server.url("/redirect-loop");
    expect(await blockedMessage([url])).toContain(
      `Failed check: redirects at ${url}: observed Maximum number of redirects exceeded (ERR_FR_TOO_MANY_REDIRECTS); limit at most 3 redirects.`,
    );
    // 3 rounds × (1 request + 3 followed redirects).
    expect(rig.server.hits("/redirect-loop")).toBe(12);
  });

  it("a target that degrades after a healthy start", async () => {
    const url = rig.server.url("/degrading?ok=3");
    const message = await blockedMessage([url], { consecutiveSuccesses: 5 });
    expect(message).toContain(`Failed check: HTTP status at ${url}: observed HTTP 503`);
    expect(rig.server.hits("/degrading")).toBe(6);
  });

  it("one bad target among healthy ones, naming the bad one", async () => {
    const bad = rig.server.url("/status/503");
    const message = await blockedMessage([rig.server.url("/healthy"), bad, rig.server.url("/healthy?i=2")]);
    expect(message).toContain(`Failed check: HTTP status at ${bad}: observed HTTP 503`);
    expect(rig.server.hits("/healthy")).toBe(6);
  });

  it("a body larger than the 1 MB the gate reads, naming that limit", async () => {
    const url = rig.server.url("/big?bytes=1500000");
    const message = await blockedMessage([url]);
    expect(message).toContain(
      `Failed check: response size at ${url}: observed response body larger than the 1 MB the gate reads; ` +
        "limit a body of at most 1 MB: probe a health endpoint with a short answer.",
    );
    expect(message).toContain('Last response (first 200 chars): {"status":"healthy","pad":"xxx');
    expect(message).toContain("… (the rest was not read)");
  });

  it("after a redirect, naming the URL that failed as well as the target", async () => {
    const url = rig.server.url("/redirect?to=/status/503");
    expect(await blockedMessage([url])).toContain(
      `Failed check: HTTP status at ${url} (redirected to ${rig.server.url("/status/503")}): observed HTTP 503;`,
    );
  });

  describe("header values echoed by the target are redacted", () => {
    const TOKEN = "Bearer s3cr3t-gate-token-91c2";
    const headers = { Authorization: TOKEN, "X-Tenant": "acme-prod", "X-Short": "on" };
    const blockedWith = async (targets: string[], settings: NonNullable<GateSettingsInput> = {}) => {
      const inputs = gateInputs({ targets, settings: fastSettings(settings), headers });
      const result = await timed(() => rig.host.create(GATE_TYPE, rig.text, inputs));
      if (!(result.error instanceof ProviderCallError)) throw new Error("expected the gate to block");
      return result.error.details;
    };

    it("GIVEN an error page that echoes Authorization WHEN the gate fails THEN the excerpt shows <header:Authorization>, never the token", async () => {
      const url = rig.server.url("/echo-header?name=authorization");
      const message = await blockedWith([url]);
      expect(rig.server.lastHeaders("/echo-header")?.authorization).toBe(TOKEN);
      expect(message).toContain(
        "Last response (first 200 chars): <html><body>Rejected. You sent authorization: <header:Authorization></body></html>",
      );
      expect(message).not.toContain("s3cr3t");
    });

    it("GIVEN the token alone, another header and a short one echoed WHEN failing THEN values of 4+ chars are redacted, in the Also failing details too", async () => {
      const body = { json: { path: "status", equals: "healthy" } };
      const token = rig.server.url("/echo-header?name=authorization&json=1");
      const tenant = rig.server.url("/echo-header?name=x-tenant&json=1");
      const short = rig.server.url("/echo-header?name=x-short&json=1");
      const message = await blockedWith([token, tenant, short], { body });
      expect(message).toContain(
        `Failed check: response body at ${token}: observed status = "<header:Authorization>"; limit JSON body with status = "healthy" (gate.body.json).`,
      );
      expect(message).toContain(`Also failing: ${tenant} (status = "<header:X-Tenant>"); ${short} (status = "on").`);
      expect(message).toContain('Last response (first 200 chars): {"status":"<header:Authorization>"}');
      expect(message).not.toMatch(/s3cr3t|acme-prod/);
    });
  });

  describe("Prometheus (after healthy probes)", () => {
    const prometheus = (query: string) => ({ prometheus: { url: rig.server.url(""), query, maxErrorRate: 0.01 } });

    it("a high error rate", async () => {
      expect(await blockedMessage([rig.server.url("/healthy")], prometheus("errors_high"))).toContain(
        `Failed check: Prometheus error rate at ${rig.server.url("")}: observed error rate 0.2 (20 %) over 120 requests; limit error rate <= 0.01 (1 %, gate.prometheus.maxErrorRate).`,
      );
      expect(rig.server.queries).toContain("errors_high");
    });

    it.each([
      ["errors_empty", "observed the query returned no series (empty result)"],
      ["errors_nan", 'observed the series has no finite sample value (got "NaN")'],
      ["errors_broken", 'observed HTTP 503, status "error": storage is down'],
    ])("no usable answer to %s (fails closed)", async (query, observed) => {
      const message = await blockedMessage([rig.server.url("/healthy")], prometheus(query));
      expect(message).toContain(
        `Failed check: Prometheus error rate at ${rig.server.url("")}: ${observed}; limit error rate <= 0.01`,
      );
      expect(message).toContain("the error rate could not be read, so the gate fails closed.");
    });

    it("a negative error rate: not a ratio, so no evidence (fails closed)", async () => {
      const message = await blockedMessage([rig.server.url("/healthy")], prometheus("errors_negative"));
      expect(message).toContain(
        `Failed check: Prometheus error rate at ${rig.server.url("")}: observed the series has the value -0.05, ` +
          "which is not a ratio (an error rate is errors / requests, from 0 to 1); limit error rate <= 0.01",
      );
      expect(message).toContain("the error rate could not be read, so the gate fails closed.");
    });

    it("a Prometheus that does not answer: says it timed out, and after how long", async () => {
      const message = await blockedMessage([rig.server.url("/healthy")], {
        requestTimeoutMs: 300,
        ...prometheus("errors_hang"),
      });
      expect(message).toMatch(
        new RegExp(
          `Failed check: Prometheus error rate at ${esc(rig.server.url(""))}: observed query to ${esc(rig.server.url(""))}/api/v1/query ` +
            "timed out after \\d+ ms without an answer \\(gate\\.requestTimeoutMs 300 ms\\);",
        ),
      );
      expect(message).not.toContain("canceled");
    });

    it("an unreachable Prometheus (fails closed)", async () => {
      const message = await blockedMessage([rig.server.url("/healthy")], {
        prometheus: { url: rig.server.refusedUrl, query: "errors_low", maxErrorRate: 0.01 },
      });
      // The request count is judged first: without it an idle color cannot be told from a healthy one.
      expect(message).toContain(
        `Failed check: Prometheus request count at ${rig.server.refusedUrl}: observed query to ${rig.server.refusedUrl}/api/v1/query failed: connect ECONNREFUSED`,
      );
    });
  });
});
