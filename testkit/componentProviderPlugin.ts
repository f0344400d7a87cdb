/**
 * Starts a Node.js component provider plugin the way the engine does (the
 * Node.js language host's RunPlugin: `node @pulumi/pulumi/cmd/run-plugin <dir>
 * <engine>` from the consuming program's directory, port read from stdout) and calls it
 * over gRPC: GetSchema, and Construct against a ResourceMonitorStandIn.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { ProviderPlugin } from "./providerPlugin";
import { ResourceMonitorStandIn } from "./resourceMonitor";

const provproto = require("@pulumi/pulumi/proto/provider_pb");

export const PROJECT = "consumer";
export const STACK = "dev";

/** What Construct answered: the component's URN and its output state (wire form). */
export interface ConstructResult {
  urn: string;
  state: Record<string, unknown>;
}

export class ComponentProviderPlugin extends ProviderPlugin {
  /**
   * Starts the plugin of directory `dir` from `cwd` (the engine starts it in
   * the consuming program's directory); `engineAddress` receives its logs.
   */
  static async start(dir: string, engineAddress: string, cwd: string): Promise<ComponentProviderPlugin> {
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin");
    const [child, client, port, stderr] = await ProviderPlugin.spawnPlugin({
      label: "plugin",
      command: process.execPath,
      args: [runPlugin, dir, engineAddress],
      cwd,
    });
    return new ComponentProviderPlugin(child, client, port, stderr);
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
}

/** A secret in the engine's wire form. */
export function secretValue(value: unknown): Record<string, unknown> {
  return { [specialSigKey]: specialSecretSig, value };
}
