/**
 * Habits the linters do not cover: `@default` documents what an optional
 * field falls back to, so it must never sit on a required one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../tooling/paths";

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(file);
    return entry.name.endsWith(".ts") ? [file] : [];
  });
}

/** `file:line field` of each required field whose doc comment carries `@default`. */
export function defaultsOnRequiredFields(text: string): string[] {
  const found: string[] = [];
  // Interface members (Args): `readonly` fields; zod schema keys with defaults are optional by nature.
  const pattern = /\/\*\*((?:(?!\*\/)[\s\S])*?)\*\/\s*\n\s*readonly\s+([A-Za-z_$][\w$]*)(\??):/g;
  for (const match of text.matchAll(pattern)) {
    if (match[1].includes("@default") && match[3] !== "?") found.push(match[2]);
  }
  return found;
}

describe("@default in doc comments", () => {
  it("is recognised on a required field and accepted on an optional one", () => {
    expect(defaultsOnRequiredFields("/** Port. @default 80 */\n  readonly port: number;")).toEqual(["port"]);
    expect(defaultsOnRequiredFields("/** Port. @default 80 */\n  readonly port?: number;")).toEqual([]);
  });

  it.each(["components", "policies", "tooling"])("sits only on optional fields in %s/", (dir) => {
    const offending = sourceFiles(path.join(PROJECT_DIR, dir)).flatMap((file) =>
      defaultsOnRequiredFields(fs.readFileSync(file, "utf8")).map(
        (field) => `${path.relative(PROJECT_DIR, file)}: ${field}`,
      ),
    );
    expect(offending).toEqual([]);
  });
});
