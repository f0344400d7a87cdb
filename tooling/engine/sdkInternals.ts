/**
 * The one file of the tooling that reaches into @pulumi/pulumi internals (the
 * program's one is components/config/engineSecrets.ts), so an SDK upgrade
 * that moves them breaks here and nowhere else: the resource monitor that
 * mocks install (tapped to see each registration as the engine would), the
 * wait for outstanding registrations, and an Output's value including
 * "unknown" (apply() never calls back for unknowns).
 */
import * as pulumi from "@pulumi/pulumi";

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
