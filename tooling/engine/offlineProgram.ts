/**
 * Runs the real program (`index.ts`) for a stack with no engine and no cloud:
 * config from the stack files, deterministic mocks for providers, and a tap
 * on the resource monitor that records every registration exactly as the
 * engine would receive it (type, name, parent, inputs, dependencies and
 * options such as protect and retainOnDelete).
 *
 * Used by the offline plan, the program tests and the policy tests.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { AliasSpec, aliasSpec } from "./aliases";
import { offlineMocks } from "./mocks";
import { StackConfig, readStackConfig } from "./stackFiles";
import { PROJECT_DIR } from "../paths";

export interface RegisteredResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parent: string;
  readonly inputs: Record<string, unknown>;
  /** URNs this resource waits for (explicit dependsOn, expanded by the SDK). */
  readonly dependencies: string[];
  /** Property → URNs it was computed from. */
  readonly propertyDependencies: Record<string, string[]>;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly ignoreChanges: string[];
  readonly additionalSecretOutputs: string[];
  /** Earlier identities of this resource (the `aliases` option), as the engine receives them. */
  readonly aliases: AliasSpec[];
}

export interface ProgramRun {
  readonly stack: string;
  readonly config: StackConfig;
  readonly resources: RegisteredResource[];
  /** The program's exports, resolved. */
  readonly outputs: Record<string, unknown>;
}

export interface RunOptions {
  /** Config values to override (full keys, values as in the stack file: objects are fine). */
  readonly overrides?: Record<string, unknown>;
  /** Run as `pulumi preview` (true) or `pulumi up` (false). @default true */
  readonly preview?: boolean;
}

const settings = require("@pulumi/pulumi/runtime/settings");
const INDEX = path.join(PROJECT_DIR, "index.ts");
let runCount = 0;

export async function runProgram(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
  const config = readStackConfig(stack);
  const values: Record<string, string> = { ...config.values };
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    values[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const region = values["aws:region"] ?? "us-east-1";

  pulumi.runtime.setAllConfig(values);
  await pulumi.runtime.setMocks(offlineMocks(region), config.project, stack, options.preview ?? true);
  const resources = tapRegistrations();

  // A fresh module instance per run: the program registers its resources at import.
  const exports: Record<string, unknown> = await import(`${pathToFileURL(INDEX).href}?run=${++runCount}`);
  const outputs = await resolveExports(exports);
  await settings.waitForRPCs();
  return { stack, config, resources, outputs };
}

/** Records each RegisterResource request the program sends to the (mock) monitor. */
function tapRegistrations(): RegisteredResource[] {
  const resources: RegisteredResource[] = [];
  const monitor = settings.getMonitor();
  monitor.newUrn = engineUrn;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) =>
    register(req, (err: unknown, resp: any) => {
      if (!err) resources.push(toRegistered(req, resp.getUrn()));
      callback(err, resp);
    });
  return resources;
}

/**
 * URNs as the engine builds them: the parent's whole qualified type chain
 * before the type (the mock monitor keeps only the parent's last type).
 */
function engineUrn(parent: string, type: string, name: string): string {
  if (parent && !parent.endsWith("::pulumi:pulumi:Stack::" + parent.split("::").pop())) {
    return `${parent.slice(0, parent.lastIndexOf("::"))}$${type}::${name}`;
  }
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${type}::${name}`;
}

function toRegistered(req: any, urn: string): RegisteredResource {
  const { deserializeProperties } = require("@pulumi/pulumi/runtime/rpc");
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
    propertyDependencies[key] = deps.getUrnsList();
  });
  return {
    urn,
    type: req.getType(),
    name: req.getName(),
    custom: req.getCustom(),
    parent: req.getParent(),
    inputs: deserializeProperties(req.getObject()),
    dependencies: req.getDependenciesList(),
    propertyDependencies,
    protect: req.getProtect() === true,
    retainOnDelete: req.getRetainondelete() === true,
    deleteBeforeReplace: req.getDeletebeforereplace(),
    ignoreChanges: req.getIgnorechangesList(),
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    aliases: req.getAliasesList().map(aliasSpec),
  };
}

async function resolveExports(exports: Record<string, unknown>): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    Object.entries(exports)
      .filter(([key]) => key !== "__esModule")
      .map(async ([key, value]) => [key, await unwrap(value)] as const),
  );
  return Object.fromEntries(entries);
}

/** Resolves outputs (nested too) to plain values; values unknown at preview come out undefined. */
function unwrap(value: unknown): Promise<unknown> {
  // Output.promise() is internal but stable; apply() would never call back for unknowns.
  return (pulumi.output(value as pulumi.Input<unknown>) as unknown as { promise(): Promise<unknown> }).promise();
}
