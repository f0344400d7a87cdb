/**
 * Starts a Node.js component provider plugin the way the engine does (the
 * Node.js language host's RunPlugin: `node @pulumi/pulumi/cmd/run-plugin <dir>
 * <engine>` from the consuming program's directory, port read from stdout) and calls it
 * over gRPC: GetSchema, and Construct against a ResourceMonitorStandIn.
 */
import { ChildProcessByStdio, spawn } from "node:child_process";
import { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { ResourceMonitorStandIn } from "./resourceMonitor";

const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");

export const PROJECT = "consumer";
export const STACK = "dev";

/** What Construct answered: the component's URN and its output state (wire form). */
export interface ConstructResult {
  urn: string;
  state: Record<string, unknown>;
}

export class ComponentProviderPlugin {
  private constructor(
    private readonly child: ChildProcessByStdio<null, Readable, Readable>,
    private readonly client: any,
    private readonly stderr: string[],
  ) {}

  /**
   * Starts the plugin of directory `dir` from `cwd` (the engine starts it in
   * the consuming program's directory); `engineAddress` receives its logs.
   */
  static async start(dir: string, engineAddress: string, cwd: string): Promise<ComponentProviderPlugin> {
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin");
    const child = spawn(process.execPath, [runPlugin, dir, engineAddress], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.once("exit", (code) => reject(new Error(`plugin exited with ${code}: ${stderr.join("")}${out}`)));
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n")[0];
        if (out.includes("\n") && /^\d+$/.test(line.trim())) resolve(Number(line.trim()));
      });
    });
    child.removeAllListeners("exit");
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new ComponentProviderPlugin(child, client, stderr);
  }

  /** What the plugin printed on stderr. */
  get log(): string {
    return this.stderr.join("");
  }

  async getSchema(): Promise<any> {
    const resp = await this.call("getSchema", new provproto.GetSchemaRequest());
    return JSON.parse(resp.getSchema());
  }

  /** Construct `type` named `name` with `inputs` (wire form: use `secretValue` for secrets). */
  async construct(
    monitor: ResourceMonitorStandIn,
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    options: { dryRun?: boolean } = {},
  ): Promise<ConstructResult> {
    const req = new provproto.ConstructRequest();
    req.setProject(PROJECT);
    req.setStack(STACK);
    req.setDryrun(options.dryRun ?? true);
    req.setParallel(4);
    req.setMonitorendpoint(monitor.address);
    req.setType(type);
    req.setName(name);
    req.setInputs(structproto.Struct.fromJavaScript(inputs as Record<string, any>));
    const resp = await this.call("construct", req);
    return { urn: resp.getUrn(), state: resp.getState()?.toJavaScript() ?? {} };
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill();
    });
  }

  private call(method: string, req: unknown): Promise<any> {
    return new Promise((resolve, reject) => {
      this.client[method](req, (err: grpc.ServiceError | null, resp: unknown) =>
        err ? reject(new Error(`${method} failed: ${err.details}`)) : resolve(resp),
      );
    });
  }
}

/** A secret in the engine's wire form. */
export function secretValue(value: unknown): Record<string, unknown> {
  return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}
