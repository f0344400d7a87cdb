/** The esbuild that tsx ships: the commands run under tsx, so it is installed wherever they run. */
import * as path from "node:path";

export function esbuild(): typeof import("esbuild") {
  return require(require.resolve("esbuild", { paths: [path.dirname(require.resolve("tsx/package.json"))] }));
}
