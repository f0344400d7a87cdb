/**
 * Every command answers `--help` with its usage, options, exit codes and
 * examples (exit 0), and an unknown option with its usage (exit 2), run as
 * `npm run <command>` runs it. The text is each command's CommandSpec, the
 * one place it is written.
 */
import { describe, expect, it } from "vitest";
import { BENCH_COMMAND } from "../../bench/command";
import { runCommand, tsxCommands } from "../../testkit/commands";
import { CommandSpec, helpText, usageText } from "../../tooling/cli/command";
import { DEPLOY_COMMAND } from "../../tooling/deploy/args";
import { HISTORY_COMMAND } from "../../tooling/history/args";
import { PLAN_COMMAND } from "../../tooling/plan/args";
import { SHIFT_COMMAND } from "../../tooling/release/shiftArgs";
import { WATCH_COMMAND } from "../../tooling/release/watchArgs";
import { STATUS_COMMAND } from "../../tooling/status/args";

const COMMANDS: readonly CommandSpec[] = [
  PLAN_COMMAND,
  DEPLOY_COMMAND,
  SHIFT_COMMAND,
  STATUS_COMMAND,
  BENCH_COMMAND,
  WATCH_COMMAND,
  HISTORY_COMMAND,
];
/** Maintainers' scripts, not commands users run. */
const NOT_USER_COMMANDS = ["sync:contracts"];
/** No `pulumi` on PATH: help and usage come before anything needs the CLI. */
const NO_CLI = { PATH: "/nonexistent" };

describe("every command's command line", () => {
  it("covers every package.json script that runs a command", () => {
    const names = Object.keys(tsxCommands()).filter((name) => !NOT_USER_COMMANDS.includes(name));
    expect(COMMANDS.map((spec) => spec.name).sort()).toEqual(names.sort());
  });

  it.each(COMMANDS.map((spec) => [spec.name, spec] as const))(
    "npm run %s -- --help prints its help and exits 0; an unknown option prints the usage and exits 2",
    async (name, spec) => {
      const help = await runCommand(name, ["--help"], NO_CLI);
      expect(help).toEqual({ code: 0, stdout: `${helpText(spec)}\n`, stderr: "" });
      for (const part of ["usage: npm run", "options:", "exit codes:", "examples:", "  2  "]) {
        expect(help.stdout).toContain(part);
      }

      const unknown = await runCommand(name, ["--no-such-option"], NO_CLI);
      expect(unknown.code).toBe(2);
      expect(unknown.stdout).toBe("");
      expect(unknown.stderr).toMatch(/^Unknown option '--no-such-option'/);
      expect(unknown.stderr.endsWith(`\n${usageText(spec)}\n`)).toBe(true);
    },
  );
});
