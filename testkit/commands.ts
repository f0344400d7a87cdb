/**
 * The project's commands as a user runs them: `npm run <name> -- <args>` is
 * the package.json script (`tsx <file>`) with the arguments after it, run
 * here the same way without npm's own start-up, output captured.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../tooling/paths";

import { CliResult, runCollecting } from "./processes";

export type CommandResult = CliResult;

const TSX_CLI = require.resolve("tsx/cli");

/** package.json scripts that run one file through tsx: name → file. */
export function tsxCommands(): Record<string, string> {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const commands: Record<string, string> = {};
  for (const [name, line] of Object.entries(scripts)) {
    const file = /^tsx (\S+\.ts)$/.exec(line)?.[1];
    if (file !== undefined) commands[name] = file;
  }
  return commands;
}

/** `npm run <name> -- <args>`, from the project directory. */
export function runCommand(
  name: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CommandResult> {
  const file = tsxCommands()[name];
  if (file === undefined) throw new Error(`package.json has no script "${name}" that runs a file with tsx`);
  return runCollecting(process.execPath, [TSX_CLI, path.join(PROJECT_DIR, file), ...args], PROJECT_DIR, {
    ...process.env,
    ...env,
  });
}
