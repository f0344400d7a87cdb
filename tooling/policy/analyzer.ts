/**
 * Runs the policy pack (policies/) over a program's registrations the way the
 * Pulumi engine does for `pulumi preview --policy-pack policies`, with no CLI:
 * GetAnalyzerInfo, then Configure with each policy's reconciled config,
 * ConfigureStack, Analyze per resource and AnalyzeStack over all of them.
 *
 * Used by the offline plan (`npm run plan`) and the policy tests.
 */
import * as grpc from "@grpc/grpc-js";
import type { RegisteredResource } from "../engine/offlineProgram";
import { POLICY_PACK_DIR } from "../paths";
import { reconcilePolicyConfig } from "./packConfig";
import { PackProcess, startPackProcess } from "./packProcess";
import {
  analyzeRequest,
  analyzeStackRequest,
  configureRequest,
  initialConfigOf,
  policyInfo,
  PolicyInfo,
  PolicyViolation,
  stackRequest,
  violationsOf,
} from "./protocol";

const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");

export interface AnalyzeOptions {
  /** Policy name → config, as in a `--policy-pack-config` file: an enforcement level, or an object of properties with an optional `enforcementLevel`; `all` sets every policy's level. */
  config?: Record<string, unknown>;
}

/** A running pack: analyze as often as needed, then stop. */
export interface PolicyAnalyzer {
  readonly policies: readonly PolicyInfo[];
  analyze(resources: readonly RegisteredResource[], options?: AnalyzeOptions): Promise<PolicyViolation[]>;
  stop(): Promise<void>;
}

/** The engine dials the pack with a generous limit: dynamic resources carry their serialized provider. */
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;

/** Starts the pack, analyzes `resources` once and stops it. */
export async function analyzeWithPolicyPack(
  resources: RegisteredResource[],
  options?: AnalyzeOptions,
): Promise<PolicyViolation[]> {
  const analyzer = await startPolicyAnalyzer();
  try {
    return await analyzer.analyze(resources, options);
  } finally {
    await analyzer.stop();
  }
}

/** Starts the pack once for many analyses (tests, plans over several stacks). */
export function startPolicyAnalyzer(packDir: string = POLICY_PACK_DIR): Promise<PolicyAnalyzer> {
  return connectPolicyAnalyzer(startPackProcess(packDir));
}

/** Drives a pack process started elsewhere (the plan command starts it before loading anything else). */
export async function connectPolicyAnalyzer(starting: Promise<PackProcess>): Promise<PolicyAnalyzer> {
  const pack = await starting;
  const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${pack.port}`, grpc.credentials.createInsecure(), {
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  });
  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) =>
      client[method](request, (error: grpc.ServiceError | null, response: T) =>
        error
          ? reject(new Error(`policy pack ${method} failed: ${error.details || error.message}${pack.stderrTail()}`))
          : resolve(response),
      ),
    );

  let info: any;
  try {
    info = await call<any>("getAnalyzerInfo", new emptyproto.Empty());
  } catch (error) {
    client.close();
    pack.kill();
    throw error;
  }
  const policies: PolicyInfo[] = info.getPoliciesList().map(policyInfo);
  const initialConfig = initialConfigOf(info);
  // The pack holds one config at a time; analyses run one after another so none sees another's.
  let queue: Promise<unknown> = Promise.resolve();

  const analyzeNow = async (
    resources: readonly RegisteredResource[],
    options: AnalyzeOptions,
  ): Promise<PolicyViolation[]> => {
    const config = reconcilePolicyConfig(policies, initialConfig, options.config ?? {});
    await call("configure", configureRequest(config));
    if (resources.length > 0) await call("configureStack", stackRequest(resources[0].urn));
    const perResource = await Promise.all(
      resources.map(async (resource) =>
        violationsOf(await call<any>("analyze", analyzeRequest(resource)), resource.urn),
      ),
    );
    const stack = await call<any>("analyzeStack", analyzeStackRequest(resources));
    return [...perResource.flat(), ...violationsOf(stack, undefined)];
  };

  return {
    policies,
    analyze(resources, options = {}) {
      const result = queue.then(() => analyzeNow(resources, options));
      queue = result.catch(() => undefined);
      return result;
    },
    async stop() {
      client.close();
      await pack.stop();
    },
  };
}
