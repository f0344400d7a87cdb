/**
 * index.ts, imported as the Node.js language host imports it: it exports
 * the program function, and what that resolves to is exactly the stack
 * outputs contract, each with the value the offline runner gives.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { readStackOutputs, STACK_OUTPUT_KEYS } from "../../components/contracts/outputs";
import { offlineMocks } from "../../tooling/engine/mocks";
import { runProgram } from "../../tooling/engine/offlineProgram";
import { outputValue } from "../../tooling/engine/sdkInternals";
import { readStackConfig } from "../../tooling/engine/stackFiles";

describe("index.ts", () => {
  it("exports the program, which resolves to every output of the contract and nothing else", async () => {
    const stack = readStackConfig("production");
    pulumi.runtime.setAllConfig(stack.values);
    await pulumi.runtime.setMocks(offlineMocks("eu-west-1"), stack.project, "production", false);
    const program: unknown = (await import("../../index")).default;
    // The Node.js language host calls an exported function and awaits it (@pulumi/pulumi/cmd/run).
    expect(program).toBeInstanceOf(Function);
    const exports = (await (program as () => Promise<Record<string, unknown>>)()) as Record<string, unknown>;
    const names = Object.keys(exports);
    expect(names.sort()).toEqual([...STACK_OUTPUT_KEYS].sort());
    const values = Object.fromEntries(
      await Promise.all(names.map(async (key) => [key, await outputValue(exports[key])] as const)),
    );
    const run = await runProgram("production", { preview: false });
    expect(readStackOutputs("production", values)).toEqual(readStackOutputs("production", run.outputs));
  });

  it("gives every shipped stack's required outputs, each color's probe URL and where its weighted route lives", async () => {
    const routeKinds: Record<string, string> = {
      local: "haproxy",
      staging: "alb",
      production: "alb",
      "kube-staging": "httproute",
    };
    for (const [stack, kind] of Object.entries(routeKinds)) {
      const outputs = readStackOutputs(stack, (await runProgram(stack, { preview: false })).outputs);
      expect(outputs.probeUrls?.blue, stack).toMatch(/^https?:\/\/.+\/.*health/);
      expect(outputs.probeUrls?.green, stack).toMatch(/^https?:\/\/.+\/.*health/);
      // What a rollback's direct move needs (tooling/release/dataPlane.ts), in the contract's shape.
      expect(outputs.trafficRoute?.kind, stack).toBe(kind);
    }
  });
});
