/**
 * Drives Pulumi's own dynamic-provider host the way the engine does: the host
 * process is `@pulumi/pulumi/cmd/dynamic-provider`, the provider travels as
 * the serialized `__provider` property, and every call is a real gRPC request.
 * Nothing here fakes the host; tests use it to prove provider behaviour end to
 * end (serialization, deserialization, Check/Diff/Create/Update/Delete).
 */
import * as pulumi from "@pulumi/pulumi";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { ProviderPlugin } from "./providerPlugin";

export { ProviderCallError } from "./providerPlugin";

// The generated gRPC stubs ship as CommonJS without ESM named exports.
const provproto = require("@pulumi/pulumi/proto/provider_pb");

const PROVIDER_KEY = "__provider";
const URN_PREFIX = "urn:pulumi:test::bluegreen::";

export type Props = Record<string, unknown>;

export interface CheckResult {
  inputs: Props;
  failures: { property: string; reason: string }[];
}

export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export interface CreateResult {
  id: string;
  outs: Props;
}

/** Serializes a provider exactly as `pulumi.dynamic.Resource` does for `__provider`. */
export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<string> {
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
  return serialized.text;
}

export class ProviderHost extends ProviderPlugin {
  /**
   * Spawns the host; resolves once it has printed its gRPC port. `nodeFlags`
   * go to node before the host script, e.g. `--max-old-space-size=160` to run
   * it with a small heap. `launcher` starts the host through a
   * `pulumi-resource-pulumi-nodejs` script instead, in `cwd`, as the engine does.
   */
  static async start(
    options: { nodeFlags?: readonly string[]; launcher?: string; cwd?: string } = {},
  ): Promise<ProviderHost> {
    const hostPath = require.resolve("@pulumi/pulumi/cmd/dynamic-provider");
    // The host expects an engine address; 127.0.0.1:1 is never dialled for CRUD calls.
    const [command, args] = options.launcher
      ? [options.launcher, ["127.0.0.1:1"]]
      : [process.execPath, [...(options.nodeFlags ?? []), hostPath, "127.0.0.1:1"]];
    const [child, client, port, stderr] = await ProviderPlugin.spawnPlugin({
      label: "dynamic-provider host",
      command,
      args,
      cwd: options.cwd,
      env: { ...process.env, PULUMI_NODEJS_PROJECT: "bluegreen", PULUMI_NODEJS_STACK: "test" },
    });
    return new ProviderHost(child, client, port, stderr);
  }

  async check(type: string, providerText: string, olds: Props, news: Props): Promise<CheckResult> {
    const req = new provproto.CheckRequest();
    req.setUrn(urn(type, "resource"));
    req.setOlds(toStruct(olds, providerText));
    req.setNews(toStruct(news, providerText));
    const resp = await this.call("check", req);
    return {
      inputs: withoutProvider(resp.getInputs()?.toJavaScript() ?? {}),
      failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(type: string, providerText: string, id: string, olds: Props, news: Props): Promise<DiffResult> {
    const req = new provproto.DiffRequest();
    req.setId(id);
    req.setUrn(urn(type, "resource"));
    req.setOlds(toStruct(olds, providerText));
    req.setNews(toStruct(news, providerText));
    const resp = await this.call("diff", req);
    const changes = resp.getChanges();
    const kinds = provproto.DiffResponse.DiffChanges;
    return {
      changes: changes === kinds.DIFF_SOME ? "some" : changes === kinds.DIFF_NONE ? "none" : "unknown",
      replaces: resp.getReplacesList(),
      deleteBeforeReplace: resp.getDeletebeforereplace(),
    };
  }

  async create(type: string, providerText: string, props: Props, timeoutSeconds = 0): Promise<CreateResult> {
    const req = new provproto.CreateRequest();
    req.setUrn(urn(type, "resource"));
    req.setProperties(toStruct(props, providerText));
    req.setTimeout(timeoutSeconds);
    const resp = await this.call("create", req);
    return { id: resp.getId(), outs: withoutProvider(resp.getProperties()?.toJavaScript() ?? {}) };
  }

  async update(type: string, providerText: string, id: string, olds: Props, news: Props): Promise<Props> {
    const req = new provproto.UpdateRequest();
    req.setId(id);
    req.setUrn(urn(type, "resource"));
    req.setOlds(toStruct(olds, providerText));
    req.setNews(toStruct(news, providerText));
    const resp = await this.call("update", req);
    return withoutProvider(resp.getProperties()?.toJavaScript() ?? {});
  }

  async delete(type: string, providerText: string, id: string, props: Props): Promise<void> {
    const req = new provproto.DeleteRequest();
    req.setId(id);
    req.setUrn(urn(type, "resource"));
    req.setProperties(toStruct(props, providerText));
    await this.call("delete", req);
  }
}

function urn(type: string, name: string): string {
  return `${URN_PREFIX}${type}::${name}`;
}

function toStruct(props: Props, providerText: string): structproto.Struct {
  // Round-trip through JSON: Struct accepts only plain JSON values.
  const plain = JSON.parse(JSON.stringify({ ...props, [PROVIDER_KEY]: providerText }));
  return structproto.Struct.fromJavaScript(plain);
}

function withoutProvider(props: Record<string, unknown>): Props {
  const { [PROVIDER_KEY]: _provider, ...rest } = props;
  return rest;
}
