/**
 * Entry point of the fake provider plugins: `pulumi-resource-<name>` runs
 * `main.ts <name> <version> [engine flags] <engine address>`. It prints its
 * port as the first line of stdout, as the engine expects of a plugin.
 */
import { serveFakeProvider } from "./provider";

async function main(): Promise<void> {
  const [name, version] = process.argv.slice(2);
  const { port } = await serveFakeProvider({ name, version, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${port}\n`);
  process.stderr.write(`FAKE ${name} provider ${version}: serving on 127.0.0.1:${port} (no cloud is called)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`FAKE provider failed to start: ${String(error)}\n`);
  process.exit(1);
});
