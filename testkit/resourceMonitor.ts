/**
 * A resource monitor (and engine log service) the test runs, standing in for
 * the engine during a provider's Construct: it records every registration
 * the provider makes, answers with URNs and ids, and keeps the logs. Only
 * the calls a component provider makes are answered; the rest are
 * Unimplemented, so a provider relying on them fails loudly.
 */
import * as grpc from "@grpc/grpc-js";

const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const enginerpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");

/** One RegisterResource call as the engine received it. */
export interface Registration {
  type: string;
  name: string;
  urn: string;
  parent: string;
  custom: boolean;
  remote: boolean;
  /** The registered inputs (secrets and unknowns in their wire form). */
  inputs: Record<string, unknown>;
}

export interface LogEntry {
  severity: number;
  message: string;
}

export class ResourceMonitorStandIn {
  readonly registrations: Registration[] = [];
  readonly outputs = new Map<string, Record<string, unknown>>();
  readonly logs: LogEntry[] = [];

  private constructor(
    private readonly server: grpc.Server,
    /** host:port to give the provider as both monitor and engine address. */
    readonly address: string,
  ) {}

  static async start(project: string, stack: string): Promise<ResourceMonitorStandIn> {
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const monitor = new ResourceMonitorStandIn(server, `127.0.0.1:${port}`);
    server.addService(resrpc.ResourceMonitorService, monitor.monitorService(project, stack));
    server.addService(enginerpc.EngineService, monitor.engineService());
    return monitor;
  }

  /** Registrations of `type`. */
  ofType(type: string): Registration[] {
    return this.registrations.filter((r) => r.type === type);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private monitorService(project: string, stack: string): grpc.UntypedServiceImplementation {
    const reply = (value: unknown) => (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, value);
    return {
      supportsFeature: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        const resp = new resproto.SupportsFeatureResponse();
        resp.setHassupport(true);
        callback(null, resp);
      },
      registerResource: (call: grpc.ServerUnaryCall<any, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const req = call.request;
        const parent = req.getParent();
        const typePath = parent ? `${parentType(parent)}$${req.getType()}` : req.getType();
        const urn = `urn:pulumi:${stack}::${project}::${typePath}::${req.getName()}`;
        const inputs = req.getObject()?.toJavaScript() ?? {};
        this.registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn,
          parent,
          custom: req.getCustom(),
          remote: req.getRemote(),
          inputs,
        });
        const resp = new resproto.RegisterResourceResponse();
        resp.setUrn(urn);
        if (req.getCustom()) resp.setId(`${req.getName()}-id`);
        resp.setObject(structproto.Struct.fromJavaScript(JSON.parse(JSON.stringify(inputs))));
        callback(null, resp);
      },
      registerResourceOutputs: (call: grpc.ServerUnaryCall<any, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        this.outputs.set(call.request.getUrn(), call.request.getOutputs()?.toJavaScript() ?? {});
        callback(null, new emptyproto.Empty());
      },
      registerPackage: (call: grpc.ServerUnaryCall<any, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const resp = new resproto.RegisterPackageResponse();
        resp.setRef(`${call.request.getName()}-ref`);
        callback(null, resp);
      },
      signalAndWaitForShutdown: reply(new emptyproto.Empty()),
    };
  }

  private engineService(): grpc.UntypedServiceImplementation {
    return {
      log: (call: grpc.ServerUnaryCall<any, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        this.logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
        callback(null, new emptyproto.Empty());
      },
      getRootResource: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, new (require("@pulumi/pulumi/proto/engine_pb").GetRootResourceResponse)()),
    };
  }
}

function parentType(parentUrn: string): string {
  return parentUrn.split("::")[2];
}
