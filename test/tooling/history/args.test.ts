import { describe, expect, it } from "vitest";
import { HelpRequested, UsageError } from "../../../tooling/cli/command";
import { DEFAULT_LIMIT, parseHistoryArgs } from "../../../tooling/history/args";
import { runScript } from "../runScript";

describe("parseHistoryArgs", () => {
  it("takes a stack, --json and --limit", () => {
    expect(parseHistoryArgs(["staging"])).toEqual({ stack: "staging", json: false, limit: DEFAULT_LIMIT });
    expect(parseHistoryArgs(["production", "--json", "--limit", "50"])).toEqual({
      stack: "production",
      json: true,
      limit: 50,
    });
  });

  it.each([
    [[], /^give exactly one stack name \(got 0\)\nusage: npm run history -- <stack> \[--json\] \[--limit N\]$/],
    [["a", "b"], /^give exactly one stack name \(got 2\)/],
    [["staging", "--limit", "0"], /^--limit is a whole number above 0 \(got "0"\)/],
    [["staging", "--limit", "ten"], /^--limit is a whole number above 0 \(got "ten"\)/],
    [["staging", "--since", "1d"], /Unknown option '--since'/],
  ])("refuses %j with the usage", (argv, message) => {
    expect(() => parseHistoryArgs(argv)).toThrow(UsageError);
    expect(() => parseHistoryArgs(argv)).toThrow(message);
  });

  it("answers --help", () => {
    expect(() => parseHistoryArgs(["--help"])).toThrow(HelpRequested);
  });
});

describe("`npm run history` before it needs the CLI", () => {
  it("--help prints the options and exit codes, exit 0", async () => {
    const result = await runScript("history.ts", ["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("usage: npm run history -- <stack> [--json] [--limit N]");
    expect(result.stdout).toMatch(/--limit <N>\s+the N newest updates \(default 20\)/);
    expect(result.stdout).toMatch(/\n\s+2 {2}bad command line or stack config: nothing was changed\n/);
  });

  it("a bad command line exits 2 with the usage, without touching the CLI", async () => {
    const result = await runScript("history.ts", ["staging", "--limit", "-1"], { PATH: "/nonexistent" });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/usage: npm run history -- <stack> \[--json\] \[--limit N\]\n$/);
  });
});
