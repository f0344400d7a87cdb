/**
 * Thin wiring to the Pulumi Automation API (which drives the `pulumi` CLI):
 * a stack of this project adapted to the ShiftStack interface the shift
 * engine runs against. All decisions live in engine.ts / steps.ts.
 */
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { readStackOutputs } from "../../components/contracts/outputs";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { stackOutputs } from "../cli/pulumiCli";
import { urnType } from "../engine/aliases";
import { policyConfigFile } from "../policy/packConfig";
import { POLICY_PACK_DIR } from "../paths";
import type { ShiftStack } from "./engine";
import { UpdateFailed } from "./updateFailed";

/** Every `up` runs the policy pack with the stack's policy config, as CI's deployments do. */
export function automationShiftStack(stack: Stack): ShiftStack {
  const configFile = policyConfigFile(stack.name);
  return {
    name: stack.name,
    async readConfig() {
      const config = await stack.getAllConfig();
      return Object.fromEntries(Object.entries(config).map(([key, item]) => [key, item.value]));
    },
    async readDeployedWeights() {
      const outputs = await stackOutputs(stack);
      if (outputs.weights === undefined) return undefined;
      const { weights } = readStackOutputs(stack.name, outputs);
      return { blue: weights.blue, green: weights.green };
    },
    async setConfig(values) {
      await stack.setAllConfig(
        Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value, secret: false }])),
        true,
      );
    },
    async up(onOutput) {
      const gateMessages: string[] = [];
      const onEvent = (event: EngineEvent) => {
        const diagnostic = event.diagnosticEvent;
        if (
          diagnostic?.severity === "error" &&
          diagnostic.urn &&
          urnType(diagnostic.urn) === DYNAMIC_TYPES.promotionGateCheck.token
        ) {
          gateMessages.push(diagnostic.message);
        }
      };
      try {
        await stack.up({
          onOutput,
          onEvent,
          policyPacks: [POLICY_PACK_DIR],
          policyPackConfigs: configFile === undefined ? [] : [configFile],
        });
      } catch (e) {
        throw new UpdateFailed(e instanceof Error ? e.message : String(e), gateMessages);
      }
    },
  };
}
