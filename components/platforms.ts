/**
 * The only file that knows every platform: each one's config keys, its
 * rules and its factory. The stack config is the neutral keys plus every
 * platform's own (a key of another platform is accepted and unused), judged
 * by the chosen platform's rules and the release rules. It loads no Pulumi
 * SDK: the tools validate stack files with it before (or without) any engine.
 */
import { z } from "zod";
import { AWS_CONFIG_RULES, awsConfigShape } from "./aws/config";
import { HARDENING_RULES } from "./config/hardening";
import { RELEASE_MODE_RULES } from "./config/releaseModeRules";
import { stackFileName, stackFileSource } from "./config/issues";
import { ConfigRule, parseConfigWith } from "./config/parse";
import { SECRET_RULES } from "./config/secrets";
import { coreConfigShape } from "./config/schema";
import { WATCH_RULES } from "./config/watch";
import { COLORS } from "./contracts/colors";
import { DOCKER_CONFIG_RULES, dockerConfigShape } from "./docker/config";
import { KUBERNETES_CONFIG_RULES, kubernetesConfigShape } from "./kubernetes/config";
import { hostAndPort, maintenanceTargetIssues, ProductionRouteTest } from "./maintenance";
import { RELEASE_RULES } from "./release";

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

/**
 * Whether a URL goes through users' route: the ALB's production listener (80/443; the test listeners have
 * their own ports), the weighted route's hostnames, the local router's port.
 */
const PRODUCTION_ROUTE: Record<PlatformName, (config: BlueGreenConfig) => ProductionRouteTest> = {
  aws: () => (url) => url.hostname.toLowerCase().endsWith(".elb.amazonaws.com") && /:(80|443)$/.test(hostAndPort(url)),
  kubernetes: (config) => (url) => (config.kubernetes?.hostnames ?? []).includes(url.hostname.toLowerCase()),
  docker: (config) => (url) =>
    [`127.0.0.1:${config.docker.routerPort}`, `localhost:${config.docker.routerPort}`].includes(hostAndPort(url)),
};

/** The maintenance window's gate targets, one rule per color, judged by the platform's production route. */
const maintenanceTargetRules = (platform: PlatformName): ConfigRule<BlueGreenConfig>[] =>
  COLORS.map((color) => (config) => maintenanceTargetIssues(config, PRODUCTION_ROUTE[platform](config), [color]));

/** Each platform's own rules; a platform's required sections are present once they pass. */
const PLATFORM_RULES: Record<PlatformName, readonly ConfigRule<BlueGreenConfig>[]> = {
  aws: [...AWS_CONFIG_RULES, ...maintenanceTargetRules("aws")],
  kubernetes: [...KUBERNETES_CONFIG_RULES, ...maintenanceTargetRules("kubernetes")],
  docker: [
    ...DOCKER_CONFIG_RULES.map(
      (rule): ConfigRule<BlueGreenConfig> =>
        (config) =>
          rule(config),
    ),
    ...maintenanceTargetRules("docker"),
  ],
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
  ...RELEASE_RULES,
  ...HARDENING_RULES,
  ...RELEASE_MODE_RULES,
  ...WATCH_RULES,
  ...SECRET_RULES.map(
    (rule): ConfigRule<BlueGreenConfig> =>
      (config, _raw, secretKeys) =>
        rule(config, secretKeys),
  ),
];

/** Every `bluegreen:` key and rule: the stack file's, and the library components' Args mapped to keys. */
export const CONFIG_SPEC = { schema: configSchema, rules: CONFIG_RULES };

/**
 * Parses a stack's config as the engine hands it over (`secretKeys`: the keys
 * set with `--secret`; `unreadableSecrets`: where the offline reader found an
 * encrypted value it cannot decrypt, see parseConfigWith); throws ConfigError
 * listing every problem.
 */
export function parseConfig(
  raw: Record<string, unknown>,
  stack: string,
  secretKeys: readonly string[] = [],
  unreadableSecrets: readonly (readonly string[])[] = [],
): BlueGreenConfig {
  return parseConfigWith(raw, stackFileSource(stackFileName(stack)), CONFIG_SPEC, secretKeys, unreadableSecrets);
}
