/**
 * The one file of the tooling that reaches into @pulumi/pulumi internals (the
 * program's one is components/config/engineSecrets.ts), so an SDK upgrade
 * that moves them breaks here and nowhere else: the resource monitor that
 * mocks install (tapped to see each registration as the engine would), the
 * wait for outstanding registrations, an Output's value including "unknown"
 * (apply() never calls back for unknowns), the closure serializer that
 * dynamic resources call (cached on disk for the offline runner), and the
 * stack trace the SDK records on its promises.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { writeWhole } from "../build/writeWhole";

const settings = require("@pulumi/pulumi/runtime/settings");

/** A RegisterResource request (pulumirpc.RegisterResourceRequest) as generated code exposes it. */
export type RegisterRequest = any;

/**
 * Calls `onRegister` for every successful RegisterResource the program sends
 * to the (mock) monitor, and makes the monitor build URNs with `urnOf`.
 */
export function tapMonitor(
  onRegister: (request: RegisterRequest, urn: string) => void,
  urnOf: (parent: string, type: string, name: string) => string,
): void {
  const monitor = settings.getMonitor();
  monitor.newUrn = urnOf;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request: RegisterRequest, callback: (err: unknown, response: any) => void) =>
    register(request, (err: unknown, response: any) => {
      if (!err) onRegister(request, response.getUrn());
      callback(err, response);
    });
}

/** Resolves once every registration the program started has been answered. */
export function waitForRegistrations(): Promise<void> {
  return settings.waitForRPCs();
}

/** The value of an output (nested ones too); undefined where it is unknown, as at preview. */
export function outputValue(value: unknown): Promise<unknown> {
  return (pulumi.output(value as pulumi.Input<unknown>) as unknown as { promise(): Promise<unknown> }).promise();
}

/**
 * Makes the SDK's debuggable promises (several per resource) record no stack trace: only a leak report at
 * exit would print it, and capturing them is most of a run's time under the mocks. Errors keep their stacks.
 */
export function skipPromiseStackTraces(): void {
  const debuggable = require("@pulumi/pulumi/runtime/debuggable");
  if (debuggable.debuggablePromise.bluegreenOriginal !== undefined) return;
  const original = debuggable.debuggablePromise;
  const withoutStack = (promise: Promise<unknown>, context: unknown) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return original(promise, context);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  debuggable.debuggablePromise = Object.assign(withoutStack, { bluegreenOriginal: original });
}

/** What the SDK's closure serializer returns (runtime/closure/serializeClosure). */
interface SerializedFunction {
  readonly text: string;
  readonly exportName: string;
  readonly containsSecrets: boolean;
}

/**
 * Keeps the text of each serialized dynamic provider in `dir`, keyed by
 * `sourceKey` (what the providers' code depends on) and the provider's own
 * methods, so a fresh process does not load TypeScript and walk the closure
 * again (about a second of a fresh plan). Entries of another `sourceKey` are
 * removed when one is written: the cache holds one version of the code.
 */
export function cacheSerializedProviders(dir: string, sourceKey: string): void {
  const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure");
  const installed = `${dir}\0${sourceKey}`;
  if (closure.serializeFunction.bluegreenCache === installed) return;
  const serialize: (func: () => unknown, args: unknown) => Promise<SerializedFunction> =
    closure.serializeFunction.bluegreenOriginal ?? closure.serializeFunction;
  const cached = async (func: () => unknown, args: unknown): Promise<SerializedFunction> => {
    const target = func();
    const methods =
      target !== null && typeof target === "object"
        ? Object.entries(target).map(([name, value]) => `${name}:${String(value)}`)
        : [String(target)];
    const file = path.join(dir, `${sourceKey}-${sha256(JSON.stringify([args, methods]))}.json`);
    try {
      return JSON.parse(fs.readFileSync(file, "utf8")) as SerializedFunction;
    } catch {
      // Not cached yet (or unreadable): serialize and keep it.
    }
    const result = await serialize(func, args);
    try {
      fs.mkdirSync(dir, { recursive: true });
      for (const old of fs.readdirSync(dir)) {
        if (!old.startsWith(`${sourceKey}-`)) fs.rmSync(path.join(dir, old), { force: true });
      }
      const { text, exportName, containsSecrets } = result;
      writeWhole(file, JSON.stringify({ text, exportName, containsSecrets }));
    } catch {
      // A read-only or full disk only costs the next run the serialization.
    }
    return result;
  };
  closure.serializeFunction = Object.assign(cached, { bluegreenCache: installed, bluegreenOriginal: serialize });
}

function sha256(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex").slice(0, 32);
}
