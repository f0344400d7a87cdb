/**
 * Each platform's factory, for the program. Apart from platforms.ts (every
 * platform's config keys and rules, which the plan and the tools read without
 * building anything) so that validating a stack file loads no provider SDK.
 * Only the chosen platform's module loads: an aws stack never loads the
 * kubernetes or docker code and SDKs (a tenth of a fresh plan, and of every
 * `pulumi preview` and `up` under the engine).
 */
import type { AwsConfig } from "./aws/config";
import type { KubernetesConfig } from "./kubernetes/config";
import type { PlatformFactory } from "./platform";
import type { BlueGreenConfig } from "./platforms";

/** The chosen platform's factory, given the config its rules accepted. */
export async function platformFor(config: BlueGreenConfig): Promise<PlatformFactory<unknown>> {
  switch (config.platform) {
    case "aws": {
      const { awsPlatform } = await import("./aws");
      return (scope) => awsPlatform(config as AwsConfig, scope);
    }
    case "kubernetes": {
      const { kubernetesPlatform } = await import("./kubernetes");
      return (scope) => kubernetesPlatform(config as KubernetesConfig, scope);
    }
    case "docker": {
      const { dockerPlatform } = await import("./docker");
      return (scope) => dockerPlatform(config, scope);
    }
  }
}
