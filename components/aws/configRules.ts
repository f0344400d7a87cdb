/**
 * The aws platform's checks of the stack config as a whole: listener ports
 * that cannot collide, test listeners never open to the internet in
 * production, secret references that are ARNs, the stated reason a
 * production load balancer relaxes a default, and a plain connection
 * setting the migration rehearsal would refuse. Pure.
 */
import { z } from "zod";
import { admitsEveryone } from "../contracts/cidrs";
import { Color, COLORS, otherColor } from "../contracts/colors";
import { isSecretStoreArn, SECRET_STORES } from "../contracts/secretRefs";
import { ConfigIssue, fullKey } from "../config/issues";
import { ifReadable } from "../config/readable";
import type { MaintenanceSettings } from "../config/releaseModes";
import type { CoreConfig } from "../config/schema";
import { maintenancePage } from "../maintenance";
import type { DatabaseSection } from "../rds/config";
import { RefusedConnection, rehearsalConnection } from "../rehearsal";
import { migrationTarget } from "../release";

/** The production listener's ports: 80, and 443 once a certificate is set (reserved either way). */
const PRODUCTION_PORTS = [80, 443] as const;

/** `a.b.c.d/n` with octets up to 255 and a prefix up to 32. */
export function isIpv4Cidr(text: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  return match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(match[5]) <= 32;
}

export const ipv4Cidr = z
  .string()
  .refine(isIpv4Cidr, "must be an IPv4 CIDR such as 203.0.113.0/24 (the load balancer and its rules are IPv4)");

interface ListenerPorts {
  readonly testPorts: Readonly<Record<Color, number>>;
  readonly testIngressCidrs: readonly string[];
  readonly deletionProtection?: boolean;
  readonly accessLogs?: { readonly enabled?: boolean };
  readonly securityException?: string;
}

/** Every listener rule's issues (`production`: the environment is production). */
export function listenerRuleIssues(listener: ListenerPorts, production: boolean): ConfigIssue[] {
  return [
    ...COLORS.flatMap((color) => testPortIssues(listener, color)),
    ...(production ? [...openTestIngressIssues(listener), ...relaxedLoadBalancerIssues(listener)] : []),
  ];
}

/** A color's test listener port: its own (the other color's is compared when valid), never the production listener's. */
export function testPortIssues(listener: Pick<ListenerPorts, "testPorts">, color: Color): ConfigIssue[] {
  const portKey = (c: Color) => fullKey(["listener", "testPorts", c]);
  const port = listener.testPorts[color];
  const other = ifReadable(() => listener.testPorts[otherColor(color)]);
  const problems = [
    ...(port === other
      ? [
          `the same as \`${portKey(otherColor(color))}\` (each color needs a test listener of its own, and a load balancer has one listener per port)`,
        ]
      : []),
    ...((PRODUCTION_PORTS as readonly number[]).includes(port)
      ? [
          "a port of the production listener (80, and 443 with `bluegreen:listener.certificateArn`): the test listener would take the port users reach, or collide with it",
        ]
      : []),
  ];
  if (problems.length === 0) return [];
  return [
    {
      key: portKey(color),
      message: `is ${port}, ${problems.join("; and ")}. Give each color a port of its own, e.g. ${color === "blue" ? 8081 : 8082} (the default)`,
    },
  ];
}

/** In production, the test listeners never admit everyone. */
export function openTestIngressIssues(listener: Pick<ListenerPorts, "testIngressCidrs">): ConfigIssue[] {
  const open = listener.testIngressCidrs.filter(admitsEveryone);
  if (open.length === 0) return [];
  return [
    {
      key: fullKey(["listener", "testIngressCidrs"]),
      message:
        `admits everyone (${open.join(", ")}) while \`bluegreen:environment\` is production: a candidate color would be ` +
        "open to the internet through its test listener before its gate passes. List only your deploy runners' CIDRs, or leave it empty and probe through `bluegreen:gate.targets`",
    },
  ];
}

/** In production, a load balancer without deletion protection or access logs says why. */
export function relaxedLoadBalancerIssues(
  listener: Pick<ListenerPorts, "deletionProtection" | "accessLogs" | "securityException">,
): ConfigIssue[] {
  const relaxed = [
    ...(listener.deletionProtection === false ? ["deletionProtection: false"] : []),
    ...(listener.accessLogs?.enabled === false ? ["accessLogs.enabled: false"] : []),
  ];
  if (relaxed.length === 0 || listener.securityException !== undefined) return [];
  return [
    {
      key: fullKey(["listener", "securityException"]),
      message:
        `is required: the production load balancer relaxes a secure default (${relaxed.join(", ")}). ` +
        'Say why (e.g. "decommissioning: the stack is destroyed on 2026-12-01"), or remove the setting',
    },
  ];
}

/**
 * Every `<color>.secrets` value must be a secret store ARN: it goes into the
 * task definition and the execution role's IAM policy. The message never
 * shows the value, which may be the secret itself pasted by mistake.
 */
export function secretReferenceIssues(color: Color, secrets: Readonly<Record<string, string>>): ConfigIssue[] {
  // Each reference judged on its own: one the schema refused is listed there, the others still here.
  return Object.keys(secrets)
    .map((name) => [name, ifReadable(() => secrets[name])] as const)
    .filter(([, reference]) => reference !== undefined && !isSecretStoreArn(reference))
    .map(([name]) => ({
      key: fullKey([color, "secrets", name]),
      message:
        `must be ${SECRET_STORES}, not the secret or its name (the value is not shown here). ` +
        `ECS reads the secret at start, and the execution role may read only the ARNs listed; put a plain setting in \`bluegreen:${color}.env\``,
    }));
}

/** An ALB fixed response carries at most this many bytes of body: the maintenance page must fit. */
export const FIXED_RESPONSE_MAX_BYTES = 1024;

/** The maintenance page fits an ALB fixed response (checked whether or not the window is on, so turning it on cannot fail). */
export function maintenancePageIssues(maintenance: MaintenanceSettings): ConfigIssue[] {
  const bytes = Buffer.byteLength(maintenancePage(maintenance.message));
  if (bytes <= FIXED_RESPONSE_MAX_BYTES) return [];
  return [
    {
      key: fullKey(["maintenance", "message"]),
      message:
        `makes a maintenance page of ${bytes} bytes; the load balancer's fixed response carries at most ${FIXED_RESPONSE_MAX_BYTES}. ` +
        `Shorten the message by ${bytes - FIXED_RESPONSE_MAX_BYTES} characters or more (markup characters count several times once escaped)`,
    },
  ];
}

/**
 * What the rehearsal (`bluegreen:migration.rehearse`) would refuse in the
 * migration's plain environment (the candidate color's `env`): a
 * DATABASE_URL or `postgres(ql)://` variable of a form it cannot point at
 * the copy, a connection service. Said here, before anything runs, rather
 * than by the rehearsal's first task minutes into `pulumi up`; what only the
 * container has (secrets, the image's own variables) is judged there
 * (components/rehearsal.ts).
 */
export function rehearsalEnvIssues(config: Pick<CoreConfig, "migration" | "blue" | "green">): ConfigIssue[] {
  if (config.migration?.rehearse !== true) return [];
  const color = migrationTarget(config);
  try {
    // Placeholders: the copy, its login and the migration's role are known at run time.
    const login = { user: "copy", password: "copy" };
    rehearsalConnection({ PGUSER: "role", ...config[color].env }, { host: "copy.invalid", port: 5432, login });
    return [];
  } catch (error) {
    if (!(error instanceof RefusedConnection)) throw error;
    return [
      {
        key: fullKey([color, "env", error.variable]),
        message: `cannot be pointed at the rehearsal's copy (\`bluegreen:migration.rehearse\`): ${error.reason}`,
      },
    ];
  }
}

/** The rehearsal keeps the migration's role with Postgres' `SET ROLE` and rewrites libpq's settings: PostgreSQL only. */
export function rehearsalEngineIssues(config: Pick<CoreConfig, "migration"> & DatabaseSection): ConfigIssue[] {
  if (config.migration?.rehearse !== true || config.database?.engine !== "mysql") return [];
  return [
    {
      key: fullKey(["migration", "rehearse"]),
      message:
        "is true, but bluegreen:database.engine is mysql: the rehearsal logs in to its copy with credentials only the copy accepts and keeps the migration's own role with PostgreSQL's SET ROLE, which MySQL has no equivalent of; rehearse by hand on an instance restored from the snapshot and set rehearse to false",
    },
  ];
}
