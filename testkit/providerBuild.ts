/**
 * Builds the component provider plugin as a user does before `pulumi package
 * add provider`: `npm run build:provider` (tsc to provider/dist, then the
 * schema analysed once, provider/writeSchema.ts). Test files that start the
 * plugin call it; `flock` serialises concurrent builds, tsc's incremental
 * mode leaves unchanged outputs untouched and schema.json is replaced by a
 * rename, so a plugin already running never reads a file being rewritten.
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
  const dist = path.join(PROVIDER_DIR, "dist");
  fs.mkdirSync(dist, { recursive: true });
  await run("flock", [path.join(dist, ".build.lock"), "npm", "run", "--silent", "build:provider"], { cwd: ROOT });
  return PROVIDER_DIR;
}
