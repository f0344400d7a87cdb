/**
 * The router config the local program really uploads (captured from the
 * program run for Pulumi.local.yaml) is accepted by Debian's haproxy, and
 * follows color containers through Docker's DNS when they are replaced. Who
 * reaches its runtime API: test/docker/runtimeApiAccess.test.ts.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runProgram } from "../../tooling/engine/offlineProgram";
import { named } from "../program/graph";
import { HAPROXY_BIN } from "../../testkit/haproxy";

const run = promisify(execFile);

describe("the local router's uploaded haproxy.cfg", () => {
  it("passes `haproxy -c` and re-resolves color containers through Docker's DNS", async () => {
    const program = await runProgram("local");
    const [upload, clients, maintenance, service] = named(program, "api-router-haproxy").inputs.uploads as {
      file: string;
      content: string;
    }[];
    expect(upload.file).toBe("/usr/local/etc/haproxy/haproxy.cfg");
    expect(upload.content).toContain("nameserver dns1 127.0.0.11:53");
    expect(upload.content).toContain("    server green api-green:80 weight 1");
    // The runtime API's client list: the stack network's gateway (mocked as Docker's first user-defined network).
    expect(clients).toEqual({ file: "/usr/local/etc/haproxy/runtime-api-clients.lst", content: "172.18.0.1\n" });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "router-cfg-"));
    const file = path.join(dir, "haproxy.cfg");
    const clientsFile = path.join(dir, "runtime-api-clients.lst");
    // The maintenance map, as the router starts it (off), and the service answering with the page: haproxy loads both at start.
    const mapFile = path.join(dir, "maintenance.map");
    const serviceFile = path.join(dir, "maintenance.lua");
    expect(maintenance.file).toBe("/usr/local/etc/haproxy/maintenance.map");
    expect(service.file).toBe("/usr/local/etc/haproxy/maintenance.lua");
    fs.writeFileSync(clientsFile, clients.content);
    fs.writeFileSync(mapFile, maintenance.content);
    fs.writeFileSync(serviceFile, service.content);
    const moved = [
      [clients.file, clientsFile],
      [maintenance.file, mapFile],
      [service.file, serviceFile],
    ].reduce((config, [from, to]) => config.split(from).join(to), upload.content);
    fs.writeFileSync(file, moved);
    try {
      const { stdout } = await run(HAPROXY_BIN, ["-c", "-f", file]);
      expect(stdout).toContain("Configuration file is valid");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is rejected by haproxy when broken, so the check above can fail", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "router-cfg-"));
    const file = path.join(dir, "haproxy.cfg");
    fs.writeFileSync(file, "backend api\n    balance roundrobbin\n");
    try {
      await expect(run(HAPROXY_BIN, ["-c", "-f", file])).rejects.toMatchObject({
        stderr: expect.stringContaining("balance only supports"),
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
