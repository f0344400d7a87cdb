/**
 * The watch's Kubernetes client without a client library: kubeconfig files
 * read and merged as kubectl does (tooling/kube/kubeconfig.ts), and GETs
 * over real TLS on loopback with the cluster's CA and an exec credential
 * plugin run as kubectl runs it, its credential kept until it expires or a
 * 401 (tooling/kube/client.ts).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Server } from "node:https";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeApiClient } from "../../../tooling/kube/client";
import { KubeconfigError, kubeconfigFiles, loadKubeconfig } from "../../../tooling/kube/kubeconfig";

const never = new AbortController().signal;
let folder: string;
const file = (name: string, text: string) => {
  const at = path.join(folder, name);
  writeFileSync(at, text);
  return at;
};

beforeAll(() => {
  folder = mkdtempSync(path.join(tmpdir(), "bluegreen-kubeconfig-"));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("loadKubeconfig", () => {
  it("reads $KUBECONFIG's list, else ~/.kube/config", () => {
    expect(kubeconfigFiles({ KUBECONFIG: `/a${path.delimiter}${path.delimiter}/b` }, "/home/u")).toEqual(["/a", "/b"]);
    expect(kubeconfigFiles({}, "/home/u")).toEqual(["/home/u/.kube/config"]);
  });

  it("merges the files as kubectl does: the first to name an entry or a current context wins; paths are relative to their file", () => {
    file("ca.crt", "THE-CA");
    const first = file(
      "first",
      [
        "clusters: [{ name: shared, cluster: { server: 'https://first.example:6443', certificate-authority: ca.crt } }]",
        "users: [{ name: ci, user: { tokenFile: token } }]",
      ].join("\n"),
    );
    const second = file(
      "second",
      [
        "current-context: staging",
        "clusters: [{ name: shared, cluster: { server: 'https://second.example:6443' } }]",
        "contexts:",
        "  - { name: staging, context: { cluster: shared, user: ci } }",
        "  - { name: other, context: { cluster: shared } }",
      ].join("\n"),
    );
    const target = loadKubeconfig([path.join(folder, "absent"), first, second]);
    expect(target).toMatchObject({
      context: "staging",
      server: new URL("https://first.example:6443"),
      ca: Buffer.from("THE-CA"),
      insecureSkipTlsVerify: false,
      credentials: { kind: "token-file", path: path.join(folder, "token") },
      files: [first, second],
    });
    expect(loadKubeconfig([first, second], "other").credentials).toEqual({ kind: "none" });
  });

  it.each([
    ["no file at all", [] as string[], undefined, /^no kubeconfig: .*absent does not exist/],
    ["an unknown context", ["current-context: x", "contexts: []"], undefined, /has no context "x"/],
    [
      "an auth-provider user",
      [
        "current-context: c",
        "clusters: [{ name: k, cluster: { server: 'https://k' } }]",
        "users: [{ name: u, user: { auth-provider: { name: gcp } } }]",
        "contexts: [{ name: c, context: { cluster: k, user: u } }]",
      ],
      undefined,
      /user u uses auth-provider, which the watch does not support: use a token, a client certificate or an exec plugin/,
    ],
    [
      "a proxy-url",
      [
        "current-context: c",
        "clusters: [{ name: k, cluster: { server: 'https://k', proxy-url: 'http://proxy:3128' } }]",
        "contexts: [{ name: c, context: { cluster: k } }]",
      ],
      undefined,
      /cluster k uses proxy-url, which the watch does not support/,
    ],
    [
      "a client certificate without its key",
      [
        "current-context: c",
        "clusters: [{ name: k, cluster: { server: 'https://k' } }]",
        "users: [{ name: u, user: { client-certificate-data: Zm9v } }]",
        "contexts: [{ name: c, context: { cluster: k, user: u } }]",
      ],
      undefined,
      /user u has a client certificate without its key/,
    ],
  ])("refuses %s, naming the file and the fix", (_what, lines, context, message) => {
    const files =
      lines.length === 0 ? [path.join(folder, "absent")] : [file(`refused-${Math.random()}`, lines.join("\n"))];
    expect(() => loadKubeconfig(files, context)).toThrow(KubeconfigError);
    expect(() => loadKubeconfig(files, context)).toThrow(message);
  });
});

describe("kubeApiClient over TLS with an exec plugin", () => {
  let server: Server;
  let url: string;
  let ca: Buffer;
  const tokens: (string | undefined)[] = [];
  /** Tokens the server refuses with 401 (revoked). */
  const revoked = new Set<string>();

  beforeAll(async () => {
    const key = path.join(folder, "server.key");
    const cert = path.join(folder, "server.crt");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-keyout",
        key,
        "-out",
        cert,
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    ca = readFileSync(cert);
    server = createServer({ key: readFileSync(key), cert: ca }, (req, res) => {
      const token = req.headers.authorization?.replace(/^Bearer /, "");
      tokens.push(token);
      const refused = token === undefined || revoked.has(token);
      res.writeHead(refused ? 401 : 200, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          refused
            ? { kind: "Status", code: 401, message: "Unauthorized" }
            : { kind: "EndpointSliceList", items: [], path: req.url },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A plugin printing token-<n> (n: its runs so far), valid for `validSeconds`, and how often it ran. */
  const plugin = (validSeconds: number) => {
    const runs = path.join(folder, `runs-${Math.random().toString(36).slice(2)}`);
    writeFileSync(runs, "");
    const script = file(
      `plugin-${Math.random().toString(36).slice(2)}.sh`,
      [
        "#!/bin/sh",
        // kubectl's contract: the plugin learns it is not interactive from KUBERNETES_EXEC_INFO.
        `case "$KUBERNETES_EXEC_INFO" in *'"interactive":false'*) ;; *) exit 3 ;; esac`,
        `echo x >> "${runs}"`,
        `n=$(wc -l < "${runs}" | tr -d ' ')`,
        `expiry=$(date -u -d "@$(( $(date +%s) + ${validSeconds} ))" +%Y-%m-%dT%H:%M:%SZ)`,
        `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-%s","expirationTimestamp":"%s"}}' "$n" "$expiry"`,
      ].join("\n"),
    );
    chmodSync(script, 0o755);
    const config = file(
      `exec-${Math.random().toString(36).slice(2)}`,
      [
        "current-context: c",
        `clusters: [{ name: k, cluster: { server: '${url}/proxy/k8s/', certificate-authority-data: ${ca.toString("base64")} } }]`,
        `users: [{ name: u, user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: ./${path.basename(script)}, args: [] } } }]`,
        "contexts: [{ name: c, context: { cluster: k, user: u } }]",
      ].join("\n"),
    );
    return { config, runs: () => readFileSync(runs, "utf8").split("\n").filter(Boolean).length };
  };

  it("runs the plugin once while its credential is valid, sends it as a bearer token, keeps the server's path prefix", async () => {
    const { config, runs } = plugin(900);
    const api = kubeApiClient(loadKubeconfig([config]));
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await api.get("/apis/discovery.k8s.io/v1/endpointslices", 2000, never));
    expect(answers.map((a) => ("status" in a ? a.status : a.problem))).toEqual([200, 200, 200]);
    expect(JSON.parse((answers[0] as { body: string }).body).path).toBe(
      "/proxy/k8s/apis/discovery.k8s.io/v1/endpointslices",
    );
    expect(runs()).toBe(1);
    expect(tokens.slice(-3)).toEqual(["token-1", "token-1", "token-1"]);
  });

  it("runs it again after a 401 (a credential revoked before its expiry) and once it is about to expire", async () => {
    const kept = plugin(900);
    const api = kubeApiClient(loadKubeconfig([kept.config]));
    expect(await api.get("/x", 2000, never)).toMatchObject({ status: 200 });
    revoked.add("token-1");
    expect(await api.get("/x", 2000, never)).toMatchObject({ status: 401 });
    expect(await api.get("/x", 2000, never)).toMatchObject({ status: 200 });
    expect(kept.runs()).toBe(2);
    revoked.clear();

    const expiring = plugin(5);
    const short = kubeApiClient(loadKubeconfig([expiring.config]));
    await short.get("/x", 2000, never);
    await short.get("/x", 2000, never);
    expect(expiring.runs()).toBe(2);
  });

  it("refuses a server whose certificate the kubeconfig's CA did not sign, as a problem, never a throw", async () => {
    const target = { ...loadKubeconfig([plugin(900).config]), ca: undefined };
    expect(await kubeApiClient(target).get("/x", 2000, never)).toEqual({
      problem: expect.stringMatching(/self[- ]signed certificate/),
    });
  });
});
