/**
 * What the serialized dynamic providers depend on, as one key: the program's
 * sources (components/), the locked dependencies and the Node.js version. A
 * change to any of them gives a new key, so a stale provider text is never
 * reused (tooling/engine/sdkInternals.ts keeps the texts).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../paths";

/** Where the offline runner keeps serialized providers between processes. */
export const PROVIDER_CACHE_DIR = path.join(PROJECT_DIR, "node_modules", ".cache", "bluegreen", "providers");

let memo: string | undefined;

export function providerSourceKey(): string {
  if (memo !== undefined) return memo;
  const hash = crypto.createHash("sha256").update(process.version);
  const files = [path.join(PROJECT_DIR, "package-lock.json"), ...sourceFiles(path.join(PROJECT_DIR, "components"))];
  for (const file of files) {
    hash.update(`\0${path.relative(PROJECT_DIR, file)}\0`);
    if (fs.existsSync(file)) hash.update(fs.readFileSync(file));
  }
  memo = hash.digest("hex").slice(0, 16);
  return memo;
}

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith(".ts") ? [full] : [];
    });
}
