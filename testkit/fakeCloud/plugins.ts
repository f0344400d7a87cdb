/**
 * Installs the fake provider (main.ts) as the aws, kubernetes and docker
 * plugins, at the exact versions package.json pins, into a Pulumi home
 * (`$PULUMI_HOME/plugins/resource-<name>-v<version>/pulumi-resource-<name>`),
 * where the engine looks them up. Each is a small launcher that runs
 * main.ts bundled to JavaScript: the engine starts a provider for every
 * preview and update, and under tsx each start took about twice as long.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { esbuild } from "../../tooling/build/esbuild";
import { writeWhole } from "../../tooling/build/writeWhole";
import { PROJECT_DIR } from "../../tooling/paths";

const BUNDLE_DIR = path.join(PROJECT_DIR, "node_modules", ".cache", "bluegreen", "fake-provider");
let bundled: string | undefined;

/**
 * main.ts and what it imports as one CommonJS file, named by its content and kept where packages resolve
 * from this project's node_modules (they stay outside the bundle); built once per process.
 */
function fakeProviderBundle(): string {
  if (bundled !== undefined) return bundled;
  const [output] = esbuild().buildSync({
    entryPoints: [path.join(__dirname, "main.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    packages: "external",
    target: `node${process.versions.node.split(".")[0]}`,
    write: false,
    logLevel: "silent",
  }).outputFiles;
  const file = path.join(
    BUNDLE_DIR,
    `${crypto.createHash("sha256").update(output.contents).digest("hex").slice(0, 16)}.js`,
  );
  if (!fs.existsSync(file)) {
    fs.mkdirSync(BUNDLE_DIR, { recursive: true });
    // Another test process may be starting a provider from it.
    writeWhole(file, output.contents);
  }
  bundled = file;
  return file;
}

export const FAKE_PROVIDERS = ["aws", "kubernetes", "docker"] as const;

export function providerVersion(name: string): string {
  const file = path.join(PROJECT_DIR, "node_modules", "@pulumi", name, "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/** Writes the launchers; returns the plugin directories. */
export function installFakeProviders(pulumiHome: string): string[] {
  const main = fakeProviderBundle();
  return FAKE_PROVIDERS.map((name) => {
    const version = providerVersion(name);
    const dir = path.join(pulumiHome, "plugins", `resource-${name}-v${version}`);
    fs.mkdirSync(dir, { recursive: true });
    const launcher = path.join(dir, `pulumi-resource-${name}`);
    fs.writeFileSync(
      launcher,
      `#!/bin/sh\n# FAKE ${name} provider for tests: no cloud is called (testkit/fakeCloud).\nexec "${process.execPath}" "${main}" ${name} ${version} "$@"\n`,
    );
    fs.chmodSync(launcher, 0o755);
    return dir;
  });
}
