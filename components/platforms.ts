/**
 * The only file that knows every platform: each one's config keys, its
 * rules and its factory. The stack config is the neutral keys plus every
 * platform's own (a key of another platform is accepted and unused), judged
 * by the chosen platform's rules and the release rules.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { awsPlatform } from "./aws";
import { AWS_CONFIG_RULES, AwsConfig, awsConfigShape } from "./aws/config";
import { secretConfigKeys } from "./config/engineSecrets";
import { HARDENING_RULES } from "./config/hardening";
import { RELEASE_MODE_RULES } from "./config/releaseModeRules";
import { ConfigRule, parseConfigWith } from "./config/parse";
import { SECRET_RULES } from "./config/secrets";
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
const PLATFORM_RULES: Record<PlatformName, readonly ConfigRule<BlueGreenConfig>[]> = {
  aws: AWS_CONFIG_RULES,
  kubernetes: [kubernetesConfigIssues],
  docker: [(config) => dockerConfigIssues(config)],
};

/** Every rule, each platform's applying only to its own stacks. */
const CONFIG_RULES: readonly ConfigRule<BlueGreenConfig>[] = [
  ...PLATFORM_NAMES.flatMap((name) =>
    PLATFORM_RULES[name].map(
      (rule): ConfigRule<BlueGreenConfig> =>
        (config, raw, secretKeys) =>
          config.platform === name ? rule(config, raw, secretKeys) : [],
    ),
  ),
  releaseRuleIssues,
  ...HARDENING_RULES,
  ...RELEASE_MODE_RULES,
  ...SECRET_RULES.map(
    (rule): ConfigRule<BlueGreenConfig> =>
      (config, _raw, secretKeys) =>
        rule(config, secretKeys),
  ),
];

/**
 * Parses a stack's config as the engine hands it over (`secretKeys`: the keys
 * set with `--secret`); throws ConfigError listing every problem.
 */
export function parseConfig(
  raw: Record<string, unknown>,
  stack: string,
  secretKeys: readonly string[] = [],
): BlueGreenConfig {
  return parseConfigWith(raw, stack, { schema: configSchema, rules: CONFIG_RULES }, secretKeys);
}

/** Reads the running stack's config from the Pulumi engine and validates it. */
export function loadConfig(): BlueGreenConfig {
  const raw = pulumi.runtime.allConfig();
  return parseConfig(raw, pulumi.getStack(), secretConfigKeys(raw));
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
