/**
 * Runs a long command (shift, watch) in its own process group. A terminal
 * sends Ctrl-C's SIGINT to its whole foreground group: without this the
 * `pulumi` CLI the command drives would get it too, on top of the one the
 * Automation API sends when the command cancels an update, and a CLI that
 * receives two SIGINTs terminates at once, leaving pending operations. Here
 * only the command is told (the launcher forwards each signal) and it decides:
 * cancel once, or ignore while traffic is being put back.
 */
import { spawn } from "node:child_process";

const DETACHED = "BLUEGREEN_OWN_PROCESS_GROUP";

/** In the launcher: starts this same command in a new process group and exits with its code. Returns in that command. */
export async function ensureOwnProcessGroup(): Promise<void> {
  if (process.env[DETACHED] === "1" || process.platform === "win32") return;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: "inherit",
    env: { ...process.env, [DETACHED]: "1" },
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  const code = await new Promise<number>((resolve) =>
    child.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal === "SIGKILL" ? 137 : 130))),
  );
  process.exit(code);
}
