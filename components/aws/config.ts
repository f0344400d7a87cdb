/**
 * The aws platform's keys (`bluegreen:listener`, `bluegreen:network`, and
 * `bluegreen:database` shared with kubernetes) and its rules.
 */
import { z } from "zod";
import { ConfigIssue, fullKey, requiredSectionIssues } from "../config/issues";
import { decodeValue } from "../config/parse";
import type { CoreConfig } from "../config/schema";
import { databaseConfigShape, databaseIssues, DatabaseSection } from "../rds/config";

const listenerSchema = z
  .object({
    /** ACM certificate: with it the listener is HTTPS and port 80 redirects. */
    certificateArn: z
      .string()
      .regex(/^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/, "must be an ACM certificate ARN")
      .optional(),
    sslPolicy: z.string().default("ELBSecurityPolicy-TLS13-1-2-2021-06"),
    /** Per-color test listeners: where the gate probes one color directly. */
    testPorts: z
      .object({
        blue: z.number().int().min(1).max(65535).default(8081),
        green: z.number().int().min(1).max(65535).default(8082),
      })
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
  })
  .strict()
  .superRefine((n, ctx) => {
    if (n.vpcId === undefined) {
      for (const key of ["publicSubnetIds", "privateSubnetIds"] as const) {
        if (n[key] !== undefined)
          ctx.addIssue({ code: "custom", path: [key], message: "is only used with `vpcId`; set `vpcId` or remove it" });
      }
      return;
    }
    for (const key of ["publicSubnetIds", "privateSubnetIds"] as const) {
      if ((n[key]?.length ?? 0) < 2) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: "needs at least two subnets in different availability zones when `vpcId` is set",
        });
      }
    }
  });

export const awsConfigShape = {
  listener: listenerSchema.optional(),
  network: networkSchema.optional(),
  ...databaseConfigShape,
};

export type ListenerConfig = z.infer<typeof listenerSchema>;
export type NetworkConfig = z.infer<typeof networkSchema>;

/** The config as the aws platform reads it: its required sections are present once the rules passed. */
export type AwsConfig = CoreConfig &
  DatabaseSection & { readonly listener: ListenerConfig; readonly network: NetworkConfig };

type AwsConfigInput = CoreConfig &
  DatabaseSection & { readonly listener?: ListenerConfig; readonly network?: NetworkConfig };

export function awsConfigIssues(config: AwsConfigInput, raw: Readonly<Record<string, unknown>>): ConfigIssue[] {
  const issues = requiredSectionIssues(config, "aws", ["listener", "network"]);
  if (typeof decodeValue(raw["aws:region"]) !== "string") {
    issues.push({
      key: "aws:region",
      message: "is required on the aws platform, e.g. `pulumi config set aws:region eu-west-1`",
    });
  }
  issues.push(...databaseIssues(config, true));
  const gateTargets = (config.gate.targets.blue ?? []).length + (config.gate.targets.green ?? []).length;
  if (config.listener?.testIngressCidrs.length === 0 && gateTargets === 0) {
    issues.push({
      key: fullKey(["listener", "testIngressCidrs"]),
      message:
        "is empty, so the promotion gate (which runs where `pulumi up` runs) cannot reach the per-color test listeners; list the CIDR of your deploy runners, or give `bluegreen:gate.targets` URLs the gate can reach",
    });
  }
  return issues;
}
