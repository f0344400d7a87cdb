/**
 * Which config each policy runs with: the stack's `--policy-pack-config`
 * file, reconciled with the pack's defaults as the engine does.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { POLICY_PACK_DIR } from "../paths";
import { EnforcementLevel, LEVELS, PolicyConfig, PolicyInfo } from "./protocol";

/**
 * The stack's `--policy-pack-config` file, `policies/config/<stack>.json`;
 * undefined when the stack has none (the pack's defaults judge it as production).
 * The same for the offline plan, CI, `deploy` and `shift`.
 */
export function policyConfigFile(stack: string): string | undefined {
  const file = path.join(POLICY_PACK_DIR, "config", `${stack}.json`);
  return fs.existsSync(file) ? file : undefined;
}

/** The stack's policy config as policy name → value, {} when it has none. */
export function readPolicyConfig(stack: string): Record<string, unknown> {
  const file = policyConfigFile(stack);
  return file === undefined ? {} : (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>);
}

/**
 * The config each policy runs with, reconciled as the engine does: schema
 * defaults, then the pack's initial config, then the given config (`all`
 * sets every level first). Stricter than the engine in one way: a policy
 * name the pack does not have is an error rather than silently ignored.
 */
export function reconcilePolicyConfig(
  policies: readonly PolicyInfo[],
  initial: Readonly<Record<string, PolicyConfig>>,
  given: Readonly<Record<string, unknown>>,
): Record<string, PolicyConfig> {
  const result: Record<string, PolicyConfig> = {};
  for (const policy of policies) {
    const defaults = Object.entries(policy.configSchema?.properties ?? {}).flatMap(([key, schema]) =>
      schema !== null && typeof schema === "object" && "default" in schema
        ? [[key, (schema as { default: unknown }).default] as const]
        : [],
    );
    result[policy.name] = { enforcementLevel: policy.enforcementLevel, properties: Object.fromEntries(defaults) };
  }
  const known = new Set(policies.map((p) => p.name));
  for (const layer of [initial, parseGivenConfig(given)]) {
    const all = layer.all?.enforcementLevel;
    if (all !== undefined) for (const name of known) result[name] = { ...result[name], enforcementLevel: all };
    for (const [name, config] of Object.entries(layer)) {
      if (name === "all") continue;
      if (!known.has(name)) {
        throw new Error(
          `policy config names "${name}", which the pack does not have; known policies: ${[...known].join(", ")}`,
        );
      }
      result[name] = {
        enforcementLevel: config.enforcementLevel ?? result[name].enforcementLevel,
        properties: { ...result[name].properties, ...config.properties },
      };
    }
  }
  const problems = policies.flatMap((policy) => {
    if (!policy.configSchema) return [];
    const schema = z.fromJSONSchema({
      type: "object",
      properties: policy.configSchema.properties,
      required: [...policy.configSchema.required],
    } as never);
    const parsed = schema.safeParse(result[policy.name].properties);
    const shape = parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${policy.name}.${issue.path.join(".")}: ${issue.message}`);
    return [...shape, ...regexProblems(policy.name, policy.configSchema.properties, result[policy.name].properties)];
  });
  if (problems.length > 0) {
    throw new Error(
      `policy pack configuration is invalid:\n  - ${problems.join("\n  - ")}\nFix these values in the --policy-pack-config file.`,
    );
  }
  return result;
}

/** `format: "regex"` properties (the engine's JSON schema validator checks them; zod's conversion does not). */
function regexProblems(policy: string, schema: Record<string, unknown>, values: Record<string, unknown>): string[] {
  return Object.entries(schema).flatMap(([key, property]) => {
    const value = values[key];
    if ((property as { format?: unknown }).format !== "regex" || typeof value !== "string") return [];
    try {
      new RegExp(value);
      return [];
    } catch (error) {
      return [
        `${policy}.${key}: ${JSON.stringify(value)} is not a valid regular expression (${(error as Error).message})`,
      ];
    }
  });
}

function parseGivenConfig(
  given: Readonly<Record<string, unknown>>,
): Record<string, { enforcementLevel?: EnforcementLevel; properties: Record<string, unknown> }> {
  const level = (name: string, value: unknown): EnforcementLevel => {
    if (LEVELS.includes(value as EnforcementLevel)) return value as EnforcementLevel;
    throw new Error(
      `policy config for "${name}": ${JSON.stringify(value)} is not an enforcement level (${LEVELS.join(", ")})`,
    );
  };
  return Object.fromEntries(
    Object.entries(given).map(([name, value]) => {
      if (typeof value === "string") return [name, { enforcementLevel: level(name, value), properties: {} }];
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new Error(
          `policy config for "${name}" must be an enforcement level or an object, got ${JSON.stringify(value)}`,
        );
      }
      const { enforcementLevel, ...properties } = value as Record<string, unknown>;
      return [
        name,
        { ...(enforcementLevel === undefined ? {} : { enforcementLevel: level(name, enforcementLevel) }), properties },
      ];
    }),
  );
}
