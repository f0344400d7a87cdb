/**
 * Maintenance mode on Debian's real HAProxy, started from the generated
 * config, switched by the HaproxyMaintenance provider in Pulumi's real
 * dynamic-provider host: the same process serves before, during and after
 * (no reload), a request in flight completes, users get 503 with the page and
 * Retry-After, each color's own endpoint still answers, both servers stay up,
 * and turning it off returns to the weights.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Color } from "../../components/contracts/colors";
import { applyMaintenance, applyWeights, getWeights, runtimeCommand } from "../../components/docker/haproxyRuntime";
import { haproxyMaintenanceProvider } from "../../components/docker/routerMaintenance";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { maintenancePage } from "../../components/maintenance";
import { countColors } from "../../testkit/colorBackends";
import { freePorts, Haproxy, serverStates, startHaproxy, startRouter } from "../../testkit/haproxy";
import { ProviderHost, Props, serializeProvider } from "../../testkit/providerHost";

const TYPE = DYNAMIC_TYPES.haproxyMaintenance.token;
const MESSAGE = 'Upgrading <db> & "cache"; back soon';

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      })
      .on("error", reject);
  });
}

/** Requests to /slow, held until the test releases them: in flight for as long as the test needs. */
const held: { arrived: Promise<void>; arrive: () => void; release: () => void } = {
  arrived: Promise.resolve(),
  arrive: () => undefined,
  release: () => undefined,
};
function holdNextSlowRequest(): void {
  held.arrived = new Promise((resolve) => (held.arrive = resolve));
}

/** A color app: its color as the body, "ok" on /healthz, and /slow answering when the test releases it. */
function colorApp(color: Color): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const answer = () => res.end(req.url === "/healthz" ? "ok" : color);
    if (req.url === "/slow") {
      held.release = answer;
      held.arrive();
    } else answer();
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("maintenance mode on real HAProxy, switched live through the runtime API", () => {
  let apps: http.Server[];
  let haproxy: Haproxy;
  let host: ProviderHost;
  let providerText: string;
  let url: string;
  const colorUrl = (i: number) => `http://127.0.0.1:${(apps[i].address() as AddressInfo).port}/`;

  beforeAll(async () => {
    apps = await Promise.all([colorApp("blue"), colorApp("green")]);
    const [bind, admin] = await freePorts(2);
    const port = (i: number) => (apps[i].address() as AddressInfo).port;
    [haproxy, host, providerText] = await Promise.all([
      startHaproxy({
        app: "api",
        bind: { address: "127.0.0.1", port: bind },
        admin: { address: "127.0.0.1", port: admin },
        healthPath: "/healthz",
        servers: {
          blue: { address: "127.0.0.1", port: port(0), weight: 30 },
          green: { address: "127.0.0.1", port: port(1), weight: 70 },
        },
        maintenance: true,
      }),
      ProviderHost.start(),
      serializeProvider(haproxyMaintenanceProvider),
    ]);
    url = `http://127.0.0.1:${bind}/`;
  });
  afterAll(async () => {
    await Promise.all([haproxy?.stop(), host?.stop()]);
    await Promise.all((apps ?? []).map((s) => new Promise((r) => s.close(r))));
  });

  it("GIVEN users on a 30/70 split WHEN maintenance is switched on and off through the provider THEN the page, then the split again, from the same process", async () => {
    const admin = haproxy.spec.admin;
    const mapFile = haproxy.spec.maintenanceMap!;
    const pidBefore = await runtimeCommand(admin, "show info").then((info) => /^Pid: (\d+)$/m.exec(info)?.[1]);
    const state = { enabled: true, page: maintenancePage(MESSAGE), retryAfterSeconds: 120 };
    const inputs: Props = { admin: { address: admin.address, port: admin.port }, mapFile, state };

    // Off at start: users reach the app.
    expect((await get(url)).status).toBe(200);

    // A request in flight when the switch happens completes with the app's answer.
    holdNextSlowRequest();
    const inFlight = get(`${url}slow`);
    await held.arrived;
    const created = await host.create(TYPE, providerText, inputs);
    expect((await get(url)).status).toBe(503);
    held.release();
    const slow = await inFlight;
    expect(slow.status).toBe(200);
    expect(["blue", "green"]).toContain(slow.body);

    const page = await get(url);
    expect(page.status).toBe(503);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["retry-after"]).toBe("120");
    expect(page.body).toBe(maintenancePage(MESSAGE));
    expect(page.body).toContain("Upgrading &lt;db&gt; &amp; &quot;cache&quot;; back soon");

    // The colors stay reachable for the gates, stay up in the router, and keep their weights.
    expect((await get(colorUrl(0))).body).toBe("blue");
    expect((await get(colorUrl(1))).body).toBe("green");
    const states = await serverStates(admin, "api");
    expect([states.blue.opState, states.green.opState]).toEqual([2, 2]);
    expect(await getWeights(admin, "api")).toEqual({ blue: 30, green: 70 });

    // A new message is applied live as well.
    const newPage = maintenancePage("Almost done");
    await host.update(TYPE, providerText, created.id, created.outs, { ...inputs, state: { ...state, page: newPage } });
    expect((await get(url)).body).toBe(newPage);

    // Off: back to the configured split, same process throughout.
    await host.update(TYPE, providerText, created.id, created.outs, { ...inputs, state: { ...state, enabled: false } });
    const counts = await countColors(url, 2_000);
    expect(counts.failureSamples).toEqual([]);
    expect(Math.abs(counts.blue / 2_000 - 0.3)).toBeLessThanOrEqual(0.02);
    const pidAfter = await runtimeCommand(admin, "show info").then((info) => /^Pid: (\d+)$/m.exec(info)?.[1]);
    expect(pidBefore).toMatch(/^\d+$/);
    expect(pidAfter).toBe(pidBefore);
  });

  it("GIVEN maintenance on WHEN the weights move THEN users still get the page and the split applies once it is off", async () => {
    const admin = haproxy.spec.admin;
    const mapFile = haproxy.spec.maintenanceMap!;
    const on = { enabled: true, page: maintenancePage("Window"), retryAfterSeconds: 60 };
    const inputs: Props = { admin: { address: admin.address, port: admin.port }, mapFile, state: on };
    const created = await host.create(TYPE, providerText, inputs);
    await applyWeights(admin, "api", { blue: 0, green: 100 });
    expect((await get(url)).status).toBe(503);
    await host.update(TYPE, providerText, created.id, created.outs, { ...inputs, state: { ...on, enabled: false } });
    const counts = await countColors(url, 200);
    expect(counts.green).toBe(200);
  });

  it("GIVEN a page with a line break WHEN Check runs in the real host THEN it is refused", async () => {
    const admin = haproxy.spec.admin;
    const result = await host.check(
      TYPE,
      providerText,
      {},
      {
        admin: { address: admin.address, port: admin.port },
        mapFile: haproxy.spec.maintenanceMap!,
        state: { enabled: true, page: "a\nb", retryAfterSeconds: 0 },
      },
    );
    expect(result.failures.map((f) => f.property).sort()).toEqual(["state.page", "state.retryAfterSeconds"]);
  });
});

describe("a router started without the maintenance map (older config)", () => {
  it("GIVEN no map WHEN switched off THEN nothing to do (it serves no page); WHEN switched on THEN refused with the fix", async () => {
    const router = await startRouter({ blue: 1, green: 1 });
    try {
      const map = "/usr/local/etc/haproxy/maintenance.map";
      const on = { enabled: true, page: maintenancePage("x"), retryAfterSeconds: 60 };
      await applyMaintenance(router.spec.admin, map, { ...on, enabled: false });
      await expect(applyMaintenance(router.spec.admin, map, on)).rejects.toThrow(
        /Unknown map identifier.*Fix: this router was started from a config without the maintenance map/,
      );
      expect((await get(router.url)).status).toBe(200);
    } finally {
      await router.stop();
    }
  });
});
