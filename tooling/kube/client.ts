/**
 * A Kubernetes API client with no client library: an HTTP(S) GET (or the
 * one PATCH a rollback makes) against the kubeconfig's server (kubeconfig.ts) with its CA and the
 * user's credentials. An exec plugin's credential is kept until its
 * `expirationTimestamp` (or a 401), as kubectl keeps it, so `aws eks
 * get-token` runs once per quarter hour, not per request. A GET never
 * throws: what went wrong comes back as a problem naming the server.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import * as http from "node:http";
import * as https from "node:https";
import type { ExecPlugin, KubeTarget } from "./kubeconfig";

/** The most a GET reads of an answer: a list of a few services' endpoint slices is a few kB. */
const MAX_ANSWER_BYTES = 4_000_000;
/** An exec plugin that asks a cloud for a token (aws, gcloud) may take seconds; one that hangs must not stop the watch. */
const EXEC_TIMEOUT_MS = 30_000;
/** A credential this close to its expiry is fetched again. */
const EXPIRY_MARGIN_MS = 30_000;

export type KubeAnswer = { readonly status: number; readonly body: string } | { readonly problem: string };

export interface KubeApi {
  readonly target: KubeTarget;
  /** `GET <server><path>`, bounded by `timeoutMs` and `signal`. */
  get(apiPath: string, timeoutMs: number, signal: AbortSignal): Promise<KubeAnswer>;
  /** `PATCH <server><path>` with `body` of `contentType` (a rollback's HTTPRoute move, tooling/release/dataPlane.ts). */
  patch(
    apiPath: string,
    body: string,
    contentType: string,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<KubeAnswer>;
}

interface Credential {
  readonly token?: string;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Epoch ms; absent: until a 401. */
  readonly expiresAt?: number;
}

/** Runs the plugin as kubectl does (KUBERNETES_EXEC_INFO, not interactive) and reads its ExecCredential. */
function runExecPlugin(plugin: ExecPlugin): Promise<Credential> {
  const info = { apiVersion: plugin.apiVersion, kind: "ExecCredential", spec: { interactive: false } };
  return new Promise((resolve, reject) => {
    execFile(
      plugin.command,
      [...plugin.args],
      {
        env: { ...process.env, ...plugin.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) },
        timeout: EXEC_TIMEOUT_MS,
        maxBuffer: MAX_ANSWER_BYTES,
      },
      (error, stdout, stderr) => {
        const command = [plugin.command, ...plugin.args].join(" ");
        if (error) {
          const said = String(stderr).trim().slice(0, 300);
          return reject(
            new Error(`exec plugin \`${command}\` failed: ${error.message.split("\n")[0]}${said ? ` (${said})` : ""}`),
          );
        }
        try {
          const status = (JSON.parse(String(stdout)) as { status?: Record<string, unknown> }).status ?? {};
          const expiry = typeof status.expirationTimestamp === "string" ? Date.parse(status.expirationTimestamp) : NaN;
          const credential: Credential = {
            ...(typeof status.token === "string" ? { token: status.token } : {}),
            ...(typeof status.clientCertificateData === "string" && typeof status.clientKeyData === "string"
              ? { cert: Buffer.from(status.clientCertificateData), key: Buffer.from(status.clientKeyData) }
              : {}),
            ...(Number.isFinite(expiry) ? { expiresAt: expiry } : {}),
          };
          if (credential.token === undefined && credential.cert === undefined) {
            return reject(new Error(`exec plugin \`${command}\` gave neither status.token nor a client certificate`));
          }
          resolve(credential);
        } catch (e) {
          reject(new Error(`exec plugin \`${command}\` did not print an ExecCredential: ${(e as Error).message}`));
        }
      },
    );
  });
}

/** A PATCH's body; a GET has none. */
interface Body {
  readonly text: string;
  readonly contentType: string;
}

export function kubeApiClient(target: KubeTarget): KubeApi {
  let cached: Promise<Credential> | undefined;
  const credential = async (): Promise<Credential> => {
    const { credentials } = target;
    switch (credentials.kind) {
      case "none":
        return {};
      case "token":
        return { token: credentials.token };
      case "certificate":
        return { cert: credentials.cert, key: credentials.key };
      case "token-file":
        // Re-read each time: a projected token file is rotated in place.
        return { token: (await readFile(credentials.path, "utf8")).trim() };
      case "exec": {
        const current = cached && (await cached.catch(() => undefined));
        if (current === undefined || (current.expiresAt ?? Infinity) - EXPIRY_MARGIN_MS < Date.now()) {
          cached = runExecPlugin(credentials.plugin);
        }
        return cached as Promise<Credential>;
      }
    }
  };

  const send = (url: URL, auth: Credential, timeoutMs: number, signal: AbortSignal, body?: Body) =>
    new Promise<KubeAnswer>((resolve) => {
      const client = url.protocol === "http:" ? http : https;
      const request = client.request(
        url,
        {
          method: body === undefined ? "GET" : "PATCH",
          headers: {
            accept: "application/json",
            ...(body === undefined ? {} : { "content-type": body.contentType }),
            ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
          },
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          ...(url.protocol === "https:"
            ? {
                ca: target.ca,
                cert: auth.cert,
                key: auth.key,
                rejectUnauthorized: !target.insecureSkipTlsVerify,
                ...(target.tlsServerName ? { servername: target.tlsServerName } : {}),
              }
            : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) {
              response.destroy();
              return resolve({ problem: `${url.origin} answered more than ${MAX_ANSWER_BYTES / 1_000_000} MB` });
            }
            chunks.push(chunk);
          });
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
          );
          response.on("error", (e) => resolve({ problem: `${url.origin}: ${e.message}` }));
        },
      );
      request.on("error", (e: Error & { code?: string }) => {
        const timedOut = e.name === "AbortError" && !signal.aborted;
        resolve({
          problem: timedOut
            ? `${url.origin} did not answer within ${timeoutMs} ms`
            : `${url.origin}: ${e.message}${e.code ? ` (${e.code})` : ""}`,
        });
      });
      request.end(body?.text);
    });

  const call = async (apiPath: string, timeoutMs: number, signal: AbortSignal, body?: Body): Promise<KubeAnswer> => {
    // The server URL may carry a path (a proxy such as Rancher's /k8s/clusters/<id>).
    const url = new URL(`${target.server.pathname.replace(/\/+$/, "")}${apiPath}`, target.server);
    let auth: Credential;
    try {
      auth = await credential();
    } catch (e) {
      return { problem: (e as Error).message };
    }
    const answer = await send(url, auth, timeoutMs, signal, body);
    // A credential revoked before its expiry: fetch a new one for the next request.
    if ("status" in answer && answer.status === 401) cached = undefined;
    return answer;
  };

  return {
    target,
    get: (apiPath, timeoutMs, signal) => call(apiPath, timeoutMs, signal),
    patch: (apiPath, text, contentType, timeoutMs, signal) => call(apiPath, timeoutMs, signal, { text, contentType }),
  };
}
