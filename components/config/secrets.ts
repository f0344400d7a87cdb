/**
 * Which config may be secret, and what must be. The engine marks a key
 * secret when it or a value inside it was set with `--secret`; the program
 * keeps only the probe headers secret (the gate's inputs are wrapped in
 * `pulumi.secret`). Any other secret key would be used in plain text (task
 * definitions, manifests, state), so it is refused; app secrets are
 * references (`<color>.secrets`). Probe headers carry credentials, so outside
 * development they must be secret. Pure.
 */
import { CONFIG_NAMESPACE, ConfigIssue, fullKey } from "./issues";
import type { CoreConfig } from "./schema";

/** The `bluegreen:` keys the program keeps secret end to end. */
export const SECRET_CONFIG_KEYS = ["gateHeaders"] as const;

type SecretRule = (
  config: Pick<CoreConfig, "environment" | "gateHeaders">,
  secretKeys: readonly string[],
) => ConfigIssue[];

/** Secret keys the program would use in plain text; probe headers in plain text outside development. */
export const SECRET_RULES: readonly SecretRule[] = [
  (_config, secretKeys) => plainUseIssues(secretKeys),
  (config, secretKeys) => plainHeaderIssues(config, secretKeys),
];

function plainUseIssues(secretKeys: readonly string[]): ConfigIssue[] {
  const keepsSecret = new Set<string>(SECRET_CONFIG_KEYS.map((key) => fullKey([key])));
  return [...new Set(secretKeys)]
    .filter((key) => key.startsWith(`${CONFIG_NAMESPACE}:`) && !keepsSecret.has(key))
    .sort()
    .map((key) => ({
      key,
      message:
        "holds a value set with `--secret`, but this setting is used in plain text (task definitions, manifests, state), so the secret would leak. " +
        "Give an app secret to the colors as a reference in `bluegreen:<color>.secrets` (a Secrets Manager or SSM ARN on AWS, secret-name/key on Kubernetes); " +
        "probe credentials go in `bluegreen:gateHeaders`, the one setting kept secret",
    }));
}

function plainHeaderIssues(
  config: Pick<CoreConfig, "environment" | "gateHeaders">,
  secretKeys: readonly string[],
): ConfigIssue[] {
  const headers = fullKey(["gateHeaders"]);
  if (config.gateHeaders === undefined || config.environment === "development" || secretKeys.includes(headers))
    return [];
  return [
    {
      key: headers,
      message:
        `is in plain text in a ${config.environment} stack file: probe headers carry credentials. ` +
        "Set each with `pulumi config set --secret --path 'bluegreen:gateHeaders.<Header>' '<value>'` (only development stacks may keep them plain)",
    },
  ];
}
