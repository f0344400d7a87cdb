/**
 * What every dynamic provider of the project shares. Providers are captured
 * by value when Pulumi serializes them: the marker below is a plain string
 * by then, so no provider carries the SDK in its closure.
 */
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";

/** One invalid input, in the shape the engine shows for Check failures. */
export interface CheckFailure {
  readonly property: string;
  readonly reason: string;
}

/** The engine's marker for a value not known yet (at preview, e.g. a load balancer's DNS name). */
const UNKNOWN_VALUE: string = unknownValue;

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}
