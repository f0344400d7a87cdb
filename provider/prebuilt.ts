/**
 * The analysis the build does once (writeSchema.ts → dist/schema.json), so a
 * plugin start does not build a TypeScript program over the sources (about
 * 7 s of CPU before its first GetSchema or Construct). The Args interfaces and
 * their JSDoc leave no trace in the compiled JS, so the key is a digest of
 * what the analysis reads: tsc's incremental record (it holds a hash of every
 * compiled source), the package.json the schema takes its name, version and
 * description from, and the version of @pulumi/pulumi, whose analyzer wrote
 * it. A file with another key is ignored, never served.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ComponentDefinition } from "@pulumi/pulumi/provider/experimental/analyzer";

/** What the analysis yields: the schema served (secrets marked), and what Construct reads outputs by. */
export interface Analysis {
  readonly schema: string;
  readonly componentDefinitions: Record<string, ComponentDefinition>;
}

/** Where the build writes the analysis, in the provider directory. */
export const PREBUILT_FILE = path.join("dist", "schema.json");
// The tsBuildInfoFile of tsconfig.build.json, then the package manifest.
const KEY_INPUTS = [path.join("dist", ".tsbuildinfo"), "package.json"];
const ANALYZER_MANIFEST = require.resolve("@pulumi/pulumi/package.json");

/** The key of these input contents (in KEY_INPUTS order, then the analyzer's). Pure. */
export function keyOf(inputs: readonly Buffer[]): string {
  const key = createHash("sha256");
  for (const input of inputs) key.update(createHash("sha256").update(input).digest());
  return key.digest("hex");
}

/** The analysis in `text` (a schema.json) if it was written for `key`; otherwise undefined. Pure. */
export function currentAnalysis(text: string, key: string): Analysis | undefined {
  let file: { key?: unknown; schema?: unknown; componentDefinitions?: unknown };
  try {
    file = JSON.parse(text);
  } catch {
    return undefined; // A damaged file is as good as none: the provider analyses.
  }
  const { schema, componentDefinitions } = file;
  if (file.key !== key || typeof schema !== "string" || !componentDefinitions) return undefined;
  return { schema, componentDefinitions: componentDefinitions as Analysis["componentDefinitions"] };
}

/** The key of the provider built in `dir`, or undefined if it was never built. */
export function currentKey(dir: string): string | undefined {
  const inputs = [...KEY_INPUTS.map((file) => path.join(dir, file)), ANALYZER_MANIFEST].map(readIfPresent);
  return inputs.every((input) => input !== undefined) ? keyOf(inputs) : undefined;
}

/** The analysis prebuilt in `dir` if it is current for `key`. */
export function readAnalysis(dir: string, key: string | undefined): Analysis | undefined {
  const text = readIfPresent(path.join(dir, PREBUILT_FILE));
  return key === undefined || text === undefined ? undefined : currentAnalysis(text.toString("utf8"), key);
}

/** Writes the analysis for `key`; renamed into place, so a plugin starting meanwhile reads the old file or the new. */
export function writeAnalysis(dir: string, key: string, analysis: Analysis): void {
  const file = path.join(dir, PREBUILT_FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ key, ...analysis }));
  fs.renameSync(`${file}.tmp`, file);
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
