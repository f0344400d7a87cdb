/**
 * The only file that knows every platform: each one's config keys, its
 * rules and its factory. The stack config is the neutral keys plus every
 * platform's own (a key of another platform is accepted and unused), judged
 * by the chosen platform's rules and the release rules.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { awsPlatform } from "./aws";
import { awsConfigIssues, AwsConfig, awsConfigShape } from "./aws/config";
import { hardeningIssues } from "./config/hardening";
import type { ConfigIssue } from "./config/issues";
import { parseConfigWith } from "./config/parse";
import { coreConfigShape } from "./config/schema";
import { dockerPlatform } from "./docker";
import { dockerConfigIssues, dockerConfigShape } from "./docker/config";
import { kubernetesPlatform } from "./kubernetes";
import { kubernetesConfigIssues, KubernetesConfig, kubernetesConfigShape } from "./kubernetes/config";
import type { PlatformFactory } from "./platform";
import { releaseRuleIssues } from "./release";

export const PLATFORM_NAMES = ["aws", "kubernetes", "docker"] as const;
export type PlatformName = (typeof PLATFORM_NAMES)[number];

export const configSchema = z
  .object({
    platform: z.enum(PLATFORM_NAMES),
    ...coreConfigShape,
    ...awsConfigShape,
    ...kubernetesConfigShape,
    ...dockerConfigShape,
  })
  .strict();

/** The whole stack config, every default applied. */
export type BlueGreenConfig = z.infer<typeof configSchema>;

/** Each platform's own rules; a platform's required sections are present once they pass. */
const PLATFORM_RULES: Record<
  PlatformName,
  (config: BlueGreenConfig, raw: Readonly<Record<string, unknown>>) => ConfigIssue[]
> = {
  aws: awsConfigIssues,
  kubernetes: kubernetesConfigIssues,
  docker: (config) => dockerConfigIssues(config),
};

/** Parses a stack's config as the engine hands it over; throws ConfigError listing every problem. */
export function parseConfig(raw: Record<string, unknown>, stack: string): BlueGreenConfig {
  return parseConfigWith(raw, stack, {
    schema: configSchema,
    rules: (config, values) => [
      ...PLATFORM_RULES[config.platform](config, values),
      ...releaseRuleIssues(config),
      ...hardeningIssues(config),
    ],
  });
}

/** Reads the running stack's config from the Pulumi engine and validates it. */
export function loadConfig(): BlueGreenConfig {
  return parseConfig(pulumi.runtime.allConfig(), pulumi.getStack());
}

/** The chosen platform's factory, given the config its rules accepted. */
export function platformFor(config: BlueGreenConfig): PlatformFactory<unknown> {
  switch (config.platform) {
    case "aws":
      return (scope) => awsPlatform(config as AwsConfig, scope);
    case "kubernetes":
      return (scope) => kubernetesPlatform(config as KubernetesConfig, scope);
    case "docker":
      return (scope) => dockerPlatform(config, scope);
  }
}
