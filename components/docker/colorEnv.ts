/**
 * What the local platform hands each color besides the stack file's `env`:
 * its identity and where its database connection is. Pure, so the config
 * rules can refuse a stack file that sets one of these names (the platform's
 * value would silently replace it).
 */
import type { Color } from "../contracts/colors";

/** Where each color finds its database URL (the app role, with its password): Docker's convention for secrets. */
export const DATABASE_URL_FILE = "/run/secrets/database-url";

/** Names the platform sets on every color, each with what it holds. */
export const PLATFORM_ENV = {
  APP_COLOR: "the color's name",
  APP_VERSION: "`bluegreen:<color>.version`",
  PORT: "`bluegreen:app.port`",
  DATABASE_URL_FILE: `the path of the database URL file (${DATABASE_URL_FILE})`,
} as const;

/**
 * Names the platform owns without setting them as variables: the database URL
 * carries the app role's password, so it reaches the color as a file, never
 * as a plain variable (the pack's no-plaintext-secrets rule).
 */
export const PLATFORM_OWNED_ENV = ["DATABASE_URL"] as const;

export interface ColorEnvArgs {
  readonly color: Color;
  readonly version: string;
  readonly port: number;
  /** The stack file's `bluegreen:<color>.env`; the config rules refused any platform name in it. */
  readonly env: Readonly<Record<string, string>>;
}

/** `KEY=VALUE` lines sorted by name, as docker takes them. */
export function colorEnvLines(args: ColorEnvArgs): string[] {
  const env: Record<string, string> = {
    ...args.env,
    APP_COLOR: args.color,
    APP_VERSION: args.version,
    PORT: String(args.port),
    DATABASE_URL_FILE,
  };
  return Object.entries(env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`);
}
