/** The ReleaseGuard provider in Pulumi's real dynamic-provider host, for the tests of a describe block. */
import { afterAll, beforeAll } from "vitest";
import { ProviderHost } from "../../testkit/providerHost";
import { serializeProviderModule } from "../../testkit/serializeModule";

export function useReleaseGuardHost(): { host: ProviderHost; text: string } {
  const rig = {} as { host: ProviderHost; text: string };
  beforeAll(async () => {
    [rig.host, rig.text] = await Promise.all([
      ProviderHost.start(),
      serializeProviderModule("components/guard/provider.ts", "releaseGuardProvider"),
    ]);
  });
  afterAll(() => rig.host.stop());
  return rig;
}
