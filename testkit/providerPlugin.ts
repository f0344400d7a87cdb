/**
 * A provider plugin process as the engine runs one: spawned, its gRPC port
 * read from the first line of its stdout, then called as a
 * ResourceProvider. The dynamic-provider host (providerHost.ts) and the
 * component provider (componentProviderPlugin.ts) are both such plugins.
 */
import { ChildProcessByStdio, spawn } from "node:child_process";
import { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";

// The generated gRPC stubs ship as CommonJS without ESM named exports.
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");

/** A failed gRPC call, carrying the provider's own error message. */
export class ProviderCallError extends Error {
  constructor(
    readonly method: string,
    readonly details: string,
    readonly code: number,
  ) {
    super(`${method} failed: ${details}`);
  }
}

export interface PluginStart {
  /** Names the plugin in the error when it exits before serving. */
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export class ProviderPlugin {
  protected constructor(
    private readonly child: ChildProcessByStdio<null, Readable, Readable>,
    private readonly client: any,
    readonly port: number,
    private readonly stderr: string[],
  ) {}

  /** Spawns the plugin and connects once it has printed its port. */
  protected static async spawnPlugin(
    start: PluginStart,
  ): Promise<[ChildProcessByStdio<null, Readable, Readable>, any, number, string[]]> {
    const child = spawn(start.command, start.args, {
      cwd: start.cwd,
      env: start.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`${start.label} exited with ${code}: ${stderr.join("")}${out}`)));
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n")[0].trim();
        if (out.includes("\n") && /^\d+$/.test(line)) resolve(Number(line));
      });
    });
    child.removeAllListeners("exit");
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return [child, client, port, stderr];
  }

  /** The plugin's process id (to sample its memory). */
  get pid(): number {
    return this.child.pid as number;
  }

  /** False once the plugin exited or was killed (a V8 out-of-memory abort ends it by a signal). */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the plugin printed on stderr (provider console output and crashes). */
  get log(): string {
    return this.stderr.join("");
  }

  async stop(): Promise<void> {
    this.client.close();
    if (!this.alive) return;
    await new Promise<void>((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill();
    });
  }

  protected call(method: string, req: unknown): Promise<any> {
    return new Promise((resolve, reject) => {
      this.client[method](req, (err: grpc.ServiceError | null, resp: unknown) =>
        err ? reject(new ProviderCallError(method, err.details, err.code)) : resolve(resp),
      );
    });
  }
}
