/**
 * Runs the real program (`blueGreenStack`, what index.ts runs) for a stack
 * with no engine and no cloud:
 * config from the stack files, deterministic mocks for providers, and a tap
 * on the resource monitor that records every registration exactly as the
 * engine would receive it (type, name, parent, inputs, dependencies and
 * options such as protect and retainOnDelete).
 *
 * Used by the offline plan, the program tests and the policy tests.
 */
import * as pulumi from "@pulumi/pulumi";
import { blueGreenStack, loadConfig } from "../../components/program";
import { AliasSpec, aliasSpec, makeUrn } from "./aliases";
import { offlineMocks } from "./mocks";
import { PROVIDER_CACHE_DIR, providerSourceKey } from "./providerCacheKey";
import {
  cacheSerializedProviders,
  outputValue,
  RegisterRequest,
  skipPromiseStackTraces,
  tapMonitor,
  waitForRegistrations,
} from "./sdkInternals";
import { encodeConfigValue, StackConfig, readStackConfig } from "./stackFiles";

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
  /** The stack outputs, resolved (undefined where unknown at preview). */
  readonly outputs: Record<string, unknown>;
}

export interface RunOptions {
  /** Config values to override (full keys, values as in the stack file: objects are fine). */
  readonly overrides?: Record<string, unknown>;
  /** Run as `pulumi preview` (true) or `pulumi up` (false). @default true */
  readonly preview?: boolean;
  /** A preview of a stack never deployed: no computed value known yet (implies preview). @default false */
  readonly firstPreview?: boolean;
  /** Where Pulumi.yaml and the stack file are. @default the repository */
  readonly projectDir?: string;
  /** Called for each registration as it happens (a failed run returns none). @default undefined */
  readonly onRegister?: (resource: RegisteredResource) => void;
  /** The program to run, e.g. several apps for a bench. @default blueGreenStack, what index.ts runs */
  readonly program?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** The mocks, config and monitor tap are process-wide: a second run at the same time would mix both runs. */
let running: string | undefined;

/**
 * Runs the program for `stack` under the mocks and returns what it registered
 * and exported. Re-runnable in one process, one run at a time: each run
 * installs fresh mocks and calls the program function index.ts calls
 * (components/program.ts); a run started while another is going throws.
 */
export async function runProgram(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
  if (running !== undefined) {
    throw new Error(
      `runProgram("${stack}") was called while runProgram("${running}") is still running: the Pulumi runtime is process-wide, so runs must follow one another (await the first)`,
    );
  }
  running = stack;
  // The SDK formats a stack trace for every resource (its source position, which nothing here reads); mapping
  // them through the source maps tsx enables, each file's map parsed on first use, is a third of a fresh run.
  const sourceMaps = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(false);
  try {
    return await runOnce(stack, options);
  } finally {
    process.setSourceMapsEnabled(sourceMaps);
    running = undefined;
  }
}

async function runOnce(stack: string, options: RunOptions): Promise<ProgramRun> {
  const config = readStackConfig(stack, options.projectDir);
  const values: Record<string, string> = { ...config.values };
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    values[key] = encodeConfigValue(value);
  }
  const region = values["aws:region"] ?? "us-east-1";

  pulumi.runtime.setAllConfig(values, config.secretKeys);
  const firstPreview = options.firstPreview ?? false;
  await pulumi.runtime.setMocks(
    offlineMocks(region, { firstPreview }),
    config.project,
    stack,
    firstPreview || (options.preview ?? true),
  );
  cacheSerializedProviders(PROVIDER_CACHE_DIR, providerSourceKey());
  skipPromiseStackTraces();
  const resources: RegisteredResource[] = [];
  tapMonitor((request, urn) => {
    const resource = toRegistered(request, urn);
    resources.push(resource);
    options.onRegister?.(resource);
  }, engineUrn);

  // The program as index.ts runs it, told where the stack file holds secrets it cannot decrypt (an overridden
  // key holds none of them any more).
  const unreadable = config.unreadableSecrets.filter(([key]) => !Object.hasOwn(options.overrides ?? {}, key));
  const outputs = await resolveOutputs(await (options.program ?? (() => blueGreenStack(loadConfig(unreadable))))());
  await waitForRegistrations();
  return { stack, config, resources, outputs };
}

/**
 * URNs as the engine builds them: the parent's whole qualified type chain
 * before the type (the mock monitor keeps only the parent's last type).
 */
function engineUrn(parent: string, type: string, name: string): string {
  return makeUrn(pulumi.getStack(), pulumi.getProject(), parent, type, name);
}

function toRegistered(req: RegisterRequest, urn: string): RegisteredResource {
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
    inputs: engineValues(pulumi.runtime.deserializeProperties(req.getObject())) as Record<string, unknown>,
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

/** Values as the engine passes them on (to analyzers, to providers): an unknown is the engine's unknown marker. */
function engineValues(value: unknown): unknown {
  if (pulumi.isUnknown(value)) return pulumi.runtime.unknownValue;
  if (Array.isArray(value)) return value.map(engineValues);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, engineValues(item)]));
  }
  return value;
}

async function resolveOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    Object.entries(outputs).map(async ([key, value]) => [key, await outputValue(value)] as const),
  );
  return Object.fromEntries(entries);
}
