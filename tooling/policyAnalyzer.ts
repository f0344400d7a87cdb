/**
 * Runs the policy pack (policies/) over a program's registrations the way the
 * Pulumi engine does for `pulumi preview --policy-pack policies`, with no CLI:
 *
 *   - starts the process the CLI starts for a local Node.js pack:
 *     `node @pulumi/pulumi/cmd/run-policy-pack <engine address> .` in the
 *     pack directory (it compiles the TypeScript pack with ts-node, serves
 *     the Analyzer gRPC service and prints its port; the engine address is
 *     dropped unread, so any address works);
 *   - GetAnalyzerInfo, then Configure with each policy's config reconciled as
 *     the engine does (schema defaults, pack initial config, then the given
 *     `--policy-pack-config` style values, `all` first; validated against
 *     each policy's schema);
 *   - ConfigureStack, Analyze per resource and AnalyzeStack over all of them.
 *
 * Used by the offline plan (`npm run plan`) and the policy tests.
 */
import { ChildProcessByStdio, spawn } from "node:child_process";
import * as path from "node:path";
import { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { z } from "zod";
import type { RegisteredResource } from "./offlineProgram";
import { PROJECT_DIR } from "./stackFiles";

// Generated gRPC/protobuf stubs ship as CommonJS without typings.
const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerproto = require("@pulumi/pulumi/proto/analyzer_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

export interface PolicyViolation {
  policyName: string;
  enforcementLevel: "advisory" | "mandatory" | "remediate" | "disabled";
  message: string;
  urn?: string;
  description?: string;
  severity?: string;
}

export interface AnalyzeOptions {
  /** Policy name → config, as in a `--policy-pack-config` file: an enforcement level, or an object of properties with an optional `enforcementLevel`; `all` sets every policy's level. */
  config?: Record<string, unknown>;
}

/** A policy as the pack describes itself (GetAnalyzerInfo). */
export interface PolicyInfo {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly configSchema?: { readonly properties: Record<string, unknown>; readonly required: readonly string[] };
}

export interface PolicyConfig {
  readonly enforcementLevel: EnforcementLevel;
  readonly properties: Record<string, unknown>;
}

/** A running pack: analyze as often as needed, then stop. */
export interface PolicyAnalyzer {
  readonly policies: readonly PolicyInfo[];
  analyze(resources: readonly RegisteredResource[], options?: AnalyzeOptions): Promise<PolicyViolation[]>;
  stop(): Promise<void>;
}

export const POLICY_PACK_DIR = path.join(PROJECT_DIR, "policies");

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"]; // proto enum order
const SEVERITIES = [undefined, "low", "medium", "high", "critical"] as const; // proto enum order
/** The engine dials the pack with a generous limit: dynamic resources carry their serialized provider. */
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;
const START_TIMEOUT_MS = 60_000;
const STDERR_TAIL_CHARS = 4000;

/** Starts the pack, analyzes `resources` once and stops it. */
export async function analyzeWithPolicyPack(
  resources: RegisteredResource[],
  options?: { config?: Record<string, unknown> /* policy name -> config, as in --policy-pack-config */ },
): Promise<PolicyViolation[]> {
  const analyzer = await startPolicyAnalyzer();
  try {
    return await analyzer.analyze(resources, options);
  } finally {
    await analyzer.stop();
  }
}

/** Starts the pack once for many analyses (tests, plans over several stacks). */
export async function startPolicyAnalyzer(packDir: string = POLICY_PACK_DIR): Promise<PolicyAnalyzer> {
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
  const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
  // Only the tail is kept: it explains a failure, and a chatty pack cannot exhaust memory.
  const stderr = { text: "" };
  child.stderr.on("data", (chunk: Buffer) => (stderr.text = (stderr.text + chunk.toString()).slice(-STDERR_TAIL_CHARS)));
  let port: number;
  try {
    port = await readPort(child, stderr);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  });
  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) =>
      client[method](request, (error: grpc.ServiceError | null, response: T) =>
        error ? reject(new Error(`policy pack ${method} failed: ${error.details || error.message}${stderrTail(stderr)}`)) : resolve(response),
      ),
    );

  let info: any;
  try {
    info = await call<any>("getAnalyzerInfo", new emptyproto.Empty());
  } catch (error) {
    client.close();
    child.kill("SIGKILL");
    throw error;
  }
  const policies: PolicyInfo[] = info.getPoliciesList().map(policyInfo);
  const initialConfig = initialConfigOf(info);
  // The pack holds one config at a time; analyses run one after another so none sees another's.
  let queue: Promise<unknown> = Promise.resolve();

  const analyzeNow = async (resources: readonly RegisteredResource[], options: AnalyzeOptions): Promise<PolicyViolation[]> => {
    const config = reconcilePolicyConfig(policies, initialConfig, options.config ?? {});
    await call("configure", configureRequest(config));
    if (resources.length > 0) await call("configureStack", stackRequest(resources[0].urn));
    const perResource = await Promise.all(
      resources.map(async (resource) => {
        const response = await call<any>("analyze", analyzeRequest(resource));
        return violationsOf(response, resource.urn);
      }),
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
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

function readPort(child: ChildProcessByStdio<null, Readable, Readable>, stderr: { text: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`policy pack did not print its port within ${START_TIMEOUT_MS / 1000} s${stderrTail(stderr)}`)), START_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start the policy pack runner: ${error.message}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`policy pack exited (${signal ?? `code ${code}`}) before serving; fix the pack (npx tsc --noEmit -p policies):${stderrTail(stderr) || " no output"}`));
    });
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^(\d+)\s*$/m.exec(stdout);
      if (!line) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      // Keep draining stdout (the pack may log) without holding on to it.
      child.stdout.removeAllListeners("data");
      child.stdout.resume();
      resolve(Number(line[1]));
    });
  });
}

function stderrTail(stderr: { text: string }): string {
  const text = stderr.text.trim();
  return text ? `\n${text}` : "";
}

function policyInfo(p: any): PolicyInfo {
  const schema = p.getConfigschema();
  return {
    name: p.getName(),
    description: p.getDescription(),
    enforcementLevel: LEVELS[p.getEnforcementlevel()],
    ...(schema ? { configSchema: { properties: schema.getProperties()?.toJavaScript() ?? {}, required: schema.getRequiredList() } } : {}),
  };
}

function initialConfigOf(info: any): Record<string, PolicyConfig> {
  const result: Record<string, PolicyConfig> = {};
  info.getInitialconfigMap().forEach((config: any, name: string) => {
    result[name] = { enforcementLevel: LEVELS[config.getEnforcementlevel()], properties: config.getProperties()?.toJavaScript() ?? {} };
  });
  return result;
}

/**
 * The config each policy runs with, reconciled as the engine does: schema
 * defaults, then the pack's initial config, then the given config (`all`
 * sets every level first). Stricter than the engine in one way: a policy
 * name the pack does not have is an error rather than silently ignored.
 */
export function reconcilePolicyConfig(
  policies: readonly PolicyInfo[],
  initial: Readonly<Record<string, PolicyConfig>>,
  given: Readonly<Record<string, unknown>>,
): Record<string, PolicyConfig> {
  const result: Record<string, PolicyConfig> = {};
  for (const policy of policies) {
    const defaults = Object.entries(policy.configSchema?.properties ?? {}).flatMap(([key, schema]) =>
      schema !== null && typeof schema === "object" && "default" in schema ? [[key, (schema as { default: unknown }).default] as const] : [],
    );
    result[policy.name] = { enforcementLevel: policy.enforcementLevel, properties: Object.fromEntries(defaults) };
  }
  const known = new Set(policies.map((p) => p.name));
  for (const layer of [initial, parseGivenConfig(given)]) {
    const all = layer.all?.enforcementLevel;
    if (all !== undefined) for (const name of known) result[name] = { ...result[name], enforcementLevel: all };
    for (const [name, config] of Object.entries(layer)) {
      if (name === "all") continue;
      if (!known.has(name)) {
        throw new Error(`policy config names "${name}", which the pack does not have; known policies: ${[...known].join(", ")}`);
      }
      result[name] = { enforcementLevel: config.enforcementLevel ?? result[name].enforcementLevel, properties: { ...result[name].properties, ...config.properties } };
    }
  }
  const problems = policies.flatMap((policy) => {
    if (!policy.configSchema) return [];
    const schema = z.fromJSONSchema({ type: "object", properties: policy.configSchema.properties, required: [...policy.configSchema.required] } as never);
    const parsed = schema.safeParse(result[policy.name].properties);
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${policy.name}.${issue.path.join(".")}: ${issue.message}`);
  });
  if (problems.length > 0) {
    throw new Error(`policy pack configuration is invalid:\n  - ${problems.join("\n  - ")}\nFix these values in the --policy-pack-config file.`);
  }
  return result;
}

function parseGivenConfig(given: Readonly<Record<string, unknown>>): Record<string, { enforcementLevel?: EnforcementLevel; properties: Record<string, unknown> }> {
  const level = (name: string, value: unknown): EnforcementLevel => {
    if (LEVELS.includes(value as EnforcementLevel)) return value as EnforcementLevel;
    throw new Error(`policy config for "${name}": ${JSON.stringify(value)} is not an enforcement level (${LEVELS.join(", ")})`);
  };
  return Object.fromEntries(
    Object.entries(given).map(([name, value]) => {
      if (typeof value === "string") return [name, { enforcementLevel: level(name, value), properties: {} }];
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new Error(`policy config for "${name}" must be an enforcement level or an object, got ${JSON.stringify(value)}`);
      }
      const { enforcementLevel, ...properties } = value as Record<string, unknown>;
      return [name, { ...(enforcementLevel === undefined ? {} : { enforcementLevel: level(name, enforcementLevel) }), properties }];
    }),
  );
}

function configureRequest(config: Record<string, PolicyConfig>): unknown {
  const request = new analyzerproto.ConfigureAnalyzerRequest();
  const map = request.getPolicyconfigMap();
  for (const [name, { enforcementLevel, properties }] of Object.entries(config)) {
    const policyConfig = new analyzerproto.PolicyConfig();
    policyConfig.setEnforcementlevel(LEVELS.indexOf(enforcementLevel));
    policyConfig.setProperties(structproto.Struct.fromJavaScript(properties));
    map.set(name, policyConfig);
  }
  return request;
}

/** `urn:pulumi:<stack>::<project>::...`: the engine tells the pack which stack it analyzes. */
function stackRequest(urn: string): unknown {
  const [, stack = "", project = ""] = /^urn:pulumi:([^:]*)::([^:]*)::/.exec(urn) ?? [];
  const request = new analyzerproto.AnalyzerStackConfigureRequest();
  request.setStack(stack);
  request.setProject(project);
  request.setDryRun(true);
  return request;
}

function optionsOf(resource: RegisteredResource): unknown {
  const options = new analyzerproto.AnalyzerResourceOptions();
  options.setProtect(resource.protect);
  options.setIgnorechangesList(resource.ignoreChanges);
  options.setDeletebeforereplace(resource.deleteBeforeReplace);
  options.setDeletebeforereplacedefined(resource.deleteBeforeReplace);
  options.setAdditionalsecretoutputsList(resource.additionalSecretOutputs);
  if (resource.parent) options.setParent(resource.parent);
  return options;
}

function analyzeRequest(resource: RegisteredResource): unknown {
  const request = new analyzerproto.AnalyzeRequest();
  request.setType(resource.type);
  request.setProperties(structproto.Struct.fromJavaScript(plainProperties(resource.inputs, resource.name)));
  request.setUrn(resource.urn);
  request.setName(resource.name);
  request.setOptions(optionsOf(resource));
  return request;
}

function analyzeStackRequest(resources: readonly RegisteredResource[]): unknown {
  const request = new analyzerproto.AnalyzeStackRequest();
  request.setResourcesList(
    resources.map((resource) => {
      const r = new analyzerproto.AnalyzerResource();
      r.setType(resource.type);
      r.setProperties(structproto.Struct.fromJavaScript(plainProperties(resource.inputs, resource.name)));
      r.setUrn(resource.urn);
      r.setName(resource.name);
      r.setOptions(optionsOf(resource));
      r.setParent(resource.parent);
      r.setDependenciesList(resource.dependencies);
      const deps = r.getPropertydependenciesMap();
      for (const [property, urns] of Object.entries(resource.propertyDependencies)) {
        const list = new analyzerproto.AnalyzerPropertyDependencies();
        list.setUrnsList(urns);
        deps.set(property, list);
      }
      return r;
    }),
  );
  return request;
}

/**
 * Inputs as JSON-shaped data for a protobuf Struct: absent (undefined) values
 * dropped as the engine never sends them; secrets keep Pulumi's signature
 * object, which the pack unwraps like the engine's. Anything else that is not
 * plain data (a class instance) cannot be what the engine would send.
 */
function plainProperties(value: Record<string, unknown>, resourceName: string): Record<string, unknown> {
  const convert = (v: unknown, at: string): unknown => {
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    if (Array.isArray(v)) return v.map((item, i) => (item === undefined ? null : convert(item, `${at}[${i}]`)));
    if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).flatMap(([key, item]) => (item === undefined ? [] : [[key, convert(item, `${at}.${key}`)]])),
      );
    }
    throw new Error(`${resourceName}: input ${at} is ${typeof v === "object" ? (v as object).constructor?.name : typeof v}, not plain data; cannot send it to the policy pack`);
  };
  return convert(value, "inputs") as Record<string, unknown>;
}

function violationsOf(response: any, resourceUrn: string | undefined): PolicyViolation[] {
  return response.getDiagnosticsList().map((d: any): PolicyViolation => {
    const description: string = d.getDescription();
    const message: string = d.getMessage();
    // The SDK prefixes a reported message with the policy's description line; keep what the policy said.
    const said = description && message.startsWith(`${description}\n`) ? message.slice(description.length + 1) : message;
    const urn = d.getUrn() || resourceUrn;
    const severity = SEVERITIES[d.getSeverity()];
    return {
      policyName: d.getPolicyname(),
      enforcementLevel: LEVELS[d.getEnforcementlevel()],
      message: said,
      ...(urn ? { urn } : {}),
      ...(description ? { description } : {}),
      ...(severity ? { severity } : {}),
    };
  });
}
