/**
 * The contracts as users and other tools see them: the type tokens a policy
 * config or a `pulumi stack export` names, and the policy pack's generated
 * copies of the contract files, which must never drift from their source.
 */
import { describe, expect, it } from "vitest";
import { COMPONENT_TYPES, DYNAMIC_TYPES, FORMER_TYPES } from "../components/contracts/resourceTypes";
import { PACK_CONTRACT_FILES, stalePackContracts } from "../tooling/build/packContracts";

describe("type tokens", () => {
  it("are the strings the engine, `pulumi stack export` and policy configs show", () => {
    expect(DYNAMIC_TYPES.promotionGateCheck.token).toBe("pulumi-nodejs:dynamic/bluegreen:PromotionGateCheck");
    expect(DYNAMIC_TYPES.ecsMigration.token).toBe("pulumi-nodejs:dynamic/bluegreen:EcsMigration");
    expect(DYNAMIC_TYPES.oneShotCommand.token).toBe("pulumi-nodejs:dynamic/bluegreen:OneShotCommand");
    expect(DYNAMIC_TYPES.haproxyWeights.token).toBe("pulumi-nodejs:dynamic/bluegreen:HaproxyWeights");
    expect(COMPONENT_TYPES.promotionGate).toBe("bluegreen:gate:PromotionGate");
    expect(COMPONENT_TYPES.app).toBe("bluegreen:index:BlueGreenApp");
  });

  it("keep the names the gate had before it was renamed, for the aliases", () => {
    expect(FORMER_TYPES).toEqual({
      promotionGate: "bluegreen:gate:HealthGate",
      promotionGateCheck: "pulumi-nodejs:dynamic/bluegreen:PromotionGate",
    });
  });
});

describe("the policy pack's copies of the contracts (policies/contracts/)", () => {
  it("equal their sources: run `npm run sync:contracts` after changing one", () => {
    expect(PACK_CONTRACT_FILES.length).toBeGreaterThan(0);
    expect(stalePackContracts()).toEqual([]);
  });
});
