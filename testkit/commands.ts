/**
 * The project's commands as a user runs them: `npm run <name> -- <args>` is
 * the package.json script (`tsx <file>`) with the arguments after it, run
 * here the same way without npm's own start-up, output captured.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../tooling/paths";

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

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
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX_CLI, path.join(PROJECT_DIR, file), ...args], {
      cwd: PROJECT_DIR,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
