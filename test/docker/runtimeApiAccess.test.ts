/**
 * Who reaches the local router's runtime API (level admin, no
 * authentication), proven on Debian's real HAProxy running the exact config
 * the program uploads for Pulumi.local.yaml, with only its addresses and
 * paths moved to loopback: 127.0.0.1 stands for the host side (the stack
 * network's gateway, where Docker's port published on the host's loopback
 * arrives from) and 127.0.0.2 / 127.0.0.3 for an app and the migration
 * container on the same network. A client binds its source address to the
 * alias, as a container's connections carry its own address.
 *
 * Not proven here: Docker's own network isolation and port publishing (no
 * Docker engine on this machine). The claim that published-port connections
 * arrive from the gateway is Docker's documented behaviour, not a test result.
 */
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getWeights, runtimeCommand } from "../../components/docker/haproxyRuntime";
import { freePorts, HAPROXY_BIN } from "../../testkit/haproxy";
import { runProgram } from "../../tooling/engine/offlineProgram";
import { named } from "../program/graph";

const HOST = "127.0.0.1";
const CONTAINERS = ["127.0.0.2", "127.0.0.3"];

type Attempt = { answer: string } | { refused: string };

/** One runtime API command from `source`, as `echo cmd | nc` from that address would send it. */
function fromAddress(source: string, port: number, command: string): Promise<Attempt> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.createConnection({ host: HOST, port, localAddress: source });
    socket.once("connect", () => socket.end(`${command}\n`));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.once("error", (error) => resolve({ refused: error.message }));
    socket.once("close", () =>
      resolve(
        chunks.length === 0 ? { refused: "closed without an answer" } : { answer: Buffer.concat(chunks).toString() },
      ),
    );
  });
}

function httpStatus(source: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: HOST, port, path: "/", localAddress: source, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once("error", reject);
  });
}

interface RunningRouter {
  readonly adminPort: number;
  readonly httpPort: number;
  readonly config: string;
  stop(): Promise<void>;
}

/** The program's uploaded haproxy.cfg and client list, moved to loopback; `clients` replaces the gateway. */
async function startUploadedRouter(clients: string): Promise<RunningRouter> {
  const program = await runProgram("local");
  const uploads = named(program, "api-router-haproxy").inputs.uploads as { file: string; content: string }[];
  const [config, clientList, maintenanceMap, maintenanceService] = uploads;
  expect(clientList.content).toBe("172.18.0.1\n");
  const dir = mkdtempSync(join(tmpdir(), "bluegreen-runtime-api-"));
  const [adminPort, httpPort] = await freePorts(2);
  const moves: [string, string][] = [
    ["bind 0.0.0.0:9999", `bind ${HOST}:${adminPort}`],
    ["bind 0.0.0.0:8080", `bind ${HOST}:${httpPort}`],
    ["/var/lib/haproxy/runtime-api.sock", join(dir, "runtime-api.sock")],
    [clientList.file, join(dir, "clients.lst")],
    [maintenanceMap.file, join(dir, "maintenance.map")],
    [maintenanceService.file, join(dir, "maintenance.lua")],
  ];
  let moved = config.content;
  for (const [from, to] of moves) {
    expect(moved.split(from).length - 1, `occurrences of ${from}`).toBeGreaterThan(0);
    moved = moved.split(from).join(to);
  }
  writeFileSync(join(dir, "clients.lst"), clientList.content.replace("172.18.0.1", clients));
  writeFileSync(join(dir, "maintenance.map"), maintenanceMap.content);
  writeFileSync(join(dir, "maintenance.lua"), maintenanceService.content);
  writeFileSync(join(dir, "haproxy.cfg"), moved);
  const child: ChildProcess = spawn(HAPROXY_BIN, ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: "ignore" });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready once the HTTP frontend accepts (the runtime API may be refusing everyone in a test).
  for (let attempt = 0; ; attempt++) {
    const up = await httpStatus(HOST, httpPort).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || attempt > 200) {
      await stop();
      throw new Error(`haproxy did not start (exit ${child.exitCode})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { adminPort, httpPort, config: moved, stop };
}

describe("the local router's runtime API, as the program configures it, on real HAProxy", () => {
  let router: RunningRouter;
  beforeAll(async () => {
    router = await startUploadedRouter(HOST);
  });
  afterAll(() => router?.stop());

  it("answers the host side (the gateway's stand-in): the weights can be read and moved", async () => {
    const admin = { address: HOST, port: router.adminPort };
    expect(await getWeights(admin, "api")).toEqual({ blue: 1, green: 1 });
    expect(await fromAddress(HOST, router.adminPort, "set server api/green weight 3")).toEqual({ answer: "\n" });
    expect(await getWeights(admin, "api")).toEqual({ blue: 1, green: 3 });
  });

  it.each(CONTAINERS)(
    "refuses a container on the network (%s): no answer, and a weight command it sends changes nothing",
    async (container) => {
      const admin = { address: HOST, port: router.adminPort };
      const before = await getWeights(admin, "api");
      expect(await fromAddress(container, router.adminPort, "get weight api/blue")).toHaveProperty("refused");
      expect(await fromAddress(container, router.adminPort, "set server api/blue weight 0")).toHaveProperty("refused");
      expect(await fromAddress(container, router.adminPort, "shutdown frontend http-in")).toHaveProperty("refused");
      expect(await getWeights(admin, "api")).toEqual(before);
      // The same address does reach the router's user-facing frontend (503: no color is up here).
      expect(await httpStatus(container, router.httpPort)).toBe(503);
    },
  );

  it("serves its admin CLI on the unix socket only: no network address reaches it directly", async () => {
    const sockets = await fromAddress(HOST, router.adminPort, "show cli sockets");
    expect(sockets).toHaveProperty("answer");
    const lines = (sockets as { answer: string }).answer.trim().split("\n");
    expect(lines).toEqual([
      "# socket lvl processes",
      expect.stringMatching(/^unix@\/.*\/runtime-api\.sock admin all$/),
    ]);
    expect(router.config).not.toMatch(/stats socket (ipv4|ipv6)@/);
  });
});

describe("a client the router does not list", () => {
  it("gets an error from HaproxyWeights' client naming the address and the fix, never a silent success", async () => {
    const router = await startUploadedRouter("127.0.0.9");
    try {
      await expect(runtimeCommand({ address: HOST, port: router.adminPort }, "get weight api/blue")).rejects.toThrow(
        new RegExp(
          `^HAProxy runtime API at 127\\.0\\.0\\.1:${router.adminPort} did not answer "get weight api/blue": .+\\. ` +
            "Fix: check that the router is running and publishes its runtime API there; it answers only the clients in its list",
        ),
      );
    } finally {
      await router.stop();
    }
  });
});
