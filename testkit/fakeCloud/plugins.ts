/**
 * Installs the fake provider (main.ts) as the aws, kubernetes and docker
 * plugins, at the exact versions package.json pins, into a Pulumi home
 * (`$PULUMI_HOME/plugins/resource-<name>-v<version>/pulumi-resource-<name>`),
 * where the engine looks them up. Each is a small launcher that runs
 * main.ts under tsx.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../../tooling/paths";

export const FAKE_PROVIDERS = ["aws", "kubernetes", "docker"] as const;

export function providerVersion(name: string): string {
  const file = path.join(PROJECT_DIR, "node_modules", "@pulumi", name, "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/** Writes the launchers; returns the plugin directories. */
export function installFakeProviders(pulumiHome: string): string[] {
  const register = require.resolve("tsx/cjs");
  const main = path.join(__dirname, "main.ts");
  return FAKE_PROVIDERS.map((name) => {
    const version = providerVersion(name);
    const dir = path.join(pulumiHome, "plugins", `resource-${name}-v${version}`);
    fs.mkdirSync(dir, { recursive: true });
    const launcher = path.join(dir, `pulumi-resource-${name}`);
    fs.writeFileSync(
      launcher,
      `#!/bin/sh\n# FAKE ${name} provider for tests: no cloud is called (testkit/fakeCloud).\nexec "${process.execPath}" --require "${register}" "${main}" ${name} ${version} "$@"\n`,
    );
    fs.chmodSync(launcher, 0o755);
    return dir;
  });
}
