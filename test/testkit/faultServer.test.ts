import { request } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";

/** Status and body, or the error code; gives up (null) after `waitMs` of wall time. One connection per request. */
function get(
  url: string,
  waitMs = 1000,
): Promise<{ status: number; body: string; location?: string } | { error: string } | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve(null);
      req.destroy();
    }, waitMs);
    const req = request(url, { agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body, location: res.headers.location });
      });
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error: err.code ?? err.message });
    });
    req.end();
  });
}

describe("faultServer", () => {
  let server: FaultServer;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it("answers the healthy, status, body and redirect routes as documented", async () => {
    expect(await get(server.url("/healthy"))).toEqual({ status: 200, body: '{"status":"healthy"}' });
    expect(await get(server.url("/status/503"))).toEqual({ status: 503, body: '{"status":"unhealthy"}' });
    expect(await get(server.url("/wrong-body"))).toEqual({ status: 200, body: '{"status":"degraded"}' });
    expect(await get(server.url("/invalid-json"))).toEqual({ status: 200, body: '{"status": "healthy"' });
    expect(await get(server.url("/redirect-loop?x=1"))).toEqual({
      status: 302,
      body: "",
      location: "/redirect-loop?x=1",
    });
  });

  it("resets, refuses, hangs and drips", async () => {
    expect(await get(server.url("/reset"))).toEqual({ error: "ECONNRESET" });
    expect(await get(server.refusedUrl)).toEqual({ error: "ECONNREFUSED" });
    expect(await get(server.url("/hang"), 300)).toBeNull();
    // Bytes keep arriving every 20 ms (an idle-socket timeout would never fire), yet the body never ends.
    expect(await get(server.url("/drip?everyMs=20"), 300)).toBeNull();
  });

  it("delays slow and healthy?ms responses by the requested time", async () => {
    const started = performance.now();
    expect(await get(server.url("/slow?ms=150"))).toEqual({ status: 200, body: '{"status":"healthy"}' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it("flaps and degrades per path + query sequence", async () => {
    const statuses = async (path: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(((await get(server.url(path))) as { status: number }).status);
      return out;
    };
    expect(await statuses("/flap", 4)).toEqual([200, 503, 200, 503]);
    expect(await statuses("/degrading?ok=2", 4)).toEqual([200, 200, 503, 503]);
    expect(await statuses("/degrading?ok=1", 2)).toEqual([200, 503]);
  });

  it("answers Prometheus queries by their text and records them", async () => {
    const value = async (query: string) =>
      JSON.parse(((await get(server.url(`/api/v1/query?query=${query}`))) as { body: string }).body);
    expect((await value("high")).data.result[0].value[1]).toBe("0.2");
    expect((await value("low")).data.result[0].value[1]).toBe("0.001");
    expect((await value("nan")).data.result[0].value[1]).toBe("NaN");
    expect((await value("empty")).data.result).toEqual([]);
    expect(await value("broken")).toEqual({ status: "error", errorType: "unavailable", error: "storage is down" });
    expect(server.queries).toEqual(["high", "low", "nan", "empty", "broken"]);
  });

  it("counts requests per route and connections, and reset() clears them", async () => {
    await get(server.url("/healthy"));
    await get(server.url("/healthy?ms=1"));
    await get(server.url("/status/500"));
    expect([server.hits("/healthy"), server.hits("/status/500"), server.hits("/hang"), server.totalHits()]).toEqual([
      2, 1, 0, 3,
    ]);
    expect(server.lastHeaders("/status/500")).toMatchObject({ host: `127.0.0.1:${server.port}` });
    expect(server.connections()).toBe(3);
    server.reset();
    expect([server.totalHits(), server.connections(), server.lastHeaders("/healthy")]).toEqual([0, 0, undefined]);
  });
});
