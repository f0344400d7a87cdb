/**
 * The kubernetes platform's keys (`bluegreen:kubernetes`, and
 * `bluegreen:database` for the RDS snapshot before a migration) and its
 * rules, judged on the parsed config alone.
 */
import { z } from "zod";
import { ConfigIssue, fullKey, requiredSectionIssues } from "../config/issues";
import { decodeValue } from "../config/parse";
import type { CoreConfig } from "../config/schema";
import { COLORS, COLOR_PLACEHOLDER, expandColor } from "../contracts/colors";
import { isHttpUrl } from "../gate/schema";
import { databaseConfigShape, databaseIssues, DatabaseSection } from "../rds/config";
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

/** `raw["aws:region"]`: needed for the RDS snapshot before a migration. */
export function kubernetesConfigIssues(
  config: KubernetesConfigInput,
  raw: Readonly<Record<string, unknown>>,
): ConfigIssue[] {
  const issues = requiredSectionIssues(config, "kubernetes", ["kubernetes"]);
  for (const color of COLORS) {
    for (const [name, ref] of Object.entries(config[color].secrets)) {
      if (parseSecretRef(ref) === undefined) {
        issues.push({
          key: fullKey([color, "secrets", name]),
          message: `is ${JSON.stringify(ref)}; on kubernetes a secret is a reference to a key of a Secret in the app's namespace, written secret-name/key (e.g. api-database/url)`,
        });
      }
    }
  }
  if (config.database?.mode === "create") {
    issues.push({
      key: fullKey(["database", "mode"]),
      message:
        "is create, but the kubernetes platform does not create RDS instances (they need the AWS network); create the database outside this program and use mode `existing`, which snapshots it before each migration",
    });
  }
  if (config.database !== undefined && typeof decodeValue(raw["aws:region"]) !== "string") {
    issues.push({
      key: "aws:region",
      message: `is required with \`bluegreen:database\`: the RDS ${config.database.identifier} is snapshotted before each migration; e.g. \`pulumi config set aws:region eu-west-1\``,
    });
  }
  // Not built on this platform yet: refused rather than silently skipped.
  if (config.migration?.rehearse) {
    issues.push({
      key: fullKey(["migration", "rehearse"]),
      message:
        "is true, but the kubernetes platform does not rehearse migrations yet (aws restores the snapshot into a scratch RDS instance, docker into a scratch database). " +
        "Rehearse by hand on a copy restored from the snapshot and set it to false; in production an irreversible migration needs a rehearsal, so mark it reversible (expand-only) or release it from the aws platform",
    });
  }
  const settings = config.kubernetes;
  if (settings?.colorRoutes !== undefined) {
    for (const color of COLORS) {
      const hostname = expandColor(settings.colorRoutes.hostname, color);
      if (settings.hostnames.includes(hostname)) {
        issues.push({
          key: fullKey(["kubernetes", "colorRoutes", "hostname"]),
          message: `gives ${color} the hostname ${hostname}, which the weighted route serves too; the Gateway would mix both routes. Use a hostname of its own, e.g. "{color}.${hostname}"`,
        });
      }
    }
  }
  return [...issues, ...databaseIssues(config, true)];
}
