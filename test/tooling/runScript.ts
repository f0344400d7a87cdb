/** Runs one of the project's scripts/*.ts the way `npm run` does (through tsx), capturing its output. */
import * as path from "node:path";
import { CliResult, runCollecting } from "../../testkit/processes";
import { PROJECT_DIR } from "../../tooling/paths";

export type ScriptResult = CliResult;

const TSX_CLI = require.resolve("tsx/cli");

export function runScript(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<ScriptResult> {
  return runCollecting(process.execPath, [TSX_CLI, path.join(PROJECT_DIR, "scripts", script), ...args], PROJECT_DIR, {
    ...process.env,
    ...env,
  });
}
