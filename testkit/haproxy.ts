/**
 * Real HAProxy on loopback, started from the config renderHaproxyConfig
 * generates, in front of the two color backends; plus the shift-under-load
 * run shared by the live test and bench/haproxy.ts.
 */
import { ChildProcessByStdio, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Color, COLORS } from "../components/contracts/colors";
import {
  Endpoint,
  HaproxySpec,
  ServerWeights,
  renderHaproxyConfig,
  renderRuntimeApiClients,
} from "../components/docker/haproxyConfig";
import {
  INITIAL_MAINTENANCE_MAP,
  MAINTENANCE_SCRIPT,
  maintenanceScriptFile,
} from "../components/docker/haproxyMaintenance";
import { runtimeCommand } from "../components/docker/haproxyRuntime";
import { getColor, startColorBackends } from "./colorBackends";
import { ProviderHost, Props } from "./providerHost";

export const HAPROXY_BIN = "/usr/sbin/haproxy";
export const HAPROXY_WEIGHTS_TYPE = "pulumi-nodejs:dynamic/bluegreen:HaproxyWeights";
const READY_TIMEOUT_MS = 10_000;

/** Ports free right now on 127.0.0.1, all distinct (held open together while picked). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export interface ServerState {
  /** HAProxy srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  readonly opState: number;
  readonly weight: number;
}

/** Operational state of the color servers, from `show servers state <backend>`. */
export async function serverStates(admin: Endpoint, backend: string): Promise<Record<Color, ServerState>> {
  const answer = await runtimeCommand(admin, `show servers state ${backend}`);
  const states: Partial<Record<Color, ServerState>> = {};
  for (const line of answer.split("\n")) {
    // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight ...
    const f = line.split(" ");
    if (f[1] === backend && (COLORS as readonly string[]).includes(f[3])) {
      states[f[3] as Color] = { opState: Number(f[5]), weight: Number(f[7]) };
    }
  }
  if (!states.blue || !states.green)
    throw new Error(`no blue/green servers in "show servers state ${backend}": ${answer}`);
  return states as Record<Color, ServerState>;
}

/**
 * Points `backend/color` at another address through the runtime API (new connections go there; its health
 * checks follow): a test's way to swap a color's app for a misbehaving one, or for a closed port (a dead app).
 */
export async function pointServer(admin: Endpoint, backend: string, color: Color, to: Endpoint): Promise<void> {
  const command = `set server ${backend}/${color} addr ${to.address} port ${to.port}`;
  const answer = (await runtimeCommand(admin, command)).trim();
  if (!/changed|no need to change/.test(answer)) throw new Error(`HAProxy refused "${command}": ${answer}`);
}

export interface Haproxy {
  /** The spec it runs, with the runtime API's socket and client list in its own directory. */
  readonly spec: HaproxySpec;
  /** What haproxy printed (warnings, alerts). */
  readonly log: string;
  stop(): Promise<void>;
}

/**
 * A spec whose runtime API is given by its TCP listener only; startHaproxy places the socket and client list,
 * and with `maintenance` the maintenance map (as the router starts it: off) and the maintenance service.
 */
export type LoopbackSpec = Omit<HaproxySpec, "admin" | "maintenanceMap"> & {
  readonly admin: Endpoint;
  readonly maintenance?: boolean;
};

/**
 * Starts `haproxy -db` (foreground) with the generated config, its runtime
 * API answering only `clients` (the host's address by default); resolves
 * once the runtime API answers and both color servers are health-checked up.
 * `editConfig` changes the generated config before it is written (a test's
 * control: what an older config did).
 */
export async function startHaproxy(
  hostSpec: LoopbackSpec,
  clients: readonly string[] = ["127.0.0.1"],
  editConfig: (config: string) => string = (config) => config,
): Promise<Haproxy> {
  const dir = await mkdtemp(join(tmpdir(), "bluegreen-haproxy-"));
  const configPath = join(dir, "haproxy.cfg");
  const { maintenance, ...rest } = hostSpec;
  const spec: HaproxySpec = {
    ...rest,
    admin: {
      ...hostSpec.admin,
      socket: join(dir, "runtime-api.sock"),
      clientsFile: join(dir, "runtime-api-clients.lst"),
    },
    ...(maintenance ? { maintenanceMap: join(dir, "maintenance.map") } : {}),
  };
  await writeFile(spec.admin.clientsFile, renderRuntimeApiClients(clients));
  if (spec.maintenanceMap !== undefined) await writeFile(spec.maintenanceMap, INITIAL_MAINTENANCE_MAP);
  if (spec.maintenanceMap !== undefined)
    await writeFile(maintenanceScriptFile(spec.maintenanceMap), MAINTENANCE_SCRIPT);
  await writeFile(configPath, editConfig(renderHaproxyConfig(spec)));
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(HAPROXY_BIN, ["-f", configPath, "-db"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout.on("data", (c: Buffer) => output.push(c.toString()));
  child.stderr.on("data", (c: Buffer) => output.push(c.toString()));
  child.once("error", (err) => output.push(`spawn ${HAPROXY_BIN} failed: ${err.message}`));
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.pid === undefined) {
      await stop();
      throw new Error(`haproxy exited (${child.exitCode}) before it was ready: ${output.join("")}`);
    }
    const states = await serverStates(spec.admin, spec.app).catch(() => undefined);
    if (states && states.blue.opState === 2 && states.green.opState === 2) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `haproxy not ready within ${READY_TIMEOUT_MS} ms (servers: ${JSON.stringify(states)}): ${output.join("")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    spec,
    get log() {
      return output.join("");
    },
    stop,
  };
}

export interface Router {
  readonly spec: HaproxySpec;
  readonly url: string;
  readonly haproxy: Haproxy;
  stop(): Promise<void>;
}

/** Color backends plus HAProxy in front of them, with `weights` written into the config. */
export async function startRouter(
  weights: ServerWeights,
  app = "api",
  healthPath = "/healthz",
  maintenance = false,
): Promise<Router> {
  const backends = await startColorBackends(healthPath);
  try {
    const [bindPort, adminPort] = await freePorts(2);
    const hostSpec: LoopbackSpec = {
      app,
      bind: { address: "127.0.0.1", port: bindPort },
      admin: { address: "127.0.0.1", port: adminPort },
      healthPath,
      servers: {
        blue: { ...backends.blue, weight: weights.blue },
        green: { ...backends.green, weight: weights.green },
      },
      maintenance,
    };
    const haproxy = await startHaproxy(hostSpec);
    return {
      spec: haproxy.spec,
      url: `http://127.0.0.1:${bindPort}/`,
      haproxy,
      async stop() {
        await haproxy.stop();
        await backends.stop();
      },
    };
  } catch (err) {
    await backends.stop();
    throw err;
  }
}

/** Colors a weight change must make appear (0 -> >0) and vanish (>0 -> 0). */
export function visibleChanges(prev: ServerWeights, next: ServerWeights): { appear: Color[]; vanish: Color[] } {
  return {
    appear: COLORS.filter((c) => prev[c] === 0 && next[c] > 0),
    vanish: COLORS.filter((c) => prev[c] > 0 && next[c] === 0),
  };
}

/** Consecutive probes without a drained color before it counts as gone. */
const VANISH_STREAK = 50;
const VISIBILITY_DEADLINE_MS = 5_000;

/**
 * Milliseconds from now until traffic shows the change from `prev` to `next`:
 * every color that gained weight has served a probe, and every color that
 * lost all weight has served none of the last VANISH_STREAK probes (measured
 * to the first probe of that streak). Probes are sequential GETs.
 */
export async function visibilityMs(
  url: string,
  agent: http.Agent,
  prev: ServerWeights,
  next: ServerWeights,
): Promise<{ ms: number; failures: number }> {
  const { appear, vanish } = visibleChanges(prev, next);
  if (appear.length + vanish.length === 0)
    throw new Error(
      `weights ${JSON.stringify(prev)} -> ${JSON.stringify(next)} switch no color on or off; nothing to observe`,
    );
  const start = performance.now();
  const appearedAt = new Map<Color, number>();
  let cleanSince: number | undefined;
  let clean = 0;
  let failures = 0;
  for (;;) {
    const result = await getColor(url, agent);
    const at = performance.now() - start;
    if (!("color" in result)) failures++;
    else if (vanish.includes(result.color)) clean = 0;
    else {
      if (clean === 0) cleanSince = at;
      clean++;
      if (appear.includes(result.color) && !appearedAt.has(result.color)) appearedAt.set(result.color, at);
    }
    if (appearedAt.size === appear.length && (vanish.length === 0 || clean >= VANISH_STREAK)) {
      return { ms: Math.max(0, ...appearedAt.values(), vanish.length > 0 ? cleanSince! : 0), failures };
    }
    if (at > VISIBILITY_DEADLINE_MS) {
      throw new Error(
        `traffic did not show ${JSON.stringify(prev)} -> ${JSON.stringify(next)} within ${VISIBILITY_DEADLINE_MS} ms`,
      );
    }
  }
}

// autocannon ships no type declarations; these are the fields used here.
interface AutocannonResult {
  "2xx": number;
  non2xx: number;
  errors: number;
  timeouts: number;
  requests: { total: number; sent: number };
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: "response", listener: () => void): void;
  stop(): void;
}

export interface ShiftStep {
  readonly weights: ServerWeights;
  /** Duration of the provider's Update through the real dynamic-provider host. */
  readonly updateMs: number;
  /** From the Update's call until traffic shows the change (it may show before the Update returns). */
  readonly visibleMs: number;
  /** Whether the load generator was still running when this step was observed in traffic. */
  readonly underLoad: boolean;
}

export interface ShiftRun {
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Failed visibility probes (they share the router with the load). */
  readonly probeFailures: number;
  readonly steps: ShiftStep[];
}

export interface ShiftOptions {
  readonly router: Router;
  readonly host: ProviderHost;
  readonly providerText: string;
  /** The created HaproxyWeights resource the schedule updates. */
  readonly resource: { id: string; outs: Props };
  readonly schedule: ServerWeights[];
  readonly requests: number;
  readonly connections: number;
}

/**
 * Runs autocannon for `requests` requests and, spread evenly across the run,
 * moves the weights through `schedule` with HaproxyWeights Updates via the
 * real dynamic-provider host, measuring when each change shows in traffic.
 */
export async function shiftUnderLoad(opts: ShiftOptions): Promise<ShiftRun> {
  const autocannon = require("autocannon");
  const instance: AutocannonInstance = autocannon({
    url: opts.router.url,
    connections: opts.connections,
    amount: opts.requests,
    timeout: 5,
  });
  let responses = 0;
  let finished = false;
  instance.on("response", () => responses++);
  const done = Promise.resolve(instance).finally(() => (finished = true));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const steps: ShiftStep[] = [];
  let probeFailures = 0;
  let olds = opts.resource.outs;
  try {
    for (const [i, weights] of opts.schedule.entries()) {
      const due = ((i + 1) * opts.requests) / (opts.schedule.length + 1);
      while (responses < due && !finished) await new Promise((r) => setTimeout(r, 2));
      const news = { admin: opts.router.spec.admin, backend: opts.router.spec.app, weights };
      // Probing starts with the call: the Update's own time counts, as it does for a user.
      const t0 = performance.now();
      const [{ outs, updateMs }, visible] = await Promise.all([
        opts.host
          .update(HAPROXY_WEIGHTS_TYPE, opts.providerText, opts.resource.id, olds, news)
          .then((outs) => ({ outs, updateMs: performance.now() - t0 })),
        visibilityMs(opts.router.url, agent, olds.weights as ServerWeights, weights),
      ]);
      probeFailures += visible.failures;
      steps.push({ weights, updateMs, visibleMs: visible.ms, underLoad: !finished });
      olds = outs;
    }
  } catch (err) {
    instance.stop();
    await done.catch(() => undefined);
    throw err;
  } finally {
    agent.destroy();
  }
  const result = await done;
  return {
    requests: result.requests.total,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    probeFailures,
    steps,
  };
}
