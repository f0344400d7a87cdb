/**
 * Imported by scripts/plan.ts before the SDK loads. When @pulumi/pulumi loads
 * it also loads the TypeScript compiler and npm's Arborist, about 330 ms or
 * most of its start. It uses them only to serialize closures (a dynamic
 * provider), and the plan reuses those from its cache (cacheSerializedProviders
 * in tooling/engine/sdkInternals.ts).
 * Each of the two is replaced in the module cache by a stand-in. The first use
 * of a stand-in loads the real module and forwards to it, so a serialization
 * that misses the cache gets the real compiler. The SDK does the same for
 * TypeScript elsewhere (tsutils.js requires it only when needed).
 */
import Module, { createRequire } from "node:module";
import * as fs from "node:fs";

/** The SDK's own paths to the two modules; an SDK that moved them simply loads them as before. */
function deferredPaths(): string[] {
  try {
    const codePaths = require.resolve("@pulumi/pulumi/runtime/closure/codePaths.js");
    return [
      require.resolve("@pulumi/pulumi/typescript-shim.js"),
      createRequire(codePaths).resolve("@npmcli/arborist"),
    ].filter((file) => fs.existsSync(file));
  } catch {
    return [];
  }
}

/**
 * Puts a stand-in for `file` in the module cache: an object that requires the real module at its first
 * use and forwards everything to it. It answers `__esModule` itself, because TypeScript's import helpers
 * ask for it when the SDK requires the module, long before any use.
 */
export function deferModule(file: string): void {
  if (require.cache[file] !== undefined) return;
  let real: object | undefined;
  const load = (): object => {
    if (real === undefined) {
      delete require.cache[file];
      real = require(file) as object;
    }
    return real;
  };
  const standIn = new Proxy(
    {},
    {
      get: (_, key) => (key === "__esModule" && real === undefined ? true : Reflect.get(load(), key)),
      has: (_, key) => Reflect.has(load(), key),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
  const cached = new Module(file);
  cached.filename = file;
  cached.loaded = true;
  cached.exports = standIn;
  require.cache[file] = cached;
}

deferredPaths().forEach(deferModule);
