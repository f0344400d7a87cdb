/**
 * A fake resource provider: the ResourceProvider gRPC service the Pulumi
 * engine talks to, installed as the aws, kubernetes and docker plugins so
 * the real engine can run this program with no cloud ("real engine, fake
 * cloud"). It keeps inputs as outputs, adds the computed values the offline
 * mocks give (ids, ARNs, DNS names: tooling/engine/mocks.ts), answers the
 * invokes the program makes, and replaces where the real provider would.
 * Every log line says FAKE.
 */
import * as grpc from "@grpc/grpc-js";
import { fakeInvoke, fakeResource } from "../../tooling/engine/mocks";
import { replacementsFor } from "./replacements";

const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const pluginproto = require("@pulumi/pulumi/proto/plugin_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");

type Props = Record<string, any>;
type Callback = (error: grpc.ServiceError | null, response?: unknown) => void;

export interface FakeProviderOptions {
  /** Plugin name (aws, kubernetes, docker): logs and the version it reports. */
  readonly name: string;
  readonly version: string;
  readonly log: (line: string) => void;
}

const plain = (struct: any): Props => (struct ? struct.toJavaScript() : {});
const struct = (value: Props) => structproto.Struct.fromJavaScript(JSON.parse(JSON.stringify(value)));
/** The resource type from a URN (`...::<parent types>$<type>::<name>`). */
const typeOf = (urn: string) => urn.split("::")[2].split("$").pop()!;
const nameOf = (urn: string) => urn.split("::").slice(3).join("::");

/** Top-level input keys whose values differ. */
function changedKeys(olds: Props, news: Props): string[] {
  return [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter(
    (key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]),
  );
}

export function fakeProviderService(options: FakeProviderOptions) {
  let region = "us-east-1";
  const log = (line: string) => options.log(`FAKE ${options.name} provider ${options.version}: ${line}`);
  const unary = (handler: (request: any) => unknown) => (call: { request: any }, callback: Callback) => {
    try {
      callback(null, handler(call.request));
    } catch (error) {
      log(`error: ${(error as Error).message}`);
      callback({
        code: grpc.status.INTERNAL,
        details: `FAKE ${options.name} provider: ${(error as Error).message}`,
      } as grpc.ServiceError);
    }
  };
  const unimplemented = (method: string) => (_call: unknown, callback: Callback) =>
    callback({
      code: grpc.status.UNIMPLEMENTED,
      details: `FAKE ${options.name} provider does not implement ${method}`,
    } as grpc.ServiceError);
  const checkResponse = (request: any) => {
    const response = new provproto.CheckResponse();
    response.setInputs(request.getNews());
    return response;
  };

  return {
    getPluginInfo: unary(() => {
      const info = new pluginproto.PluginInfo();
      info.setVersion(options.version);
      return info;
    }),
    getSchema: unary(() => {
      const response = new provproto.GetSchemaResponse();
      response.setSchema(JSON.stringify({ name: options.name, version: options.version }));
      return response;
    }),
    checkConfig: unary(checkResponse),
    diffConfig: unary(() => {
      const response = new provproto.DiffResponse();
      response.setChanges(provproto.DiffResponse.DiffChanges.DIFF_NONE);
      return response;
    }),
    configure: unary((request: any) => {
      const args = plain(request.getArgs());
      const variables = Object.fromEntries(request.getVariablesMap().toArray());
      region = String(
        args.region ?? variables[`${options.name}:config:region`] ?? variables[`${options.name}:region`] ?? region,
      );
      log(`configured (region ${region})`);
      const response = new provproto.ConfigureResponse();
      // Plain values in, plain values out: the engine keeps track of what is secret.
      response.setAcceptsecrets(false);
      response.setSupportspreview(false);
      response.setAcceptresources(false);
      response.setAcceptoutputs(false);
      return response;
    }),
    invoke: unary((request: any) => {
      const token: string = request.getTok();
      log(`invoke ${token}`);
      const response = new provproto.InvokeResponse();
      response.setReturn(struct(fakeInvoke(token, plain(request.getArgs()), region)));
      return response;
    }),
    check: unary(checkResponse),
    diff: unary((request: any) => {
      const type = typeOf(request.getUrn());
      // Old state against the state the new inputs give: computed values follow from the inputs.
      const olds = plain(request.getOlds());
      const news = fakeResource(type, nameOf(request.getUrn()), plain(request.getNews()), region).state;
      const ignored = new Set<string>(request.getIgnorechangesList());
      const changed = changedKeys(olds, news).filter((key) => !ignored.has(key));
      const replaces = replacementsFor(type, changed, olds, news).filter((key) => !ignored.has(key.split(".")[0]));
      log(
        `diff ${type} ${nameOf(request.getUrn())}: ${changed.length === 0 ? "no change" : `changed ${changed.join(", ")}`}${replaces.length > 0 ? `; replaces ${replaces.join(", ")}` : ""}`,
      );
      const response = new provproto.DiffResponse();
      response.setChanges(
        changed.length === 0
          ? provproto.DiffResponse.DiffChanges.DIFF_NONE
          : provproto.DiffResponse.DiffChanges.DIFF_SOME,
      );
      response.setDiffsList(changed);
      response.setReplacesList(replaces);
      return response;
    }),
    create: unary((request: any) => {
      const type = typeOf(request.getUrn());
      const { id, state } = fakeResource(type, nameOf(request.getUrn()), plain(request.getProperties()), region);
      log(`create ${type} ${nameOf(request.getUrn())} -> ${id}`);
      const response = new provproto.CreateResponse();
      response.setId(id);
      response.setProperties(struct(state));
      return response;
    }),
    read: unary((request: any) => {
      log(`read ${typeOf(request.getUrn())} ${request.getId()}`);
      const response = new provproto.ReadResponse();
      response.setId(request.getId());
      response.setProperties(request.getProperties());
      response.setInputs(request.getInputs());
      return response;
    }),
    update: unary((request: any) => {
      const type = typeOf(request.getUrn());
      const { state } = fakeResource(type, nameOf(request.getUrn()), plain(request.getNews()), region);
      log(`update ${type} ${nameOf(request.getUrn())}`);
      const response = new provproto.UpdateResponse();
      response.setProperties(struct(state));
      return response;
    }),
    delete: unary((request: any) => {
      log(`delete ${typeOf(request.getUrn())} ${request.getId()}`);
      return new emptyproto.Empty();
    }),
    cancel: unary(() => new emptyproto.Empty()),
    handshake: unimplemented("Handshake"),
    parameterize: unimplemented("Parameterize"),
    call: unimplemented("Call"),
    construct: unimplemented("Construct"),
    list: unimplemented("List"),
    attach: unimplemented("Attach"),
    getMapping: unimplemented("GetMapping"),
    getMappings: unimplemented("GetMappings"),
  };
}

/** Serves the fake provider on 127.0.0.1 and resolves with its port. */
export async function serveFakeProvider(options: FakeProviderOptions): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  server.addService(provrpc.ResourceProviderService, fakeProviderService(options));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { port, server };
}
