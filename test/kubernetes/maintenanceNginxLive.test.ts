/**
 * The Kubernetes maintenance backend's nginx site (maintenanceNginxConfig),
 * run by Debian's nginx inside a main config shaped like the image's
 * (nginxinc/nginx-unprivileged: conf.d included from http, temp paths in
 * /tmp): every POST gets 503 and the page, whatever its body. The control
 * runs the site without `client_max_body_size 0`: nginx's default 1m answers
 * a larger body with its own 413 page, so the check above can fail. Not
 * proven here: the image's nginx (1.27) itself and the Gateway in front of it.
 */
import { ChildProcess, spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maintenanceNginxConfig } from "../../components/kubernetes/maintenanceManifests";
import { maintenancePage } from "../../components/maintenance";
import { freePorts } from "../../testkit/haproxy";

const NGINX_BIN = "/usr/sbin/nginx";
const MiB = 1024 * 1024;
const PAGE = maintenancePage("Moving orders to the new schema");
const POSTS = 20;

interface Nginx {
  readonly url: string;
  stop(): Promise<void>;
}

/** nginx in the foreground with `site` as its only server, on a free loopback port. */
async function startNginx(dir: string, site: string): Promise<Nginx> {
  const [port] = await freePorts(1);
  const root = await mkdtemp(join(dir, "nginx-"));
  // Workers run as nobody when the master is root: they read the page from here.
  await chmod(root, 0o755);
  await mkdir(join(root, "conf.d"));
  await mkdir(join(root, "page"));
  await writeFile(join(root, "page", "index.html"), PAGE);
  await writeFile(
    join(root, "conf.d", "default.conf"),
    site
      .replace("listen 8080;", `listen 127.0.0.1:${port};`)
      .replace("/usr/share/nginx/maintenance", join(root, "page")),
  );
  await writeFile(
    join(root, "nginx.conf"),
    [
      "worker_processes 1;",
      `pid ${root}/nginx.pid;`,
      "events { worker_connections 1024; }",
      "http {",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${root}/${t}_temp;`),
      "    include /etc/nginx/mime.types;",
      "    default_type application/octet-stream;",
      "    access_log off;",
      "    sendfile on;",
      "    keepalive_timeout 65;",
      `    include ${root}/conf.d/*.conf;`,
      "}",
      "",
    ].join("\n"),
  );
  const args = ["-p", root, "-e", join(root, "error.log"), "-c", join(root, "nginx.conf"), "-g", "daemon off;"];
  const child: ChildProcess = spawn(NGINX_BIN, args, { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}/orders`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      });
    }
  };
  for (const deadline = Date.now() + 10_000; ;) {
    const ready = await new Promise<boolean>((resolve) =>
      http
        .get(url, { agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode === 503);
        })
        .on("error", () => resolve(false)),
    );
    if (ready) return { url, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not answer on ${url} (exit ${child.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A POST from Node's client, its body streamed from a file without `Expect: 100-continue`: status and body, or the error. */
function post(url: string, file: string, size: number): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: "POST", agent: false, headers: { "content-length": size } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    createReadStream(file, { start: 0, end: size - 1 }).pipe(req);
  });
}

/** What `POSTS` clients in sequence, then `POSTS` at once, got instead of the page. */
async function notThePage(url: string, file: string, size: number): Promise<unknown[]> {
  const one = () => post(url, file, size);
  const sequential = [];
  for (let i = 0; i < POSTS; i++) sequential.push(await one());
  const outcomes = [...sequential, ...(await Promise.all(Array.from({ length: POSTS }, one)))];
  return outcomes
    .filter((o) => !("status" in o && o.status === 503 && o.body === PAGE))
    .map((o) => ("error" in o ? o.error : o.status));
}

describe("the maintenance backend's nginx site, on real nginx", () => {
  let dir: string;
  let body: string;
  const running: Nginx[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bluegreen-nginx-"));
    await chmod(dir, 0o755);
    body = join(dir, "body");
    await writeFile(body, Buffer.alloc(16 * MiB, 0x61));
  });
  afterAll(async () => {
    await Promise.all(running.map((n) => n.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("GIVEN the generated site WHEN 20 POSTs arrive in sequence and 20 at once, of 1 MiB, 2 MiB and 16 MiB THEN every one gets 503 and the page", async () => {
    const nginx = await startNginx(dir, maintenanceNginxConfig());
    running.push(nginx);
    for (const size of [MiB, 2 * MiB, 16 * MiB]) {
      expect(await notThePage(nginx.url, body, size), `${size} bytes`).toEqual([]);
    }
  }, 60_000);

  it("GIVEN the site without client_max_body_size 0 WHEN a 2 MiB POST arrives THEN nginx answers 413: the check above can fail", async () => {
    const site = maintenanceNginxConfig().replace("    client_max_body_size 0;\n", "");
    expect(site).not.toContain("client_max_body_size");
    const nginx = await startNginx(dir, site);
    running.push(nginx);
    expect(await post(nginx.url, body, 2 * MiB)).toMatchObject({ status: 413 });
  }, 60_000);
});
