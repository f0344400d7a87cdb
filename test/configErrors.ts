/** Test helper: the ConfigError a config is rejected with. */
import { ConfigError } from "../components/config/issues";
import { parseConfig } from "../components/platforms";
import { encodeConfigValue } from "../tooling/engine/stackFiles";

/** A valid docker stack's values as the engine passes them; each test changes one thing. */
export function validDockerConfig(): Record<string, unknown> {
  return {
    "bluegreen:platform": "docker",
    "bluegreen:app": JSON.stringify({ name: "api" }),
    "bluegreen:blue": JSON.stringify({ version: "1.4.2", image: "api:1.4.2" }),
    "bluegreen:green": JSON.stringify({ version: "1.5.0", image: "api:1.5.0" }),
    "bluegreen:traffic": JSON.stringify({ blue: 100, green: 0 }),
  };
}

/** Parses `raw` for `stack`; returns the ConfigError, or undefined when the config is valid. */
export function configError(raw: Record<string, unknown>, stack = "dev"): ConfigError | undefined {
  try {
    parseConfig(raw, stack);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

/** `key: message` lines of every issue (empty for a valid config). */
export function issueLines(raw: Record<string, unknown>, stack = "dev"): string[] {
  return configError(raw, stack)?.issues.map((i) => `${i.key}: ${i.message}`) ?? [];
}

/** Stack-file style values as the engine passes them: text as is, objects as JSON text. */
export function engineValues(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, encodeConfigValue(value)]));
}
