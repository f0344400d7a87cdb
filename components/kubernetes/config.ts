/**
 * The kubernetes platform's keys (`bluegreen:kubernetes`, and
 * `bluegreen:database` for the RDS snapshot before a migration) and its
 * rules, judged on the parsed config alone.
 */
import { z } from "zod";
import { ConfigIssue, fullKey, requiredSectionIssues, showValue } from "../config/issues";
import type { CoreConfig } from "../config/schema";
import { COLORS, COLOR_PLACEHOLDER, expandColor } from "../contracts/colors";
import { crossField } from "../config/crossField";
import { isHttpUrl } from "../gate/schema";
import { decodeValue } from "../config/parse";
import { ifReadable } from "../config/readable";
import { databaseConfigShape, databaseRules, DatabaseSection } from "../rds/config";
import { parseSecretRef } from "./names";
import { parseQuantity } from "./quantity";

/** A Gateway API hostname without wildcard: lowercase DNS labels joined by dots. */
const PRECISE_HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = z
  .string()
  .max(63, "must be at most 63 characters")
  .regex(
    DNS_LABEL,
    "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
  );

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
    cpu: z
      .string()
      .refine((q) => cpuValue(q) !== undefined, { message: 'must be a CPU quantity above 0 such as "250m" or "1"' }),
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
  // Per kind, each judged whenever that kind's request and limit are valid.
  .refine((r) => limitCovers(r, "cpu"), limitBelowRequest("cpu"))
  .refine((r) => limitCovers(r, "memory"), limitBelowRequest("memory"));

type Compute = {
  readonly requests: Record<"cpu" | "memory", string>;
  readonly limits: Record<"cpu" | "memory", string>;
};

function limitCovers(r: Compute, kind: "cpu" | "memory"): boolean {
  const request = QUANTITY_VALUE[kind](r.requests[kind]);
  const limit = QUANTITY_VALUE[kind](r.limits[kind]);
  return request === undefined || limit === undefined || limit >= request;
}

function limitBelowRequest(kind: "cpu" | "memory") {
  return {
    ...crossField([`requests.${kind}`, `limits.${kind}`]),
    path: ["limits", kind],
    // Both quantities passed their own pattern (digits and a unit), so they are short enough to quote as written.
    error: (issue: { input?: unknown }) => {
      const r = issue.input as Compute;
      return `must be at least requests.${kind} (${r.requests[kind]}): Kubernetes rejects a container whose limit is below its request; raise the limit or lower the request (got ${showValue(r.limits[kind])})`;
    },
  };
}

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
        hostname: colorTemplate(
          "a lowercase DNS name",
          (h) => PRECISE_HOSTNAME.test(h),
          "{color}.api.internal.example.com",
        ),
        /** Gateway for the per-color routes, typically an internal one. @default `gateway` */
        gateway: gatewayRefSchema.optional(),
      })
      .strict()
      .optional(),
    /** Base URL where the gate reaches one color (health path appended); overrides the one from `colorRoutes`. */
    gateUrlTemplate: colorTemplate(
      "an http(s) URL",
      isHttpUrl,
      "http://api-{color}.api-staging.svc.cluster.local",
    ).optional(),
    resources: podResourcesSchema.default({
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    }),
  })
  .strict();

export const kubernetesConfigShape = { kubernetes: kubernetesSchema.optional(), ...databaseConfigShape };

export type KubernetesSettings = z.infer<typeof kubernetesSchema>;
export type PodResources = KubernetesSettings["resources"];
export type GatewayRef = KubernetesSettings["gateway"];

/** The config as the kubernetes platform reads it: `kubernetes` is present once the rules passed. */
export type KubernetesConfig = CoreConfig & DatabaseSection & { readonly kubernetes: KubernetesSettings };

type KubernetesConfigInput = CoreConfig & DatabaseSection & { readonly kubernetes?: KubernetesSettings };

type KubernetesRule = (config: KubernetesConfigInput, raw: Readonly<Record<string, unknown>>) => ConfigIssue[];

/**
 * The kubernetes platform's rules, one verdict each, so that a key the
 * schema refused silences only the rules that read it (config/parse.ts).
 * `raw["aws:region"]`: needed for the RDS snapshot before a migration.
 */
export const KUBERNETES_CONFIG_RULES: readonly KubernetesRule[] = [
  (config) => requiredSectionIssues(config, "kubernetes", ["kubernetes"]),
  ...COLORS.map(
    (color): KubernetesRule =>
      (config) =>
        secretRefIssues(color, config[color].secrets),
  ),
  (config) =>
    config.database?.mode === "create"
      ? [
          {
            key: fullKey(["database", "mode"]),
            message:
              "is create, but the kubernetes platform does not create RDS instances (they need the AWS network); create the database outside this program and use mode `existing`, which snapshots it before each migration",
          },
        ]
      : [],
  (config, raw) =>
    config.database !== undefined && typeof decodeValue(raw["aws:region"]) !== "string"
      ? [
          {
            key: "aws:region",
            message: `is required with \`bluegreen:database\`: the RDS ${ifReadable(() => config.database!.identifier) ?? "database"} is snapshotted before each migration; e.g. \`pulumi config set aws:region eu-west-1\``,
          },
        ]
      : [],
  // Not built on this platform yet: refused rather than silently skipped.
  (config) =>
    config.migration?.rehearse
      ? [
          {
            key: fullKey(["migration", "rehearse"]),
            message:
              "is true, but the kubernetes platform does not rehearse migrations yet (aws restores the snapshot into a scratch RDS instance, docker into a scratch database). " +
              "Rehearse by hand on a copy restored from the snapshot and set it to false; in production an irreversible migration needs a rehearsal, so mark it reversible (expand-only) or release it from the aws platform",
          },
        ]
      : [],
  (config) => colorRouteIssues(config.kubernetes),
  ...databaseRules(true),
];

/** Every kubernetes rule's issues. */
export function kubernetesConfigIssues(
  config: KubernetesConfigInput,
  raw: Readonly<Record<string, unknown>>,
): ConfigIssue[] {
  return KUBERNETES_CONFIG_RULES.flatMap((rule) => rule(config, raw));
}

/** On kubernetes a secret is `secret-name/key`; each reference judged on its own, its value never shown (it may be the secret itself). */
function secretRefIssues(color: (typeof COLORS)[number], secrets: Readonly<Record<string, string>>): ConfigIssue[] {
  return Object.keys(secrets).flatMap((name) => {
    const ref = ifReadable(() => secrets[name]);
    if (ref === undefined || parseSecretRef(ref) !== undefined) return [];
    return [
      {
        key: fullKey([color, "secrets", name]),
        message:
          "must be a reference to a key of a Secret in the app's namespace, written secret-name/key (e.g. api-database/url), " +
          "not the secret or its name (the value is not shown here)",
      },
    ];
  });
}

/** A per-color route's hostname is never one the weighted route serves: the Gateway would mix both routes. */
function colorRouteIssues(settings: KubernetesSettings | undefined): ConfigIssue[] {
  if (settings?.colorRoutes === undefined) return [];
  const template = settings.colorRoutes.hostname;
  return COLORS.flatMap((color) => {
    const hostname = expandColor(template, color);
    if (!settings.hostnames.includes(hostname)) return [];
    return [
      {
        key: fullKey(["kubernetes", "colorRoutes", "hostname"]),
        message: `gives ${color} the hostname ${showValue(hostname)}, which the weighted route serves too; the Gateway would mix both routes. Use a hostname of its own, e.g. ${showValue(`{color}.${hostname}`)}`,
      },
    ];
  });
}
