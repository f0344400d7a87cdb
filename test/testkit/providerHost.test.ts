import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
import { ProviderHost, serializeProvider } from "../../testkit/providerHost";

// A minimal provider: proves the harness speaks the host's real protocol.
const echoProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return news.size < 0
      ? { inputs: news, failures: [{ property: "size", reason: "size must be >= 0" }] }
      : { inputs: news };
  },
  async diff(_id, olds, news) {
    return { changes: olds.size !== news.size, replaces: olds.name !== news.name ? ["name"] : [] };
  },
  async create(inputs) {
    if (inputs.size === 13) throw new Error("unlucky size 13");
    return { id: `echo-${inputs.name}`, outs: { ...inputs, created: true } };
  },
  async update(_id, _olds, news) {
    return { outs: { ...news, updated: true } };
  },
};

describe("ProviderHost (real @pulumi/pulumi dynamic-provider host over gRPC)", () => {
  let host: ProviderHost;
  let text: string;
  const type = "pulumi-nodejs:dynamic/bluegreen:Echo";

  beforeAll(async () => {
    host = await ProviderHost.start();
    text = await serializeProvider(echoProvider);
  });
  afterAll(() => host.stop());

  it("reports check failures with the provider's reason", async () => {
    const result = await host.check(type, text, {}, { name: "a", size: -1 });
    expect(result.failures).toEqual([{ property: "size", reason: "size must be >= 0" }]);
  });

  it("maps diff results to DIFF_SOME / DIFF_NONE and replaces", async () => {
    expect(await host.diff(type, text, "id", { name: "a", size: 1 }, { name: "a", size: 1 })).toMatchObject({
      changes: "none",
    });
    expect(await host.diff(type, text, "id", { name: "a", size: 1 }, { name: "b", size: 2 })).toMatchObject({
      changes: "some",
      replaces: ["name"],
    });
  });

  it("creates and updates, and surfaces provider errors as gRPC errors", async () => {
    expect(await host.create(type, text, { name: "a", size: 1 })).toEqual({
      id: "echo-a",
      outs: { name: "a", size: 1, created: true },
    });
    expect(await host.update(type, text, "echo-a", { name: "a", size: 1 }, { name: "a", size: 2 })).toEqual({
      name: "a",
      size: 2,
      updated: true,
    });
    await expect(host.create(type, text, { name: "a", size: 13 })).rejects.toThrow(/unlucky size 13/);
  });
});
