/**
 * The plan's policy pack, started from a cached JavaScript bundle of
 * policies/ when one matches its sources: run-policy-pack spends about half
 * of the pack's start loading ts-node and type-checking the pack.
 * The bundle (esbuild, which tsx ships) holds the pack's own files; every
 * package stays outside, required from the path the pack itself resolves, so
 * the same @pulumi/policy and @pulumi/pulumi run. A bundle is written only
 * after run-policy-pack has compiled and served those same sources: a pack
 * that does not type-check still fails as under `pulumi preview`. The pack's
 * sources are never changed; the cache is node_modules/.cache/bluegreen/pack.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { isBuiltin } from "node:module";
import * as path from "node:path";
import { POLICY_PACK_DIR, PROJECT_DIR } from "../paths";
import { esbuild } from "../build/esbuild";
import type { Plugin } from "esbuild";
import { PackProcess, startPackProcess } from "../policy/packProcess";

export const PACK_CACHE_DIR = path.join(PROJECT_DIR, "node_modules", ".cache", "bluegreen", "pack");

/**
 * Starts the pack in `packDir` (where @pulumi/policy reads its package.json), from its bundle when cached;
 * otherwise as the CLI does, then caches it.
 */
export function startPlanPack(
  packDir: string = POLICY_PACK_DIR,
  cacheDir: string = PACK_CACHE_DIR,
): Promise<PackProcess> {
  const key = packSourceKey(packDir);
  const bundle = path.join(cacheDir, `${key}.js`);
  // Bundled while the plan's program runs (esbuild works in its own process); the plan needs the pack only after.
  const compileAndBundle = () =>
    startPackProcess(packDir).then(async (started) => {
      await writeBundle(packDir, cacheDir, key);
      return started;
    });
  if (!fs.existsSync(bundle)) return compileAndBundle();
  return startPackProcess(packDir, bundle).catch(() => {
    // A bundle that no longer loads (say, a package moved): dropped, and the pack started as the CLI does,
    // which reports what is wrong with the pack itself, or serves and leaves a new bundle.
    fs.rmSync(bundle, { force: true });
    return compileAndBundle();
  });
}

/**
 * What a bundle depends on, as one key: where the pack is (packages are required by absolute path; a
 * copy of the project has its own bundles), then its files, the locked dependencies and the Node.js version.
 */
export function packSourceKey(packDir: string): string {
  const hash = crypto.createHash("sha256").update(process.version);
  for (const file of [path.join(PROJECT_DIR, "package-lock.json"), ...packFiles(packDir)]) {
    hash.update(`\0${path.relative(packDir, file)}\0`);
    if (fs.existsSync(file)) hash.update(fs.readFileSync(file));
  }
  return `${packDirKey(packDir)}-${hash.digest("hex").slice(0, 16)}`;
}

function packDirKey(packDir: string): string {
  return crypto.createHash("sha256").update(path.resolve(packDir)).digest("hex").slice(0, 8);
}

function packFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.name !== "node_modules")
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? packFiles(full) : [full];
    });
}

/** Bundles the pack into `cacheDir/key.js`, removing its older bundles; a failure only costs the next plan the compile. */
async function writeBundle(packDir: string, cacheDir: string, key: string): Promise<void> {
  const temp = path.join(cacheDir, `${key}.${process.pid}.tmp`);
  try {
    await esbuild().build({
      entryPoints: [path.join(packDir, "index.ts")],
      outfile: temp,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: `node${process.versions.node.split(".")[0]}`,
      logLevel: "silent",
      plugins: [packagesByPath],
    });
    // The sources may have changed while the pack started: such a bundle would carry the wrong key.
    if (packSourceKey(packDir) !== key) return;
    // Written whole, then renamed: a plan starting at the same time never reads half a bundle.
    fs.renameSync(temp, path.join(cacheDir, `${key}.js`));
    for (const old of fs.readdirSync(cacheDir)) {
      if (old.startsWith(`${packDirKey(packDir)}-`) && old.endsWith(".js") && old !== `${key}.js`) {
        fs.rmSync(path.join(cacheDir, old), { force: true });
      }
    }
  } catch {
    // A read-only or full disk.
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Packages stay out of the bundle, required by absolute path: exactly the files run-policy-pack loads for the pack. */
const packagesByPath: Plugin = {
  name: "packages-by-path",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path: specifier, resolveDir }) => ({
      path: isBuiltin(specifier) ? specifier : require.resolve(specifier, { paths: [resolveDir] }),
      external: true,
    }));
  },
};
