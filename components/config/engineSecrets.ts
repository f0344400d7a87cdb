/**
 * Which config keys the engine marks secret (set with `--secret`, or holding
 * a value that was). @pulumi/pulumi exports `isConfigSecret` at run time but
 * not in its typings; this is the program's one reach into SDK internals, so
 * an SDK upgrade that moves it breaks here (test/config/engineSecrets.test.ts).
 */
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

export function secretConfigKeys(raw: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(raw).filter((key) => runtimeConfig.isConfigSecret(key));
}
