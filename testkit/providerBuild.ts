/**
 * Builds the component provider plugin (provider/tsconfig.build.json →
 * provider/dist) as a user does before `pulumi package add provider`. Test
 * files that start the plugin call it; `flock` serialises concurrent builds
 * and tsc's incremental mode leaves unchanged outputs untouched, so a
 * plugin already running is never reading a file being rewritten.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");

/** The provider package directory (PulumiPlugin.yaml), built. */
export const PROVIDER_DIR = path.join(ROOT, "provider");

export async function buildProvider(): Promise<string> {
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const dist = path.join(PROVIDER_DIR, "dist");
  fs.mkdirSync(dist, { recursive: true });
  await run("flock", [path.join(dist, ".build.lock"), process.execPath, tsc, "-p", "provider/tsconfig.build.json"], {
    cwd: ROOT,
  });
  return PROVIDER_DIR;
}
