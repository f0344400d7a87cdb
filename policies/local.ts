/**
 * Local (docker) platform rules: nothing on the stack network drives the
 * router or reaches the database without a password. An HAProxy container's
 * runtime API (level admin, no authentication) is a unix socket, reached only
 * through a listener that refuses all but its listed clients and is
 * published on the host's loopback; a Postgres container asks every client
 * for a password and reads its superuser password from a file. Containers
 * are recognised by what they run (an uploaded haproxy.cfg, POSTGRES_*
 * variables), so a hand-written one is judged like the program's own.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { BEFORE_THE_RESOURCE, TYPES, configOf, judgeAtUpdate, known, reading, shown } from "./shared";

/** One section of an HAProxy config: its header line and its keyword lines, comments dropped. */
export interface HaproxySection {
  readonly kind: string;
  readonly name: string;
  readonly lines: readonly string[];
}

export function haproxySections(config: string): HaproxySection[] {
  const sections: { kind: string; name: string; lines: string[] }[] = [];
  for (const raw of config.split("\n")) {
    const line = raw.replace(/#.*$/, "").trimEnd();
    if (line.trim() === "") continue;
    if (/^\S/.test(line)) {
      const [kind, name = ""] = line.trim().split(/\s+/);
      sections.push({ kind, name, lines: [] });
    } else if (sections.length > 0) sections[sections.length - 1].lines.push(line.trim());
  }
  return sections;
}

/** A container port as docker publishes it. */
export interface PublishedPort {
  readonly internal: unknown;
  readonly ip: unknown;
}

const LOCAL_SOCKET = /^(unix@)?\/|^abns@/;
const SOURCE_CHECK = /^tcp-request connection reject (unless \{ src |if !\{ src )/;

/**
 * What keeps a runtime API off the network, broken: each a sentence
 * following "must keep ... off the network:". [] when the config has no
 * runtime API at all, or when it is kept off.
 */
export function runtimeApiProblems(
  config: string,
  ports: readonly PublishedPort[],
  hostAddresses: readonly string[],
): string[] {
  const sections = haproxySections(config);
  const sockets = sections
    .filter((s) => s.kind === "global")
    .flatMap((s) => s.lines.filter((l) => l.startsWith("stats socket ")).map((l) => l.split(/\s+/)[2] ?? ""));
  const problems = sockets
    .filter((address) => !LOCAL_SOCKET.test(address))
    .map(
      (address) =>
        `"stats socket ${address}" listens on a network address, so any container on its network can drive the router. ` +
        "Make it a unix socket and reach it through a listener that refuses other clients (renderHaproxyConfig, components/docker/haproxyConfig.ts).",
    );
  const paths = sockets.filter((a) => LOCAL_SOCKET.test(a)).map((a) => a.replace(/^unix@/, ""));
  const toSocket = (s: HaproxySection) =>
    s.lines.some((l) => l.startsWith("server ") && paths.includes((l.split(/\s+/)[2] ?? "").replace(/^unix@/, "")));
  const backends = sections.filter((s) => s.kind === "backend" && toSocket(s)).map((s) => s.name);
  const entries = sections.filter(
    (s) =>
      (s.kind === "listen" && toSocket(s)) ||
      (s.kind === "frontend" &&
        s.lines.some((l) => /^(default_backend|use_backend) /.test(l) && backends.includes(l.split(/\s+/)[1]))),
  );
  for (const entry of entries) {
    const where = `${entry.kind} ${entry.name}`;
    if (!entry.lines.some((l) => SOURCE_CHECK.test(l))) {
      problems.push(
        `${where} forwards to the runtime API without refusing other clients (no "tcp-request connection reject unless { src ... }"), ` +
          "so any container on its network can drive the router. Keep the client list of renderHaproxyConfig (components/docker/haproxyConfig.ts).",
      );
    }
    const bound = entry.lines.filter((l) => l.startsWith("bind ")).map((l) => Number(/:(\d+)/.exec(l)?.[1]));
    for (const port of ports.filter((p) => bound.includes(Number(p.internal)))) {
      if (typeof port.ip === "string" && hostAddresses.includes(port.ip)) continue;
      problems.push(
        `port ${port.internal} of ${where} is published on ${port.ip === undefined ? "every address (no ip)" : shown(port.ip)} (allowed: ${hostAddresses.join(", ")}), so other machines reach the runtime API. ` +
          "Publish it on the host's loopback only, as the program does for `bluegreen:docker.adminPort`, or extend this policy's hostAddresses.",
      );
    }
  }
  return problems;
}

/** The auth methods of a pg_hba.conf: [line, method] for each `local` and `host*` entry. */
export function hbaMethods(hba: string): [string, string][] {
  return hba
    .split("\n")
    .map((line) => line.replace(/#.*$/, "").trim())
    .filter((line) => /^(local|host\w*)\s/.test(line))
    .map((line): [string, string] => {
      const fields = line.split(/\s+/);
      if (fields[0] === "local") return [line, fields[3] ?? ""];
      // host DATABASE USER ADDRESS [IP-MASK] METHOD
      return [line, (/^\d+\.\d+\.\d+\.\d+$/.test(fields[4] ?? "") ? fields[5] : fields[4]) ?? ""];
    });
}

/**
 * The items of a list property, each read on its own: one unknown at preview (a generated password) reads as
 * undefined; the whole list unknown is judged at update, never read as empty.
 */
function knownItems(read: () => unknown, what = "a list the rule reads"): any[] {
  const whole = reading(read);
  if (!whole.known) judgeAtUpdate(what, BEFORE_THE_RESOURCE);
  const list = whole.value;
  if (!Array.isArray(list)) return [];
  return Array.from({ length: list.length }, (_, i) => known(() => (read() as unknown[])[i]));
}

export interface Upload {
  readonly file: unknown;
  /** Read only when needed: the content of another upload may be unknown at preview. */
  readonly content: () => unknown;
}

function uploadsOf(props: Record<string, any>): Upload[] {
  return knownItems(() => props.uploads, "the uploaded files").map((u) => ({
    file: known(() => u?.file),
    content: () => known(() => u?.content),
  }));
}

/** `KEY=VALUE` envs as a map. */
function envOf(props: Record<string, any>): Map<string, string | undefined> {
  return new Map(
    knownItems(() => props.envs, "the environment").map((pair) => {
      if (typeof pair !== "string") return ["", undefined];
      const at = pair.indexOf("=");
      return at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** What makes a Postgres container accept a client without its password: sentences following "must ...:". */
export function postgresAuthProblems(
  env: ReadonlyMap<string, string | undefined>,
  command: readonly unknown[],
  uploads: readonly Upload[],
  allowed: readonly string[],
): string[] {
  const problems: string[] = [];
  const method = env.get("POSTGRES_HOST_AUTH_METHOD");
  if (method !== undefined && !allowed.includes(method)) {
    problems.push(
      `POSTGRES_HOST_AUTH_METHOD is ${shown(method)} (allowed: ${allowed.join(", ")}), so the image lets clients in without a valid password. Remove it, as components/docker/localDatabase.ts does.`,
    );
  }
  if (env.has("POSTGRES_PASSWORD")) {
    problems.push(
      "its superuser password is in the plain variable POSTGRES_PASSWORD, readable in the container's definition and state. " +
        "Give it as POSTGRES_PASSWORD_FILE, uploaded from a Pulumi secret (components/docker/localDatabase.ts).",
    );
  }
  const hbaFile = command.map((arg) => /^hba_file=(.+)$/.exec(String(arg))?.[1]).find((f) => f !== undefined);
  if (hbaFile === undefined) return problems;
  const hba = uploads.find((u) => u.file === hbaFile)?.content();
  if (typeof hba !== "string") {
    problems.push(
      `its hba_file ${hbaFile} is not uploaded with it, so who may connect without a password cannot be checked. Upload the file (hbaConfig, components/docker/postgresRoles.ts).`,
    );
    return problems;
  }
  for (const [line, found] of hbaMethods(hba)) {
    if (allowed.includes(found)) continue;
    problems.push(
      `its pg_hba.conf (${hbaFile}) has "${line}", method ${shown(found)} (allowed: ${allowed.join(", ")}), so a client connects without its password. ` +
        "Use scram-sha-256 (hbaConfig, components/docker/postgresRoles.ts), or extend this policy's allowedAuthMethods.",
    );
  }
  return problems;
}

export const dockerHaproxyRuntimeApiPrivate: ResourceValidationPolicy = {
  name: "docker-haproxy-runtime-api-private",
  description:
    "Checks whether an HAProxy container keeps its runtime API (level admin, no authentication) off the network: a unix stats socket, reached only through a listener that refuses all but its listed clients, published on the host's loopback.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      hostAddresses: {
        type: "array",
        items: { type: "string" },
        default: ["127.0.0.1"],
        description: "Host addresses the runtime API's listener may be published on.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.dockerContainer) return;
    const { hostAddresses } = configOf<{ hostAddresses: string[] }>(
      dockerHaproxyRuntimeApiPrivate.configSchema!,
      args.getConfig(),
    );
    const published = knownItems(() => args.props.ports, "the published ports").map((p) => ({
      internal: known(() => p?.internal),
      ip: known(() => p?.ip),
    }));
    for (const upload of uploadsOf(args.props)) {
      const config = upload.content();
      if (typeof config !== "string" || !/^\s*stats socket /m.test(config)) continue;
      for (const problem of runtimeApiProblems(config, published, hostAddresses)) {
        reportViolation(
          `Container ${args.name} must keep the HAProxy runtime API of ${String(upload.file)} off the network: ${problem}`,
        );
      }
    }
  },
};

export const dockerPostgresPasswordAuth: ResourceValidationPolicy = {
  name: "docker-postgres-password-auth",
  description:
    "Checks whether a Postgres container asks every client for a password (no trust authentication) and reads its superuser password from a file, not a plain variable.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedAuthMethods: {
        type: "array",
        items: { type: "string" },
        default: ["scram-sha-256", "peer", "reject"],
        description:
          "Authentication methods allowed in POSTGRES_HOST_AUTH_METHOD and the uploaded pg_hba.conf (peer: the OS user, inside the container only).",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.dockerContainer) return;
    const env = envOf(args.props);
    if (![...env.keys()].some((name) => name.startsWith("POSTGRES_"))) return;
    const { allowedAuthMethods } = configOf<{ allowedAuthMethods: string[] }>(
      dockerPostgresPasswordAuth.configSchema!,
      args.getConfig(),
    );
    const command = knownItems(() => args.props.command, "the command");
    for (const problem of postgresAuthProblems(env, command, uploadsOf(args.props), allowedAuthMethods)) {
      reportViolation(`Container ${args.name} must ask every database client for its password: ${problem}`);
    }
  },
};
