/**
 * Maintenance mode on the local router (real HAProxy): the time from the
 * switch call until users get the page, and back to the app when it is
 * switched off, for the runtime-API switch itself and through the
 * HaproxyMaintenance provider in Pulumi's real dynamic-provider host; plus
 * the failed requests of a client polling through every switch (a 503 page
 * is expected while on, anything else is a failure).
 * Run: npx tsx bench/maintenance.ts
 */
import * as http from "node:http";
import { DYNAMIC_TYPES } from "../components/contracts/resourceTypes";
import { applyMaintenance } from "../components/docker/haproxyRuntime";
import { haproxyMaintenanceProvider } from "../components/docker/routerMaintenance";
import { maintenancePage } from "../components/maintenance";
import { Router, startRouter } from "../testkit/haproxy";
import { ProviderHost, Props, serializeProvider } from "../testkit/providerHost";
import { describeSpread, Figure, report, spreadOf } from "./result";

const RUNS = 15;
const PAGE = maintenancePage("Benchmarking the maintenance window.");
const TYPE = DYNAMIC_TYPES.haproxyMaintenance.token;

/** One keep-alive GET: "page" (503 with the page), "app" (200 from a color) or what else came back. */
function probe(url: string, agent: http.Agent): Promise<"page" | "app" | string> {
  return new Promise((resolve) => {
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString();
          if (res.statusCode === 503 && body === PAGE && res.headers["retry-after"] === "60") resolve("page");
          else if (res.statusCode === 200 && (body === "blue" || body === "green")) resolve("app");
          else resolve(`HTTP ${res.statusCode} ${body.slice(0, 40)}`);
        });
      })
      .on("error", (err) => resolve(err.message));
  });
}

interface Switched {
  /** From the switch call until the first answer users get in the new state. */
  readonly visibleMs: number;
  /** The switch call itself (set and read back). */
  readonly callMs: number;
  /** Answers that were neither the page nor the app. */
  readonly failures: number;
}

/** Polls the router while `flip` runs; measures until a response shows `wanted`. */
async function timeSwitch(router: Router, wanted: "page" | "app", flip: () => Promise<unknown>): Promise<Switched> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let failures = 0;
  const started = performance.now();
  let callMs = 0;
  const call = flip().then(() => (callMs = performance.now() - started));
  let visibleMs: number | undefined;
  while (visibleMs === undefined) {
    const answer = await probe(router.url, agent);
    if (answer === wanted) visibleMs = performance.now() - started;
    else if (answer !== "page" && answer !== "app") failures++;
  }
  await call;
  agent.destroy();
  return { visibleMs, callMs, failures };
}

async function main(): Promise<void> {
  const [router, host, providerText] = await Promise.all([
    startRouter({ blue: 50, green: 50 }, "api", "/healthz", true),
    ProviderHost.start(),
    serializeProvider(haproxyMaintenanceProvider),
  ]);
  const admin = router.spec.admin;
  const mapFile = router.spec.maintenanceMap!;
  const state = (enabled: boolean) => ({ enabled, page: PAGE, retryAfterSeconds: 60 });
  const figures: Figure[] = [];
  try {
    const direct = { on: [] as Switched[], off: [] as Switched[] };
    for (let i = 0; i < RUNS; i++) {
      direct.on.push(await timeSwitch(router, "page", () => applyMaintenance(admin, mapFile, state(true))));
      direct.off.push(await timeSwitch(router, "app", () => applyMaintenance(admin, mapFile, state(false))));
    }
    const inputs = (enabled: boolean): Props => ({ admin: { ...admin }, mapFile, state: state(enabled) });
    const created = await host.create(TYPE, providerText, inputs(false));
    const provider = { on: [] as Switched[], off: [] as Switched[] };
    for (let i = 0; i < RUNS; i++) {
      for (const enabled of [true, false]) {
        const run = await timeSwitch(router, enabled ? "page" : "app", () =>
          host.update(TYPE, providerText, created.id, created.outs, inputs(enabled)),
        );
        (enabled ? provider.on : provider.off).push(run);
      }
    }
    const failures = [...direct.on, ...direct.off, ...provider.on, ...provider.off].reduce((n, r) => n + r.failures, 0);
    const figure = (what: string, runs: Switched[], key: keyof Omit<Switched, "failures">) => ({
      figure: what,
      observed: describeSpread(spreadOf(runs.map((run) => run[key])), "ms", 1),
    });
    figures.push(
      figure("maintenance on, runtime API: switch call → users get the page", direct.on, "visibleMs"),
      figure("maintenance off, runtime API: switch call → users get the app", direct.off, "visibleMs"),
      figure("maintenance on, runtime API: the switch call (set, read back)", direct.on, "callMs"),
      figure("maintenance on, provider Update in the real host → users get the page", provider.on, "visibleMs"),
      figure("maintenance off, provider Update in the real host → users get the app", provider.off, "visibleMs"),
      {
        figure: `answers other than the page or the app while polling ${4 * RUNS} switches`,
        observed: String(failures),
        goal: { text: "0 (no request fails while switching)", source: "issue 16", met: failures === 0 },
      },
    );
  } finally {
    await Promise.all([router.stop(), host.stop()]);
  }
  report("maintenance", figures);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
