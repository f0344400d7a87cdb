/**
 * The stack configuration: one zod schema for every `bluegreen:*` key, parsed
 * before any resource is registered. A bad stack file yields one error that
 * lists every problem with its full key, the stack file and the fix, so a
 * user fixes everything in one pass instead of one `pulumi up` per typo.
 *
 * This module is pure (no Pulumi runtime): `parseConfig` takes the raw values
 * and the stack name, which is what tests, the offline plan and the program
 * all feed it.
 */
import * as semver from "semver";
import { z } from "zod";
import { isHttpUrl } from "./gate/schema";
import { gateSettingsSchema } from "./gate/settings";
import { CONFIG_NAMESPACE, ConfigIssue, fullKey } from "./configKeys";
import { COLOR_PLACEHOLDER, expandColor } from "./kubernetes/names";
import { parseQuantity } from "./kubernetes/quantity";
import { kubernetesIssues } from "./kubernetes/rules";
import { releaseRuleIssues } from "./release";

export const PLATFORMS = ["aws", "kubernetes", "docker"] as const;
export type Platform = (typeof PLATFORMS)[number];
export const ENVIRONMENTS = ["development", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** ALB weighted forward actions accept 0..999 per target group. */
export const MAX_WEIGHT = 999;

const semverString = z.string().refine((v) => semver.valid(v) !== null && semver.clean(v) === v, {
  message: "must be an exact semver version such as 1.4.2 (no range, no leading 'v')",
});

const appSchema = z
  .object({
    // Short because AWS target group and ALB names allow 32 characters.
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,15}$/, "must be 1-16 characters: lowercase letters, digits and '-', starting with a letter"),
    port: z.number().int().min(1).max(65535).default(8080),
    healthPath: z.string().startsWith("/", "must start with '/' (for example /healthz)").default("/healthz"),
  })
  .strict();

const colorSchema = z
  .object({
    version: semverString,
    image: z.string().min(1, "must name the container image, pinned to a tag or digest"),
    /** Tasks / replicas; 0 scales an idle color down (it can then not receive traffic). */
    desiredCount: z.number().int().min(0).max(1000).default(2),
    cpu: z.number().int().positive().default(256),
    memory: z.number().int().positive().default(512),
    /** Plain environment variables; secrets belong in `secrets` (ARNs / secret refs), never here. */
    env: z.record(z.string(), z.string()).default({}),
    /** Secret references by variable name: AWS Secrets Manager / SSM ARNs, or `secret/key` on Kubernetes. */
    secrets: z.record(z.string(), z.string()).default({}),
  })
  .strict();

const weight = z
  .number()
  .int("must be a whole number")
  .min(0, `must be from 0 to ${MAX_WEIGHT}`)
  .max(MAX_WEIGHT, `must be from 0 to ${MAX_WEIGHT} (the ALB limit per target group)`);

const trafficSchema = z
  .object({
    blue: weight,
    green: weight,
    /** Declares that moving traffic to an older version is intended. */
    rollback: z.boolean().default(false),
    /** Sticky sessions keep a user on one color during a shift; seconds, 0 = off. */
    stickinessSeconds: z.number().int().min(0).max(604_800).default(0),
  })
  .strict()
  .refine((t) => t.blue + t.green > 0, {
    message: "at least one color needs a weight above 0, or no request can be served",
    path: ["green"],
  });

const listenerSchema = z
  .object({
    /** ACM certificate: with it the listener is HTTPS and port 80 redirects. */
    certificateArn: z.string().regex(/^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/, "must be an ACM certificate ARN").optional(),
    sslPolicy: z.string().default("ELBSecurityPolicy-TLS13-1-2-2021-06"),
    /** Per-color test listeners: where the gate probes one color directly. */
    testPorts: z
      .object({ blue: z.number().int().min(1).max(65535).default(8081), green: z.number().int().min(1).max(65535).default(8082) })
      .strict()
      .default({ blue: 8081, green: 8082 }),
    /** Who may reach the test listeners: the network `pulumi up` (and so the gate) runs from. */
    testIngressCidrs: z.array(z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, "must be an IPv4 CIDR")).default([]),
    ingressCidrs: z.array(z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, "must be an IPv4 CIDR")).default(["0.0.0.0/0"]),
  })
  .strict();

const networkSchema = z
  .object({
    /** Use an existing VPC: give its id and at least two subnets of each kind. */
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, "must be a VPC id (vpc-...)").optional(),
    publicSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "must be a subnet id (subnet-...)")).optional(),
    privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "must be a subnet id (subnet-...)")).optional(),
    /** Or let the program create one. */
    cidrBlock: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-4])$/, "must be an IPv4 CIDR from /16 to /24").default("10.40.0.0/16"),
    availabilityZones: z.number().int().min(2).max(4).default(2),
  })
  .strict()
  .superRefine((n, ctx) => {
    if (n.vpcId === undefined) {
      for (const key of ["publicSubnetIds", "privateSubnetIds"] as const) {
        if (n[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: "is only used with `vpcId`; set `vpcId` or remove it" });
      }
      return;
    }
    for (const key of ["publicSubnetIds", "privateSubnetIds"] as const) {
      if ((n[key]?.length ?? 0) < 2) {
        ctx.addIssue({ code: "custom", path: [key], message: "needs at least two subnets in different availability zones when `vpcId` is set" });
      }
    }
  });

const databaseSchema = z
  .object({
    /** `existing`: snapshot an instance/cluster the program does not own; `create`: the program owns it. */
    mode: z.enum(["existing", "create"]),
    identifier: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be an RDS identifier: lowercase letters, digits, '-'"),
    kind: z.enum(["instance", "aurora-cluster"]).default("instance"),
    engine: z.enum(["postgres", "mysql"]).default("postgres"),
    engineVersion: z.string().optional(),
    instanceClass: z.string().default("db.t4g.medium"),
    allocatedStorageGb: z.number().int().min(20).max(65_536).default(20),
    backupRetentionDays: z.number().int().min(0).max(35).default(7),
    deletionProtection: z.boolean().optional(),
    /** Restore path: a snapshot identifier to restore into a new instance (see README, "Restoring"). */
    restoreFromSnapshot: z.string().min(1).optional(),
  })
  .strict();

const migrationSchema = z
  .object({
    /** Migration id (e.g. 2026-11-20-orders or 42); a new value = new snapshot + new run. */
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "must be 1-63 characters: letters, digits, '.', '_' or '-'"),
    image: z.string().min(1),
    command: z.array(z.string()).min(1, "must give the migration command as a list, e.g. [\"npm\", \"run\", \"migrate\"]"),
    timeoutSeconds: z.number().int().min(10).max(86_400).default(900),
    /** Expand-only (old code still works on the new schema) counts as reversible. */
    reversible: z.boolean().default(false),
  })
  .strict();

/** A Gateway API hostname without wildcard: lowercase DNS labels joined by dots. */
const PRECISE_HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = z
  .string()
  .max(63, "must be at most 63 characters")
  .regex(DNS_LABEL, "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit");

/** A Gateway the routes attach to (HTTPRoute `parentRefs`). */
const gatewayRefSchema = z
  .object({
    name: z.string().regex(PRECISE_HOSTNAME, "must be the Gateway's name (a DNS-1123 subdomain)"),
    /** Namespace of the Gateway. @default the app's namespace */
    namespace: dnsLabel.optional(),
    /** Listener to attach to (e.g. `https`). @default every listener that allows the route */
    sectionName: dnsLabel.optional(),
  })
  .strict();

/** Cores, or undefined when not a CPU quantity above 0. */
const cpuValue = (q: string) => ((parseQuantity(q) ?? 0) > 0 ? parseQuantity(q) : undefined);
/** Bytes, or undefined when not a memory quantity of at least 1 byte ("512m" is 0.512 bytes). */
const memoryValue = (q: string) => (!q.endsWith("m") && (parseQuantity(q) ?? 0) >= 1 ? parseQuantity(q) : undefined);
const QUANTITY_VALUE = { cpu: cpuValue, memory: memoryValue };

const computeSchema = z
  .object({
    cpu: z.string().refine((q) => cpuValue(q) !== undefined, { message: 'must be a CPU quantity above 0 such as "250m" or "1"' }),
    memory: z.string().refine((q) => memoryValue(q) !== undefined, {
      message: 'must be a memory quantity such as "256Mi" or "1Gi" (a trailing "m" would mean thousandths of a byte)',
    }),
  })
  .strict();

/** Requests and limits of every app container and of the migration Job. */
const podResourcesSchema = z
  .object({
    requests: computeSchema.default({ cpu: "250m", memory: "256Mi" }),
    limits: computeSchema.default({ cpu: "1", memory: "512Mi" }),
  })
  .strict()
  .superRefine((r, ctx) => {
    for (const kind of ["cpu", "memory"] as const) {
      const request = QUANTITY_VALUE[kind](r.requests[kind]);
      const limit = QUANTITY_VALUE[kind](r.limits[kind]);
      if (request !== undefined && limit !== undefined && limit < request) {
        ctx.addIssue({
          code: "custom",
          path: ["limits", kind],
          input: r.limits[kind],
          message: `must be at least requests.${kind} (${r.requests[kind]}): Kubernetes rejects a container whose limit is below its request; raise the limit or lower the request`,
        });
      }
    }
  });

const colorTemplate = (what: string, valid: (expanded: string) => boolean, example: string) =>
  z.string().refine((t) => t.includes(COLOR_PLACEHOLDER) && valid(expandColor(t, "blue")), {
    message: `must be ${what} containing ${COLOR_PLACEHOLDER} (replaced by blue or green), e.g. "${example}"`,
  });

const kubernetesSchema = z
  .object({
    namespace: dnsLabel.default("default"),
    /** Create the namespace (kept on destroy: it holds the Secrets the pods read). @default false */
    createNamespace: z.boolean().default(false),
    /** The Gateway whose listener carries user traffic. */
    gateway: gatewayRefSchema,
    /** Hostnames the weighted route serves; the first one is the app's URL. */
    hostnames: z
      .array(z.string().regex(PRECISE_HOSTNAME, "must be a lowercase DNS name without wildcard, e.g. api.example.com"))
      .min(1, 'list at least one hostname for the weighted route, e.g. ["api.example.com"]'),
    /** How users reach the hostnames; TLS terminates at the Gateway. @default "https" */
    scheme: z.enum(["https", "http"]).default("https"),
    /** Port of each color's Service. @default 80 */
    servicePort: z.number().int().min(1).max(65535).default(80),
    /** An extra HTTPRoute per color that sends `hostname` to that color alone, so the gate can probe it. */
    colorRoutes: z
      .object({
        hostname: colorTemplate("a lowercase DNS name", (h) => PRECISE_HOSTNAME.test(h), "{color}.api.internal.example.com"),
        /** Gateway for the per-color routes, typically an internal one. @default `gateway` */
        gateway: gatewayRefSchema.optional(),
      })
      .strict()
      .optional(),
    /** Base URL where the gate reaches one color (health path appended); overrides the one from `colorRoutes`. */
    gateUrlTemplate: colorTemplate("an http(s) URL", isHttpUrl, "http://api-{color}.api-staging.svc.cluster.local").optional(),
    resources: podResourcesSchema.default({ requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } }),
  })
  .strict();

const dockerSchema = z
  .object({
    network: z.string().default("bluegreen"),
    routerPort: z.number().int().min(1).max(65535).default(8080),
    adminPort: z.number().int().min(1).max(65535).default(9999),
    /** Host ports that expose each color directly, so the gate can probe it. */
    colorPorts: z
      .object({ blue: z.number().int().min(1).max(65535).default(8081), green: z.number().int().min(1).max(65535).default(8082) })
      .strict()
      .default({ blue: 8081, green: 8082 }),
    postgresImage: z.string().default("postgres:16.4"),
    routerImage: z.string().default("haproxy:2.8.10"),
  })
  .strict();

export const configSchema = z
  .object({
    platform: z.enum(PLATFORMS),
    environment: z.enum(ENVIRONMENTS).default("development"),
    app: appSchema,
    blue: colorSchema,
    green: colorSchema,
    traffic: trafficSchema,
    listener: listenerSchema.optional(),
    network: networkSchema.optional(),
    database: databaseSchema.optional(),
    migration: migrationSchema.optional(),
    gate: gateSettingsSchema.default(gateSettingsSchema.parse({})),
    /** Request headers for the gate's probes; set with `pulumi config set --secret`. */
    gateHeaders: z.record(z.string(), z.string()).optional(),
    kubernetes: kubernetesSchema.optional(),
    /** Local platform settings; defaults apply when absent. */
    docker: dockerSchema.prefault({}),
  })
  .strict();

export { CONFIG_NAMESPACE, fullKey } from "./configKeys";
export type { ConfigIssue } from "./configKeys";
export type BlueGreenConfig = z.infer<typeof configSchema>;
export type TrafficConfig = BlueGreenConfig["traffic"];
export type MigrationConfig = z.infer<typeof migrationSchema>;
export type DatabaseConfig = z.infer<typeof databaseSchema>;

/** Thrown when a stack file is invalid; the message lists every issue at once. */
export class ConfigError extends Error {
  constructor(readonly stackFile: string, readonly issues: ConfigIssue[]) {
    super(formatIssues(stackFile, issues));
    this.name = "ConfigError";
  }
}

function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

/** Keys that each platform cannot work without. */
const REQUIRED_BY_PLATFORM: Record<Platform, (keyof BlueGreenConfig)[]> = {
  aws: ["listener", "network"],
  kubernetes: ["kubernetes"],
  docker: [],
};

/**
 * Parses a stack's config as the engine hands it over: full keys
 * (`bluegreen:traffic`, `aws:region`) to JSON text or plain strings. Keys of
 * other namespaces are ignored except those a platform needs.
 */
export function parseConfig(raw: Record<string, unknown>, stack: string): BlueGreenConfig {
  const stackFile = stackFileName(stack);
  const prefix = `${CONFIG_NAMESPACE}:`;
  const decoded = Object.fromEntries(
    Object.entries(raw)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), decodeValue(value)]),
  );
  const parsed = configSchema.safeParse(decoded, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(stackFile, parsed.error.issues.flatMap(zodIssueToConfigIssues));
  }
  const config = withEnvironmentDefaults(parsed.data, decoded);
  const issues: ConfigIssue[] = [
    ...REQUIRED_BY_PLATFORM[config.platform]
      .filter((key) => config[key] === undefined)
      .map((key) => ({
        key: fullKey([key]),
        message: `is required when \`${CONFIG_NAMESPACE}:platform\` is ${config.platform}; add it (see README, "Configuration")`,
      })),
    ...platformIssues(config, raw),
    ...releaseRuleIssues(config),
  ];
  if (issues.length > 0) throw new ConfigError(stackFile, issues);
  return config;
}

function platformIssues(config: BlueGreenConfig, raw: Record<string, unknown>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.platform === "kubernetes") {
    const region = decodeValue(raw["aws:region"]);
    issues.push(...kubernetesIssues(config, typeof region === "string" ? region : undefined));
  }
  if (config.platform === "aws" && typeof decodeValue(raw["aws:region"]) !== "string") {
    issues.push({ key: "aws:region", message: "is required on the aws platform, e.g. `pulumi config set aws:region eu-west-1`" });
  }
  if (config.platform !== "docker" && config.migration !== undefined && config.database === undefined) {
    issues.push({
      key: fullKey(["database"]),
      message: `is required with \`${CONFIG_NAMESPACE}:migration\`: the database is snapshotted before every migration`,
    });
  }
  if (config.database?.mode === "create" && config.database.kind === "aurora-cluster") {
    issues.push({
      key: fullKey(["database", "kind"]),
      message: "aurora-cluster works with mode `existing` (snapshot only); create the cluster outside this program, or use kind `instance`",
    });
  }
  if (config.platform === "aws" && config.listener?.testIngressCidrs.length === 0 && (config.gate.targets.blue ?? []).length + (config.gate.targets.green ?? []).length === 0) {
    issues.push({
      key: fullKey(["listener", "testIngressCidrs"]),
      message: "is empty, so the promotion gate (which runs where `pulumi up` runs) cannot reach the per-color test listeners; list the CIDR of your deploy runners, or give `bluegreen:gate.targets` URLs the gate can reach",
    });
  }
  return issues;
}

/** Percentage points a color may gain per update in production unless `bluegreen:gate.maxStep` says otherwise. */
export const PRODUCTION_MAX_STEP = 25;

/** Defaults that depend on `bluegreen:environment`: production moves traffic in smaller steps. */
function withEnvironmentDefaults(config: BlueGreenConfig, decoded: Record<string, unknown>): BlueGreenConfig {
  const gate = decoded.gate as { maxStep?: unknown } | undefined;
  if (config.environment !== "production" || gate?.maxStep !== undefined) return config;
  return { ...config, gate: { ...config.gate, maxStep: PRODUCTION_MAX_STEP } };
}

/** The Pulumi engine passes objects and numbers as JSON text. */
function decodeValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function zodIssueToConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      key: fullKey([...issue.path, key]),
      message: "is not a known setting; check the spelling against the README's configuration table, or remove it",
    }));
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return [{ key: fullKey(issue.path), message: `is required (${issue.expected}); add it to the stack file` }];
  }
  const got = issue.input === undefined ? "" : ` (got ${JSON.stringify(issue.input)})`;
  return [{ key: fullKey(issue.path), message: `${issue.message}${got}` }];
}

function formatIssues(stackFile: string, issues: ConfigIssue[]): string {
  const lines = issues.map((i) => `  - ${i.key}: ${i.message}`);
  return [
    `${stackFile} has ${issues.length} configuration problem${issues.length === 1 ? "" : "s"}; nothing was deployed:`,
    ...lines,
    `Fix each key in ${stackFile} (or with \`pulumi config set --path <key> <value>\`) and run again.`,
  ].join("\n");
}
