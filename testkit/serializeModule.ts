/**
 * Serializes a dynamic provider the way `pulumi up` does: the program loaded
 * as CommonJS (Pulumi runs TypeScript programs through ts-node; tsx compiles
 * the same way), so every `import` is a `require` whose module object the
 * closure serializer walks. Vitest's own module system hides that, so a
 * provider that serializes in-process can still fail for real users; this
 * runs the serializer in a separate CommonJS process instead.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");

const SCRIPT = `
const pulumi = require("@pulumi/pulumi");
const provider = require(process.argv[1])[process.argv[2]];
if (!provider) throw new Error("no export " + process.argv[2] + " in " + process.argv[1]);
pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false })
  .then((sf) => process.stdout.write(sf.text))
  .catch((error) => { console.error(error.message); process.exit(1); });
`;

/** The `__provider` text for `exportName` of `modulePath` (relative to the repo root). */
export async function serializeProviderModule(modulePath: string, exportName: string): Promise<string> {
  const tsx = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
  const { stdout } = await run(process.execPath, [tsx, "-e", SCRIPT, path.join(ROOT, modulePath), exportName], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}
