import { expect } from "vitest";
import { ProviderCallError } from "./providerHost";

/** Awaits a provider call that must fail; returns the host's error so tests can assert on the provider's message. */
export async function providerFailure(call: Promise<unknown>): Promise<ProviderCallError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderCallError);
  return error as ProviderCallError;
}
