/**
 * Which config may be secret, and what must be: the one place this is
 * decided (the README's "Secrets" paragraph says the same). The engine marks
 * a key secret when it or a value inside it was set with `--secret`. Two
 * keys hold credentials and stay secret end to end: the probe headers (the
 * gate's inputs are wrapped in `pulumi.secret`) and the release tooling's
 * webhook URLs (`notify`, never deployed). Any other secret key would be used
 * in plain text (task definitions, manifests, state, stack outputs: a hotfix
 * reason is an output, a maintenance message a public page), so it is
 * refused; app secrets are references (`<color>.secrets`). Credentials in
 * those two keys must be secret outside development, and no message quotes
 * their values (config/parse.ts). Pure.
 */
import { CONFIG_NAMESPACE, ConfigIssue, fullKey } from "./issues";
import type { CoreConfig } from "./schema";

/**
 * What an encrypted value nested in a config object reads as where it cannot
 * be decrypted (the offline plan has no passphrase): valid wherever text is.
 * The reader lists where each sits, and validation takes it as present with
 * a value unknown: never checked as this text, never shown.
 */
export const SECRET_PLACEHOLDER = "[secret]";

/** The `bluegreen:` keys the program keeps secret end to end. */
export const SECRET_CONFIG_KEYS = ["gateHeaders", "notify"] as const;

type SecretRule = (
  config: Pick<CoreConfig, "environment" | "gateHeaders" | "notify">,
  secretKeys: readonly string[],
) => ConfigIssue[];

/** Secret keys the program would use in plain text; credentials in plain text outside development. */
export const SECRET_RULES: readonly SecretRule[] = [
  (_config, secretKeys) => plainUseIssues(secretKeys),
  (config, secretKeys) =>
    plainCredentialIssues(
      config.environment,
      "gateHeaders",
      config.gateHeaders !== undefined,
      secretKeys,
      "probe headers carry credentials. Set each with `pulumi config set --secret --path 'bluegreen:gateHeaders.<Header>' '<value>'`",
    ),
  (config, secretKeys) =>
    plainCredentialIssues(
      config.environment,
      "notify",
      config.notify.webhooks.length > 0,
      secretKeys,
      "a webhook URL is its own credential. Set each with `pulumi config set --secret --path 'bluegreen:notify.webhooks[0].url' '<url>'`",
    ),
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
        "probe credentials go in `bluegreen:gateHeaders` and webhook URLs in `bluegreen:notify`, the settings kept secret",
    }));
}

function plainCredentialIssues(
  environment: CoreConfig["environment"],
  key: (typeof SECRET_CONFIG_KEYS)[number],
  set: boolean,
  secretKeys: readonly string[],
  fix: string,
): ConfigIssue[] {
  if (!set || environment === "development" || secretKeys.includes(fullKey([key]))) return [];
  return [
    {
      key: fullKey([key]),
      message: `is in plain text in a ${environment} stack file: ${fix} (only development stacks may keep it plain)`,
    },
  ];
}
