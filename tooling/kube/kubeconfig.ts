/**
 * The user's kubeconfig, read as kubectl reads it: the files of
 * `$KUBECONFIG` (a list, merged: the first file to name a cluster, user or
 * context wins, and the first current-context set), else ~/.kube/config;
 * the current context unless one is named. Relative file paths are relative
 * to the file that names them. What it resolves to is what a request
 * needs: the server, the CA, and the user's credentials (a token or token
 * file, a client certificate, or an exec credential plugin such as
 * `aws eks get-token`, run by client.ts).
 *
 * Refused with a KubeconfigError naming the file and the fix: no kubeconfig,
 * an unknown context, and the forms this reader does not implement
 * (`auth-provider`, which kubectl itself dropped; `username`/`password`;
 * `proxy-url`).
 */
import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubeconfigError";
  }
}

/** An exec credential plugin (users[].user.exec). */
export interface ExecPlugin {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** client.authentication.k8s.io/v1 or v1beta1. */
  readonly apiVersion: string;
}

export type KubeCredentials =
  | { readonly kind: "none" }
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "token-file"; readonly path: string }
  | { readonly kind: "certificate"; readonly cert: Buffer; readonly key: Buffer }
  | { readonly kind: "exec"; readonly plugin: ExecPlugin };

/** Where and how to reach the API server of one context. */
export interface KubeTarget {
  readonly context: string;
  readonly server: URL;
  /** The cluster's CA; absent: the system's. */
  readonly ca?: Buffer;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  readonly credentials: KubeCredentials;
  /** The files read, for messages. */
  readonly files: readonly string[];
}

type Entry = Record<string, unknown>;
interface Named {
  readonly name: string;
  readonly value: Entry;
  /** The file that named it: its relative paths are relative to this file. */
  readonly file: string;
}

interface Merged {
  readonly currentContext?: string;
  readonly clusters: Map<string, Named>;
  readonly users: Map<string, Named>;
  readonly contexts: Map<string, Named>;
}

/** The kubeconfig files kubectl would read, in order. */
export function kubeconfigFiles(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string[] {
  const listed = (env.KUBECONFIG ?? "").split(path.delimiter).filter((file) => file !== "");
  return listed.length > 0 ? listed : [path.join(home, ".kube", "config")];
}

function entries(document: Entry, key: string, inner: string, file: string): Named[] {
  const list = document[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new KubeconfigError(`${file}: \`${key}\` must be a list`);
  return list.map((item: Entry) => ({ name: String(item?.name), value: (item?.[inner] ?? {}) as Entry, file }));
}

function merge(files: readonly string[]): Merged {
  const merged = { clusters: new Map(), users: new Map(), contexts: new Map() } as {
    currentContext?: string;
  } & Omit<Merged, "currentContext">;
  for (const file of files) {
    // A listed file that does not exist is skipped, as kubectl does.
    if (!existsSync(file)) continue;
    let document: Entry;
    try {
      document = (parse(readFileSync(file, "utf8")) ?? {}) as Entry;
    } catch (e) {
      throw new KubeconfigError(`${file} is not a kubeconfig: ${(e as Error).message}`);
    }
    const current = document["current-context"];
    if (merged.currentContext === undefined && typeof current === "string" && current !== "") {
      merged.currentContext = current;
    }
    for (const [key, inner, map] of [
      ["clusters", "cluster", merged.clusters],
      ["users", "user", merged.users],
      ["contexts", "context", merged.contexts],
    ] as const) {
      for (const named of entries(document, key, inner, file)) if (!map.has(named.name)) map.set(named.name, named);
    }
  }
  return merged;
}

const text = (entry: Entry, key: string) => (typeof entry[key] === "string" ? (entry[key] as string) : undefined);

/** Inline base64 data, else a file relative to the kubeconfig that names it. */
function bytes(named: Named, dataKey: string, fileKey: string): Buffer | undefined {
  const data = text(named.value, dataKey);
  if (data !== undefined) return Buffer.from(data, "base64");
  const file = text(named.value, fileKey);
  if (file === undefined) return undefined;
  const resolved = path.resolve(path.dirname(named.file), file);
  try {
    return readFileSync(resolved);
  } catch (e) {
    throw new KubeconfigError(`${named.file}: ${fileKey} ${resolved} cannot be read: ${(e as Error).message}`);
  }
}

function execPlugin(user: Named, exec: Entry): ExecPlugin {
  const command = text(exec, "command");
  if (command === undefined) throw new KubeconfigError(`${user.file}: user ${user.name}: exec has no command`);
  const env = Array.isArray(exec.env) ? (exec.env as Entry[]) : [];
  return {
    // kubectl resolves a command with a path separator against the kubeconfig's folder; a bare name is looked up in PATH.
    command: command.includes("/") ? path.resolve(path.dirname(user.file), command) : command,
    args: Array.isArray(exec.args) ? exec.args.map(String) : [],
    env: Object.fromEntries(env.map((variable) => [String(variable.name), String(variable.value ?? "")])),
    apiVersion: text(exec, "apiVersion") ?? "client.authentication.k8s.io/v1",
  };
}

function credentials(user: Named | undefined): KubeCredentials {
  if (user === undefined) return { kind: "none" };
  const { value, file, name } = user;
  const unsupported = (what: string) =>
    new KubeconfigError(
      `${file}: user ${name} uses ${what}, which the watch does not support: use a token, a client certificate or an exec plugin (e.g. \`aws eks get-token\`)`,
    );
  if (value["auth-provider"] !== undefined) throw unsupported("auth-provider");
  if (value.username !== undefined || value.password !== undefined) throw unsupported("username and password");
  const token = text(value, "token");
  if (token !== undefined) return { kind: "token", token };
  const tokenFile = text(value, "tokenFile");
  if (tokenFile !== undefined) return { kind: "token-file", path: path.resolve(path.dirname(file), tokenFile) };
  const cert = bytes(user, "client-certificate-data", "client-certificate");
  const key = bytes(user, "client-key-data", "client-key");
  if (cert !== undefined && key !== undefined) return { kind: "certificate", cert, key };
  if (cert !== undefined || key !== undefined) {
    throw new KubeconfigError(`${file}: user ${name} has a client certificate without its key, or a key alone`);
  }
  if (typeof value.exec === "object" && value.exec !== null) {
    return { kind: "exec", plugin: execPlugin(user, value.exec as Entry) };
  }
  return { kind: "none" };
}

/** Resolves `context` (default: the current one) of the kubeconfig `files`; throws KubeconfigError. */
export function loadKubeconfig(files: readonly string[], context?: string): KubeTarget {
  const shown = files.join(path.delimiter);
  if (!files.some((file) => existsSync(file))) {
    throw new KubeconfigError(
      `no kubeconfig: ${shown} does not exist. Set KUBECONFIG to the file \`pulumi up\` deploys with (kubectl's own)`,
    );
  }
  const merged = merge(files);
  const name = context ?? merged.currentContext;
  if (name === undefined) {
    throw new KubeconfigError(`${shown} sets no current-context: run \`kubectl config use-context <name>\``);
  }
  const chosen = merged.contexts.get(name);
  if (chosen === undefined) throw new KubeconfigError(`${shown} has no context ${JSON.stringify(name)}`);
  const clusterName = text(chosen.value, "cluster");
  const cluster = clusterName === undefined ? undefined : merged.clusters.get(clusterName);
  if (cluster === undefined) {
    throw new KubeconfigError(
      `${chosen.file}: context ${name} names cluster ${JSON.stringify(clusterName)}, which is not defined`,
    );
  }
  const server = text(cluster.value, "server");
  if (server === undefined || !URL.canParse(server)) {
    throw new KubeconfigError(
      `${cluster.file}: cluster ${cluster.name} has no server URL (got ${JSON.stringify(server)})`,
    );
  }
  if (cluster.value["proxy-url"] !== undefined) {
    throw new KubeconfigError(
      `${cluster.file}: cluster ${cluster.name} uses proxy-url, which the watch does not support`,
    );
  }
  const userName = text(chosen.value, "user");
  const user = userName === undefined ? undefined : merged.users.get(userName);
  if (userName !== undefined && user === undefined) {
    throw new KubeconfigError(
      `${chosen.file}: context ${name} names user ${JSON.stringify(userName)}, which is not defined`,
    );
  }
  const ca = bytes(cluster, "certificate-authority-data", "certificate-authority");
  const tlsServerName = text(cluster.value, "tls-server-name");
  return {
    context: name,
    server: new URL(server),
    ...(ca === undefined ? {} : { ca }),
    insecureSkipTlsVerify: cluster.value["insecure-skip-tls-verify"] === true,
    ...(tlsServerName === undefined ? {} : { tlsServerName }),
    credentials: credentials(user),
    files: files.filter((file) => existsSync(file)),
  };
}
