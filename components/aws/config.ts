/**
 * The aws platform's keys (`bluegreen:listener`, `bluegreen:network`, and
 * `bluegreen:database` shared with kubernetes) and its rules.
 */
import { z } from "zod";
import { ConfigIssue, fullKey, requiredSectionIssues } from "../config/issues";
import { decodeValue } from "../config/parse";
import type { CoreConfig } from "../config/schema";
import { COLORS } from "../contracts/colors";
import { crossField } from "../config/crossField";
import { databaseConfigShape, databaseRules, DatabaseSection } from "../rds/config";
import {
  ipv4Cidr,
  maintenancePageIssues,
  openTestIngressIssues,
  rehearsalEngineIssues,
  rehearsalEnvIssues,
  relaxedLoadBalancerIssues,
  secretReferenceIssues,
  testPortIssues,
} from "./configRules";
import {
  ClusterConfig,
  EXISTING_LOAD_BALANCER_RULES,
  existingInfrastructureShape,
  LoadBalancerConfig,
} from "./existingConfig";

const accessLogsSchema = z
  .object({
    /** Write the load balancer's access logs to S3. @default true in production, false otherwise */
    enabled: z.boolean().optional(),
    /** An existing bucket in the stack's region (SSE-S3, a policy that lets ELB write). @default a bucket the stack creates */
    bucket: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        "must be an S3 bucket name: 3-63 lowercase letters, digits, '.', '-'",
      )
      .optional(),
    /** Key prefix of the log objects (no leading or trailing '/', no "AWSLogs"). @default the app name */
    prefix: z
      .string()
      .regex(
        /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/,
        "must be a key prefix such as api/alb, without '/' at its ends",
      )
      .refine((prefix) => !prefix.includes("AWSLogs"), "must not contain AWSLogs (ELB adds it)")
      .optional(),
  })
  .strict();

/** TLS policy of an HTTPS listener unless `bluegreen:listener.sslPolicy` names another. */
export const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

const listenerSchema = z
  .object({
    /** ACM certificate: with it the listener is HTTPS and port 80 redirects. */
    certificateArn: z
      .string()
      .regex(/^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/, "must be an ACM certificate ARN")
      .optional(),
    sslPolicy: z.string().default(DEFAULT_SSL_POLICY),
    /** Per-color test listeners: where the gate probes one color directly. Never 80 or 443, never equal. */
    testPorts: z
      .object({
        blue: z.number().int().min(1).max(65535).default(8081),
        green: z.number().int().min(1).max(65535).default(8082),
      })
      .strict()
      .default({ blue: 8081, green: 8082 }),
    /** Who may reach the test listeners: the network `pulumi up` (and so the gate) runs from. Never everyone in production. */
    testIngressCidrs: z.array(ipv4Cidr).default([]),
    ingressCidrs: z.array(ipv4Cidr).default(["0.0.0.0/0"]),
    /** The load balancer refuses deletion (turn it off before `pulumi destroy`). @default true in production, false otherwise */
    deletionProtection: z.boolean().optional(),
    accessLogs: accessLogsSchema.optional(),
    /** Why a production load balancer runs without deletion protection or access logs: required when it does. */
    securityException: z.string().min(1).optional(),
  })
  .strict();

const egressRuleSchema = z
  .object({
    protocol: z.enum(["tcp", "udp"]).default("tcp"),
    port: z.number().int().min(1).max(65535),
    /** Last port of a range. @default port */
    toPort: z.number().int().min(1).max(65535).optional(),
    cidrBlocks: z.array(ipv4Cidr).min(1, "must list at least one IPv4 CIDR"),
    /** Why the tasks need it: written into the rule's description and reviewed with the stack file. */
    reason: z.string().min(1, "must say why the tasks need this destination"),
  })
  .strict()
  .refine((rule) => (rule.toPort ?? rule.port) >= rule.port, {
    ...crossField(["port", "toPort"]),
    message: "must not be below `port`",
    path: ["toPort"],
  });

const networkSchema = z
  .object({
    /** Use an existing VPC: give its id and at least two subnets of each kind. */
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]+$/, "must be a VPC id (vpc-...)")
      .optional(),
    publicSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "must be a subnet id (subnet-...)")).optional(),
    privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "must be a subnet id (subnet-...)")).optional(),
    /** Or let the program create one. */
    cidrBlock: z
      .string()
      .regex(/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-4])$/, "must be an IPv4 CIDR from /16 to /24")
      .default("10.40.0.0/16"),
    availabilityZones: z.number().int().min(2).max(4).default(2),
    /** Outbound rules the tasks need beyond HTTPS and the database, each with its reason. @default [] */
    taskEgress: z.array(egressRuleSchema).default([]),
  })
  .strict()
  // Per subnet list, each judged whenever it and `vpcId` are valid.
  .refine((n) => n.vpcId !== undefined || n.publicSubnetIds === undefined, subnetsWithoutVpc("publicSubnetIds"))
  .refine((n) => n.vpcId !== undefined || n.privateSubnetIds === undefined, subnetsWithoutVpc("privateSubnetIds"))
  .refine((n) => n.vpcId === undefined || (n.publicSubnetIds?.length ?? 0) >= 2, tooFewSubnets("publicSubnetIds"))
  .refine((n) => n.vpcId === undefined || (n.privateSubnetIds?.length ?? 0) >= 2, tooFewSubnets("privateSubnetIds"));

function subnetsWithoutVpc(key: "publicSubnetIds" | "privateSubnetIds") {
  return { ...crossField(["vpcId", key]), path: [key], message: "is only used with `vpcId`; set `vpcId` or remove it" };
}

function tooFewSubnets(key: "publicSubnetIds" | "privateSubnetIds") {
  return {
    ...crossField(["vpcId", key]),
    path: [key],
    message: "needs at least two subnets in different availability zones when `vpcId` is set",
  };
}

export const awsConfigShape = {
  listener: listenerSchema.optional(),
  network: networkSchema.optional(),
  ...existingInfrastructureShape,
  ...databaseConfigShape,
};

export type ListenerConfig = z.infer<typeof listenerSchema>;
export type NetworkConfig = z.infer<typeof networkSchema>;
export type TaskEgressRule = z.infer<typeof egressRuleSchema>;

/** The config as the aws platform reads it: its required sections are present once the rules passed. */
export type AwsConfig = CoreConfig &
  DatabaseSection &
  ExistingSections & { readonly listener: ListenerConfig; readonly network: NetworkConfig };

/** The user's existing load balancer and cluster (existingConfig.ts). */
interface ExistingSections {
  readonly loadBalancer?: LoadBalancerConfig;
  readonly cluster?: ClusterConfig;
}

type AwsConfigInput = CoreConfig &
  DatabaseSection &
  ExistingSections & { readonly listener?: ListenerConfig; readonly network?: NetworkConfig };

type AwsRule = (config: AwsConfigInput, raw: Readonly<Record<string, unknown>>) => ConfigIssue[];

/**
 * The aws platform's rules, one concern each, so that a key the schema
 * refused silences only the rules that read it (parse.ts).
 */
export const AWS_CONFIG_RULES: readonly AwsRule[] = [
  ...(["listener", "network"] as const).map(
    (section): AwsRule =>
      (config) =>
        requiredSectionIssues(config, "aws", [section]),
  ),
  (_config, raw) =>
    typeof decodeValue(raw["aws:region"]) === "string"
      ? []
      : [
          {
            key: "aws:region",
            message: "is required on the aws platform, e.g. `pulumi config set aws:region eu-west-1`",
          },
        ],
  ...databaseRules(true),
  (config) => gateReachIssues(config),
  ...COLORS.map(
    (color): AwsRule =>
      (config) =>
        config.listener ? testPortIssues(config.listener, color) : [],
  ),
  (config) => (config.listener && config.environment === "production" ? openTestIngressIssues(config.listener) : []),
  (config) =>
    config.listener && config.environment === "production" ? relaxedLoadBalancerIssues(config.listener) : [],
  ...EXISTING_LOAD_BALANCER_RULES,
  (config) => maintenancePageIssues(config.maintenance),
  ...COLORS.map(
    (color): AwsRule =>
      (config) =>
        secretReferenceIssues(color, config[color].secrets),
  ),
  (config) => rehearsalEnvIssues(config),
  (config) => rehearsalEngineIssues(config),
];

/** The gate runs where `pulumi up` runs: it needs the test listeners or `gate.targets`. */
function gateReachIssues(config: AwsConfigInput): ConfigIssue[] {
  const gateTargets = (config.gate.targets.blue ?? []).length + (config.gate.targets.green ?? []).length;
  if (config.listener?.testIngressCidrs.length !== 0 || gateTargets > 0) return [];
  return [
    {
      key: fullKey(["listener", "testIngressCidrs"]),
      message:
        "is empty, so the promotion gate (which runs where `pulumi up` runs) cannot reach the per-color test listeners; list the CIDR of your deploy runners, or give `bluegreen:gate.targets` URLs the gate can reach",
    },
  ];
}

/** What the load balancer gets once the environment's defaults are applied. */
export interface LoadBalancerSettings {
  readonly deletionProtection: boolean;
  /** Where access logs go (`bucket` undefined: a bucket the stack creates); undefined when they are off. */
  readonly accessLogs?: { readonly bucket?: string; readonly prefix: string };
  /** The stated reason, set only when a production default is relaxed. */
  readonly securityException?: string;
}

/** Deletion protection and access logs default to on in production, off elsewhere (both are costs a test stack skips). */
export function loadBalancerSettings(
  config: Pick<AwsConfig, "listener" | "environment" | "app">,
): LoadBalancerSettings {
  const production = config.environment === "production";
  const { listener } = config;
  const deletionProtection = listener.deletionProtection ?? production;
  const logs = listener.accessLogs;
  const accessLogs =
    (logs?.enabled ?? production) ? { bucket: logs?.bucket, prefix: logs?.prefix ?? config.app.name } : undefined;
  const relaxed = production && (!deletionProtection || accessLogs === undefined);
  return { deletionProtection, accessLogs, ...(relaxed ? { securityException: listener.securityException } : {}) };
}
