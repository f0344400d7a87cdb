/**
 * Each platform's factory, for the program. Apart from platforms.ts (every
 * platform's config keys and rules, which the plan and the tools read without
 * building anything) so that validating a stack file loads no provider SDK.
 */
import { awsPlatform } from "./aws";
import type { AwsConfig } from "./aws/config";
import { dockerPlatform } from "./docker";
import { kubernetesPlatform } from "./kubernetes";
import type { KubernetesConfig } from "./kubernetes/config";
import type { PlatformFactory } from "./platform";
import type { BlueGreenConfig } from "./platforms";

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
