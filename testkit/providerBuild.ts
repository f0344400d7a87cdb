/**
 * Builds the component provider plugin as a user does before `pulumi package
 * add provider`: `npm run build:provider` (tsc to provider/dist, then the
 * schema analysed once, provider/writeSchema.ts). Test files that start the
 * plugin call it; `flock` serialises concurrent builds, tsc's incremental
 * mode leaves unchanged outputs untouched and schema.json is replaced by a
 * rename, so a plugin already running never reads a file being rewritten.
 * A build whose inputs have not changed since the last one is skipped: tsc
 * takes ~6 s of CPU to find that out, the stamp ~50 ms.
 */
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { writeWhole } from "../tooling/build/writeWhole";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");

/** The provider package directory (PulumiPlugin.yaml), built. */
export const PROVIDER_DIR = path.join(ROOT, "provider");
const DIST = path.join(PROVIDER_DIR, "dist");
const STAMP = path.join(DIST, ".inputs-stamp");
/** What decides the build besides the sources tsc read: its configs and the npm script. */
const BUILD_FILES = ["tsconfig.json", "provider/tsconfig.build.json", "provider/package.json", "package.json"];

export async function buildProvider(): Promise<string> {
  fs.mkdirSync(DIST, { recursive: true });
  const before = inputsStamp();
  if (before !== undefined && readText(STAMP) === before) return PROVIDER_DIR;
  await run("flock", [path.join(DIST, ".build.lock"), "npm", "run", "--silent", "build:provider"], { cwd: ROOT });
  const after = inputsStamp();
  if (after !== undefined) writeWhole(STAMP, after);
  return PROVIDER_DIR;
}

/**
 * Every file the last build read (tsc's build record lists them: sources, typings, libs) and the build's own
 * files, by path, size and modification time; undefined before a first build.
 */
function inputsStamp(): string | undefined {
  const record = path.join(DIST, ".tsbuildinfo");
  let fileNames: string[];
  try {
    ({ fileNames } = JSON.parse(fs.readFileSync(record, "utf8")) as { fileNames: string[] });
  } catch {
    return undefined; // Never built, or being rewritten: build.
  }
  const hash = crypto.createHash("sha256");
  const files = [...fileNames.map((file) => path.resolve(DIST, file)), ...BUILD_FILES.map((f) => path.join(ROOT, f))];
  for (const file of files) {
    try {
      const stat = fs.statSync(file);
      hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\0`);
    } catch {
      hash.update(`${file}\0missing\0`);
    }
  }
  return hash.digest("hex");
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
