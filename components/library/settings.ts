/**
 * Args → the validated config the program uses. A component's release
 * settings are the stack config's sections under the same names, so they go
 * through the program's own schema and rules (platforms.ts) as
 * `bluegreen:<section>` keys, and their problems are named as Args paths of
 * the component (`AwsBlueGreen "shop": traffic.green`). Pure.
 */
import { argsSource, CONFIG_NAMESPACE } from "../config/issues";
import { parseConfigWith } from "../config/parse";
import { BlueGreenConfig, CONFIG_SPEC, PlatformName } from "../platforms";

/** The Args sections that are stack config sections; references to the user's infrastructure are not among them. */
export type SettingsArgs = Readonly<Record<string, unknown>>;

/**
 * The config of component `component` named `name`: `settings` (Args sections by config name) for `platform`,
 * with `otherKeys` the engine config of other namespaces some rules read (`aws:region`). Throws ConfigError.
 */
export function libraryConfig(
  component: string,
  name: string,
  platform: PlatformName,
  settings: SettingsArgs,
  otherKeys: Readonly<Record<string, unknown>> = {},
): BlueGreenConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw: Record<string, unknown> = {
    // The user's own project may be named bluegreen: its keys are not this component's settings.
    ...Object.fromEntries(Object.entries(otherKeys).filter(([key]) => !key.startsWith(prefix))),
    [`${prefix}platform`]: platform,
    ...Object.fromEntries(
      Object.entries(settings)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => [`${prefix}${key}`, value]),
    ),
  };
  return parseConfigWith(raw, argsSource(component, name), CONFIG_SPEC);
}
