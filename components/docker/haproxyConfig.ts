/**
 * The local router's HAProxy configuration and weight arithmetic. Pure and
 * free of heavy imports: the HaproxyWeights dynamic provider captures these
 * functions by value when it is serialized.
 */
import type { Color } from "../contracts/colors";
import { HAPROXY_MAX_WEIGHT, MAX_TRAFFIC_WEIGHT } from "../contracts/limits";
import type { CheckFailure } from "../contracts/providerKit";
import type { TrafficWeights } from "../traffic";
import { userRequestLog } from "./haproxyLog";
import { maintenanceGlobal, maintenanceRules } from "./haproxyMaintenance";

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export type ServerWeights = Readonly<Record<Color, number>>;

/**
 * HAProxy's runtime API (level admin, no authentication): a unix socket
 * bound to no network address, reached over TCP through a listener that
 * forwards only the clients listed in a file and refuses everyone else.
 */
export interface RuntimeApiSpec extends Endpoint {
  /** Absolute path of the stats socket (unix), e.g. "/var/lib/haproxy/runtime-api.sock". */
  readonly socket: string;
  /** Absolute path of the client list: one IPv4 address or CIDR a line (renderRuntimeApiClients); empty refuses everyone. */
  readonly clientsFile: string;
}

export interface ServerSpec extends Endpoint {
  /** HAProxy weight 0..256; 0 keeps the server up and health-checked but sends it no new traffic. */
  readonly weight: number;
}

export interface HaproxySpec {
  /** Names the backend, so the runtime API addresses servers as `<app>/blue` and `<app>/green`. */
  readonly app: string;
  /** Where clients connect. */
  readonly bind: Endpoint;
  /** The runtime API: its TCP listener (an IPv4 address), unix socket and client list. */
  readonly admin: RuntimeApiSpec;
  /** Path both colors answer 200 on while healthy. */
  readonly healthPath: string;
  readonly servers: Readonly<Record<Color, ServerSpec>>;
  /**
   * DNS server that resolves the servers' host names, e.g. Docker's embedded
   * DNS (127.0.0.11:53). A replaced color container gets a new address; with
   * a resolver HAProxy follows it instead of keeping the address it found at
   * start. @default none (addresses resolved once, at start)
   */
  readonly dnsResolver?: Endpoint;
  /** Absolute path of the maintenance map, switched at runtime; its service beside it (maintenanceScriptFile). @default none (no maintenance mode) */
  readonly maintenanceMap?: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
// HAProxy proxy names allow letters, digits, '-', '_', '.' and ':'.
const PROXY_NAME = /^[A-Za-z0-9_.:-]+$/;
// A URI path HAProxy can take as one config word: no spaces, quotes, '#' or control characters.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const CONFIG_PATH = /^\/[^\s"'#\\\x00-\x1f\x7f]*$/;
/** An absolute file path HAProxy takes as one config word; unix socket paths stay under the kernel's 108 bytes. */
const FILE_PATH = /^\/[A-Za-z0-9._/-]{1,100}$/;

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

export function endpointProblems(property: string, endpoint: unknown, ipv4Only: boolean): CheckFailure[] {
  const { address, port } = (endpoint ?? {}) as Partial<Endpoint>;
  const problems: CheckFailure[] = [];
  const addressOk = typeof address === "string" && (IPV4.test(address) || (!ipv4Only && HOSTNAME.test(address)));
  if (!addressOk) {
    const wanted = ipv4Only ? "an IPv4 address such as 127.0.0.1" : "an IPv4 address or a host name";
    problems.push({ property: `${property}.address`, reason: `is ${show(address)}; must be ${wanted}` });
  }
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
    problems.push({ property: `${property}.port`, reason: `is ${show(port)}; must be an integer 1..65535` });
  }
  return problems;
}

function weightProblem(property: string, weight: unknown): CheckFailure[] {
  return Number.isInteger(weight) && (weight as number) >= 0 && (weight as number) <= HAPROXY_MAX_WEIGHT
    ? []
    : [
        {
          property,
          reason: `is ${show(weight)}; must be an integer 0..${HAPROXY_MAX_WEIGHT} (convert traffic weights with haproxyWeights())`,
        },
      ];
}

function bothZeroProblem(property: string, blue: unknown, green: unknown): CheckFailure[] {
  return blue === 0 && green === 0
    ? [
        {
          property,
          reason:
            "gives blue and green both weight 0; the router would answer 503 to every request, so give at least one color a weight > 0",
        },
      ]
    : [];
}

/** HAProxy weights: integers 0..256, not both 0. */
export function weightProblems(property: string, weights: unknown): CheckFailure[] {
  const { blue, green } = (weights ?? {}) as Partial<Record<Color, unknown>>;
  return [
    ...weightProblem(`${property}.blue`, blue),
    ...weightProblem(`${property}.green`, green),
    ...bothZeroProblem(property, blue, green),
  ];
}

export function backendProblems(property: string, name: unknown): CheckFailure[] {
  return typeof name === "string" && PROXY_NAME.test(name)
    ? []
    : [
        {
          property,
          reason: `is ${show(name)}; must be a non-empty HAProxy name of letters, digits, '-', '_', '.' or ':'`,
        },
      ];
}

export function filePathProblems(property: string, path: unknown): CheckFailure[] {
  return typeof path === "string" && FILE_PATH.test(path)
    ? []
    : [{ property, reason: `is ${show(path)}; must be an absolute path of letters, digits, '.', '_', '-' and '/'` }];
}

export function haproxySpecProblems(spec: HaproxySpec): CheckFailure[] {
  const problems = [
    ...backendProblems("app", spec.app),
    ...endpointProblems("bind", spec.bind, true),
    ...endpointProblems("admin", spec.admin, true),
    ...filePathProblems("admin.socket", spec.admin?.socket),
    ...filePathProblems("admin.clientsFile", spec.admin?.clientsFile),
    ...endpointProblems("servers.blue", spec.servers?.blue, false),
    ...endpointProblems("servers.green", spec.servers?.green, false),
    ...weightProblem("servers.blue.weight", spec.servers?.blue?.weight),
    ...weightProblem("servers.green.weight", spec.servers?.green?.weight),
    ...bothZeroProblem("servers", spec.servers?.blue?.weight, spec.servers?.green?.weight),
  ];
  if (spec.dnsResolver !== undefined) problems.push(...endpointProblems("dnsResolver", spec.dnsResolver, true));
  if (spec.maintenanceMap !== undefined) problems.push(...filePathProblems("maintenanceMap", spec.maintenanceMap));
  if (typeof spec.healthPath !== "string" || !CONFIG_PATH.test(spec.healthPath)) {
    problems.push({
      property: "healthPath",
      reason: `is ${show(spec.healthPath)}; must start with "/" and contain no spaces, quotes or '#'`,
    });
  }
  if (problems.length === 0 && spec.bind.address === spec.admin.address && spec.bind.port === spec.admin.port) {
    problems.push({
      property: "admin.port",
      reason: `is ${spec.admin.port}, the same as bind.port; the runtime API needs its own port`,
    });
  }
  return problems;
}

/** Throws one error listing every problem, so a caller fixes them all in one go. */
export function assertNoProblems(what: string, problems: readonly CheckFailure[]): void {
  if (problems.length > 0) {
    throw new Error(`${what}: ${problems.map((p) => `${p.property} ${p.reason}`).join("; ")}`);
  }
}

/** The whole haproxy.cfg for one app's router; runtime weight changes override its weights until a restart. */
export function renderHaproxyConfig(spec: HaproxySpec): string {
  assertNoProblems(`invalid HAProxy spec for app ${show(spec.app)}`, haproxySpecProblems(spec));
  const server = (color: Color) => {
    const s = spec.servers[color];
    return `    server ${color} ${s.address}:${s.port} weight ${s.weight}`;
  };
  return [
    `# Generated by bluegreen for app "${spec.app}". Weights change at runtime through the admin socket.`,
    "global",
    "    maxconn 4096",
    // Runtime API: weight changes apply to the running process, no reload. A unix socket: no network address reaches it.
    `    stats socket ${spec.admin.socket} level admin mode 600`,
    "    stats timeout 10s",
    ...maintenanceGlobal(spec.maintenanceMap), // the service answering with the page (haproxyMaintenance.ts)
    "",
    // Before `defaults`, so it inherits none of the HTTP settings below.
    "listen runtime-api",
    "    mode tcp",
    `    bind ${spec.admin.address}:${spec.admin.port}`,
    "    timeout connect 2s",
    "    timeout client 10s",
    "    timeout server 10s",
    // Anyone not listed (an app or migration container on the same network) is refused before a byte is read.
    `    tcp-request connection reject unless { src -f ${spec.admin.clientsFile} }`,
    `    server runtime unix@${spec.admin.socket}`,
    "",
    ...(spec.dnsResolver === undefined
      ? []
      : [
          "resolvers dns",
          `    nameserver dns1 ${spec.dnsResolver.address}:${spec.dnsResolver.port}`,
          "    hold valid 1s",
          "",
        ]),
    ...userRequestLog().ring,
    "defaults",
    "    mode http",
    "    option http-keep-alive",
    "    timeout connect 2s",
    "    timeout client 30s",
    "    timeout server 30s",
    "    timeout http-request 10s",
    "    timeout http-keep-alive 30s",
    "    timeout check 2s",
    // A request whose connection fails, or whose reused keep-alive connection
    // the app closed under it, is retried on the other server instead of failing.
    "    retries 3",
    "    option redispatch 1",
    "    retry-on conn-failure empty-response",
    "",
    "frontend http-in",
    `    bind ${spec.bind.address}:${spec.bind.port}`,
    ...maintenanceRules(spec.maintenanceMap),
    ...userRequestLog().frontend,
    `    default_backend ${spec.app}`,
    "",
    `backend ${spec.app}`,
    // roundrobin is HAProxy's dynamic algorithm: runtime weight changes take effect on the next request.
    "    balance roundrobin",
    `    option httpchk GET ${spec.healthPath}`,
    "    http-check expect status 200",
    "    http-response set-header X-Bluegreen-Color %[srv_name]",
    // Checks keep running at weight 0, so a drained color stays warm for an instant rollback.
    "    default-server check inter 1s fastinter 250ms downinter 500ms rise 2 fall 2" +
      // Start even when a color's name does not resolve yet; it is marked down until it does.
      (spec.dnsResolver === undefined ? "" : " resolvers dns resolve-prefer ipv4 init-addr last,libc,none"),
    server("blue"),
    server("green"),
    "",
  ].join("\n");
}

/** `a.b.c.d` or `a.b.c.d/n`, octets up to 255, prefix up to 32: what HAProxy's `src -f` list takes. */
export function isIpv4OrCidr(text: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/.exec(text);
  return match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(match[6] ?? 32) <= 32;
}

/** The runtime API's client list file: one IPv4 address or CIDR a line; an empty list refuses everyone. */
export function renderRuntimeApiClients(clients: readonly string[]): string {
  const bad = clients.filter((client) => !isIpv4OrCidr(client));
  if (bad.length > 0) {
    throw new Error(
      `runtime API clients must be IPv4 addresses or CIDRs (such as 172.18.0.1 or 172.18.0.0/16); got ${bad.map(show).join(", ")}`,
    );
  }
  return clients.map((client) => `${client}\n`).join("");
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Traffic weights (0..999, the ALB range) as HAProxy weights (0..256). Below
 * the HAProxy limit they pass unchanged; above it the ratio is kept exactly by
 * dividing out the common factor when that suffices, else scaled and rounded,
 * never rounding a non-zero weight down to 0 (that color would get no traffic).
 */
export function haproxyWeights(weights: TrafficWeights): ServerWeights {
  for (const color of ["blue", "green"] as const) {
    const w = weights[color];
    if (!Number.isInteger(w) || w < 0 || w > MAX_TRAFFIC_WEIGHT) {
      throw new Error(`traffic weight ${color} is ${show(w)}; must be an integer 0..${MAX_TRAFFIC_WEIGHT}`);
    }
  }
  const { blue, green } = weights;
  if (Math.max(blue, green) <= HAPROXY_MAX_WEIGHT) return { blue, green };
  const common = gcd(blue, green);
  if (Math.max(blue, green) / common <= HAPROXY_MAX_WEIGHT) return { blue: blue / common, green: green / common };
  const scale = HAPROXY_MAX_WEIGHT / Math.max(blue, green);
  const scaled = (w: number) => (w === 0 ? 0 : Math.max(1, Math.round(w * scale)));
  return { blue: scaled(blue), green: scaled(green) };
}

/**
 * Order in which to set the two live weights: raises first, then lowers.
 * Between the two commands HAProxy runs with one new and one old weight;
 * raising first means that mix is never 0/0 (which would answer 503).
 */
export function weightApplyOrder(current: ServerWeights, target: ServerWeights): Color[] {
  return (["blue", "green"] as const)
    .filter((c) => current[c] !== target[c])
    .sort((a, b) => Number(target[b] > current[b]) - Number(target[a] > current[a]));
}
