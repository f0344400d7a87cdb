/**
 * The policy pack's process, started the way the Pulumi CLI starts a local
 * Node.js pack: `node @pulumi/pulumi/cmd/run-policy-pack <engine address> .`
 * in the pack directory. It serves the Analyzer gRPC service and prints its
 * port on stdout; the engine address is never dialled for analysis, so any
 * address works. The offline plan may instead start a compiled copy of the
 * pack (`entry`, see tooling/plan/packBundle.ts), which serves the same way.
 */
import { ChildProcessByStdio, spawn } from "node:child_process";
import { Readable } from "node:stream";
import { POLICY_PACK_DIR } from "../paths";

/** Time allowed for the pack to print its port; generous, as a slow machine may need it. */
const START_TIMEOUT_MS = 120_000;
const STDERR_TAIL_CHARS = 4000;

export interface PackProcess {
  readonly port: number;
  /** The end of what the pack wrote to stderr, "" when nothing: it explains a failure. */
  stderrTail(): string;
  stop(): Promise<void>;
  kill(): void;
}

/**
 * Starts the pack in `packDir`: through run-policy-pack (which compiles its TypeScript), or, given `entry`,
 * `node <entry>` there (a JavaScript pack that serves when loaded; `packDir` has its package.json).
 */
export async function startPackProcess(packDir: string = POLICY_PACK_DIR, entry?: string): Promise<PackProcess> {
  const args =
    entry === undefined
      ? [require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] }), "127.0.0.1:0", "."]
      : [entry];
  const child = spawn(process.execPath, args, { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
  // A pack never outlives its starter, even one that exits without stopping it (a CLI calling process.exit).
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  // Only the tail is kept: a chatty pack cannot exhaust memory.
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS)));
  const stderrTail = () => (stderr.trim() ? `\n${stderr.trim()}` : "");
  let port: number;
  try {
    port = await readPort(child, stderrTail);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    port,
    stderrTail,
    kill: () => child.kill("SIGKILL"),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

function readPort(child: ChildProcessByStdio<null, Readable, Readable>, stderrTail: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(
      () => reject(new Error(`policy pack did not print its port within ${START_TIMEOUT_MS / 1000} s${stderrTail()}`)),
      START_TIMEOUT_MS,
    );
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start the policy pack runner: ${error.message}`));
    });
    const exitedEarly = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      reject(
        new Error(
          `policy pack exited (${signal ?? `code ${code}`}) before serving; fix the pack (npx tsc --noEmit -p policies):${stderrTail() || " no output"}`,
        ),
      );
    };
    child.once("exit", exitedEarly);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^(\d+)\s*$/m.exec(stdout);
      if (!line) return;
      clearTimeout(timer);
      child.off("exit", exitedEarly);
      // Keep draining stdout (the pack may log) without holding on to it.
      child.stdout.removeAllListeners("data");
      child.stdout.resume();
      resolve(Number(line[1]));
    });
  });
}
