/** The local platform's keys (`bluegreen:docker`), every one with a default, and its rules. */
import { z } from "zod";
import { COLORS } from "../contracts/colors";
import { ConfigIssue, fullKey } from "../config/issues";
import type { CoreConfig } from "../config/schema";
import { ifReadable } from "../config/readable";
import { databaseRules, DatabaseSection } from "../rds/config";
import { DATABASE_URL_FILE, PLATFORM_ENV, PLATFORM_OWNED_ENV } from "./colorEnv";
import { isIpv4OrCidr } from "./haproxyConfig";

const port = z.number().int().min(1).max(65535);

const dockerSchema = z
  .object({
    network: z.string().default("bluegreen"),
    routerPort: port.default(8080),
    adminPort: port.default(9999),
    /** Host ports that expose each color directly, so the gate can probe it. */
    colorPorts: z
      .object({ blue: port.default(8081), green: port.default(8082) })
      .strict()
      .default({ blue: 8081, green: 8082 }),
    postgresImage: z.string().default("postgres:16.4"),
    routerImage: z.string().default("haproxy:2.8.10"),
    /**
     * More addresses the router's runtime API answers besides the stack network's gateway (where Docker's
     * published port arrives from), for an engine that forwards published ports from elsewhere. @default []
     */
    runtimeApiClients: z
      .array(z.string().refine(isIpv4OrCidr, "must be an IPv4 address or CIDR, such as 10.88.0.1 or 10.88.0.0/16"))
      .default([]),
    /** Why the runtime API answers more than the gateway: required with `runtimeApiClients`. @default none */
    securityException: z.string().min(1).optional(),
  })
  .strict();

/** Local platform settings; defaults apply when absent. */
export const dockerConfigShape = { docker: dockerSchema.prefault({}) };

export type DockerSettings = z.infer<typeof dockerSchema>;
export type DockerConfig = CoreConfig & { readonly docker: DockerSettings };

type DockerRule = (config: DockerConfig & DatabaseSection) => ConfigIssue[];

/**
 * The local platform's rules, one verdict each, so that a key the schema
 * refused silences only the rules that read it (config/parse.ts). It
 * snapshots no RDS: a `database` section is only checked for consistency.
 */
export const DOCKER_CONFIG_RULES: readonly DockerRule[] = [
  ...databaseRules(false),
  (config) => hostPortIssues(config.docker),
  (config) => everyoneClientIssues(config.docker),
  (config) => clientsWithoutReasonIssues(config.docker),
  ...COLORS.flatMap((color) =>
    (["env", "secrets"] as const).map(
      (section): DockerRule =>
        (config) =>
          Object.keys(config[color][section]).flatMap((name) => reservedIssue(color, section, name)),
    ),
  ),
];

/** Every local platform rule's issues. */
export function dockerConfigIssues(config: DockerConfig & DatabaseSection): ConfigIssue[] {
  return DOCKER_CONFIG_RULES.flatMap((rule) => rule(config));
}

/** No extra runtime API client may admit everyone: the API drives the router with no authentication. */
function everyoneClientIssues(docker: Pick<DockerSettings, "runtimeApiClients">): ConfigIssue[] {
  // Each client judged on its own: one the schema refused is listed there.
  const clients = docker.runtimeApiClients;
  return Array.from({ length: clients.length }, (_, index) => ifReadable(() => clients[index])).flatMap(
    (client, index) =>
      client !== undefined && /\/0+$/.test(client)
        ? [
            {
              key: fullKey(["docker", "runtimeApiClients", index]),
              message: `is ${client}, which admits every address, the app and migration containers included: the runtime API drives the router with no authentication. List only the address your engine's published ports arrive from`,
            },
          ]
        : [],
  );
}

/** Extra runtime API clients relax a secure default: they need the stated reason. */
function clientsWithoutReasonIssues(
  docker: Pick<DockerSettings, "runtimeApiClients" | "securityException">,
): ConfigIssue[] {
  if (docker.runtimeApiClients.length === 0 || docker.securityException !== undefined) return [];
  // The addresses are named when valid; the reason is required whatever they are.
  const clients = ifReadable(() => docker.runtimeApiClients.join(", "));
  return [
    {
      key: fullKey(["docker", "securityException"]),
      message:
        `is required: \`bluegreen:docker.runtimeApiClients\`${clients === undefined ? "" : ` (${clients})`} lets more than the stack network's gateway drive the router. ` +
        'Say why (e.g. "podman forwards published ports from 10.88.0.1"), or remove runtimeApiClients',
    },
  ];
}

/**
 * Every host port the stack publishes on 127.0.0.1 must be its own: two
 * containers cannot publish one port, and the gate would probe the router
 * instead of a color. Each key of a collision gets an issue naming the others.
 */
export function hostPortIssues(docker: Pick<DockerSettings, "routerPort" | "adminPort" | "colorPorts">): ConfigIssue[] {
  // A port the schema refused takes part in no collision: the valid ones are still compared.
  const ports = (
    [
      [fullKey(["docker", "routerPort"]), ifReadable(() => docker.routerPort)],
      [fullKey(["docker", "adminPort"]), ifReadable(() => docker.adminPort)],
      ...COLORS.map((color) => [fullKey(["docker", "colorPorts", color]), ifReadable(() => docker.colorPorts[color])]),
    ] as [string, number | undefined][]
  ).filter((entry): entry is [string, number] => entry[1] !== undefined);
  return ports.flatMap(([key, value]) => {
    const others = ports
      .filter(([other, otherValue]) => other !== key && otherValue === value)
      .map(([k]) => `\`${k}\``);
    if (others.length === 0) return [];
    return [
      {
        key,
        message:
          `is ${value}, the same as ${others.join(" and ")}: the router, its runtime API and each color need a host port of their own ` +
          "(the defaults are 8080, 9999, 8081 and 8082). Give each a different port",
      },
    ];
  });
}

/** A stack file must not set what the platform sets: the platform's value would silently replace it. */
function reservedIssue(color: string, section: "env" | "secrets", name: string): ConfigIssue[] {
  const key = fullKey([color, section, name]);
  if ((PLATFORM_OWNED_ENV as readonly string[]).includes(name)) {
    return [
      {
        key,
        message:
          "is set by the local platform: each color connects as the app role (no superuser, no DDL) with a generated password, " +
          `given as a file (DATABASE_URL_FILE=${DATABASE_URL_FILE}) so it never sits in a plain variable. A value here would bypass that role; remove it`,
      },
    ];
  }
  if (Object.hasOwn(PLATFORM_ENV, name)) {
    return [
      {
        key,
        message: `is set by the local platform (${PLATFORM_ENV[name as keyof typeof PLATFORM_ENV]}), which would replace this value; remove it`,
      },
    ];
  }
  return [];
}
