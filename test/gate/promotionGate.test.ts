/**
 * PromotionGate wiring under Pulumi mocks: the component type, its one
 * PromotionGate child (type, name, parent), headers stored as a secret, and
 * the outputs routing code reads.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { PromotionGate } from "../../components/gate/promotionGate";
import { fastSettings, GATE_TYPE } from "./fixtures";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const registered: Registered[] = [];
const children: { type: string; name: string; parent: pulumi.Resource | undefined }[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const { __provider: _provider, ...inputs } = args.inputs;
        return {
          id: `${args.name}-id`,
          state: { ...inputs, verdict: "passed", verifiedAt: "2025-05-01T10:00:00.000Z", p95LatencyMs: 42 },
        };
      },
      call: () => ({}),
    },
    "bluegreen",
    "test",
    false,
  );
});

const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

describe("PromotionGate", () => {
  it("GIVEN a color's promotion WHEN constructed THEN one PromotionGate child carries the inputs, headers as a secret, and the outputs are exposed", async () => {
    const gate = new PromotionGate(
      "shop-green-gate",
      {
        app: "shop",
        color: "green",
        version: "1.4.0",
        image: "shop:1.4.0",
        otherVersion: "1.3.0",
        otherImage: "shop:1.3.0",
        weight: 50,
        totalWeight: 100,
        rollback: false,
        targets: [pulumi.output("http://green.internal/health")],
        settings: fastSettings(),
        headers: { authorization: "Bearer t" },
      },
      {
        // Records each resource's parent: proves `{ parent: this }` on the child.
        transformations: [
          (args) => {
            children.push({ type: args.type, name: args.name, parent: args.opts.parent });
            return undefined;
          },
        ],
      },
    );

    expect([await resolved(gate.verdict), await resolved(gate.verifiedAt), await resolved(gate.p95LatencyMs)]).toEqual([
      "passed",
      "2025-05-01T10:00:00.000Z",
      42,
    ]);
    expect(registered.map((r) => [r.type, r.name])).toEqual([
      ["bluegreen:gate:PromotionGate", "shop-green-gate"],
      [GATE_TYPE, "shop-green-gate-check"],
    ]);
    // Transformations see the component itself first, then its children.
    expect(children).toEqual([
      { type: "bluegreen:gate:PromotionGate", name: "shop-green-gate", parent: undefined },
      { type: GATE_TYPE, name: "shop-green-gate-check", parent: gate },
    ]);

    const rpc = require("@pulumi/pulumi/runtime/rpc");
    const { __provider, ...inputs } = registered[1].inputs;
    expect(typeof __provider).toBe("string");
    expect(inputs).toEqual({
      app: "shop",
      color: "green",
      version: "1.4.0",
      image: "shop:1.4.0",
      otherVersion: "1.3.0",
      otherImage: "shop:1.3.0",
      weight: 50,
      totalWeight: 100,
      rollback: false,
      targets: ["http://green.internal/health"],
      settings: fastSettings(),
      headers: { [rpc.specialSigKey]: rpc.specialSecretSig, value: { authorization: "Bearer t" } },
    });
  });
});
