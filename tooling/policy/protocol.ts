/**
 * The Analyzer gRPC protocol as the engine speaks it to a policy pack:
 * requests built from the program's registrations, answers decoded into
 * plain violations. Generated stubs ship as CommonJS without typings.
 */
import type { RegisteredResource } from "../engine/offlineProgram";

const analyzerproto = require("@pulumi/pulumi/proto/analyzer_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

export interface PolicyViolation {
  policyName: string;
  enforcementLevel: EnforcementLevel;
  message: string;
  urn?: string;
  description?: string;
  severity?: string;
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

export const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"]; // proto enum order
const SEVERITIES = [undefined, "low", "medium", "high", "critical"] as const; // proto enum order

export function policyInfo(p: any): PolicyInfo {
  const schema = p.getConfigschema();
  return {
    name: p.getName(),
    description: p.getDescription(),
    enforcementLevel: LEVELS[p.getEnforcementlevel()],
    ...(schema
      ? {
          configSchema: {
            properties: schema.getProperties()?.toJavaScript() ?? {},
            required: schema.getRequiredList(),
          },
        }
      : {}),
  };
}

export function initialConfigOf(info: any): Record<string, PolicyConfig> {
  const result: Record<string, PolicyConfig> = {};
  info.getInitialconfigMap().forEach((config: any, name: string) => {
    result[name] = {
      enforcementLevel: LEVELS[config.getEnforcementlevel()],
      properties: config.getProperties()?.toJavaScript() ?? {},
    };
  });
  return result;
}

export function configureRequest(config: Record<string, PolicyConfig>): unknown {
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
export function stackRequest(urn: string): unknown {
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

/** Each resource's inputs as a protobuf Struct, converted once: Analyze and AnalyzeStack both send them. */
const propertyStructs = new WeakMap<RegisteredResource, unknown>();

function propertiesOf(resource: RegisteredResource): unknown {
  let struct = propertyStructs.get(resource);
  if (struct === undefined) {
    struct = structproto.Struct.fromJavaScript(plainProperties(resource.inputs, resource.name));
    propertyStructs.set(resource, struct);
  }
  return struct;
}

export function analyzeRequest(resource: RegisteredResource): unknown {
  const request = new analyzerproto.AnalyzeRequest();
  request.setType(resource.type);
  request.setProperties(propertiesOf(resource));
  request.setUrn(resource.urn);
  request.setName(resource.name);
  request.setOptions(optionsOf(resource));
  return request;
}

export function analyzeStackRequest(resources: readonly RegisteredResource[]): unknown {
  const request = new analyzerproto.AnalyzeStackRequest();
  request.setResourcesList(
    resources.map((resource) => {
      const r = new analyzerproto.AnalyzerResource();
      r.setType(resource.type);
      r.setProperties(propertiesOf(resource));
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
        Object.entries(v as Record<string, unknown>).flatMap(([key, item]) =>
          item === undefined ? [] : [[key, convert(item, `${at}.${key}`)]],
        ),
      );
    }
    throw new Error(
      `${resourceName}: input ${at} is ${typeof v === "object" ? (v as object).constructor?.name : typeof v}, not plain data; cannot send it to the policy pack`,
    );
  };
  return convert(value, "inputs") as Record<string, unknown>;
}

export function violationsOf(response: any, resourceUrn: string | undefined): PolicyViolation[] {
  return response.getDiagnosticsList().map((d: any): PolicyViolation => {
    const description: string = d.getDescription();
    const message: string = d.getMessage();
    // The SDK prefixes a reported message with the policy's description line; keep what the policy said.
    const said =
      description && message.startsWith(`${description}\n`) ? message.slice(description.length + 1) : message;
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
