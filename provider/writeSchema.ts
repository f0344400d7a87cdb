/**
 * The second step of `npm run build:provider`, after tsc: analyses the
 * components as the provider would at every start and writes the result to
 * dist/schema.json for host.ts to serve (prebuilt.ts). Does nothing when the
 * file is current, so a build with nothing changed stays fast.
 */
import * as path from "node:path";
import { currentKey, readAnalysis, writeAnalysis } from "./prebuilt";

// The provider package directory, from dist/provider/.
const DIR = path.resolve(__dirname, "../..");

async function writeSchema(): Promise<void> {
  const key = currentKey(DIR);
  if (key === undefined) throw new Error(`no ${DIR}/dist/.tsbuildinfo: run tsc -p provider/tsconfig.build.json`);
  if (readAnalysis(DIR, key)) return;
  // Loaded only when there is work: the components load every platform's SDK.
  const [{ analyseComponents }, { BLUEGREEN_PROVIDER }] = await Promise.all([import("./host"), import("./bluegreen")]);
  writeAnalysis(DIR, key, await analyseComponents(BLUEGREEN_PROVIDER));
}

writeSchema().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
