/** Runs a process to its end, as the tests run the CLI and the project's commands, collecting what it writes. */
import { spawn } from "node:child_process";

export interface CliResult {
  /** The exit code; -1 when the process ended by a signal. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCollecting(
  file: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<CliResult> {
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
