/**
 * Thin wiring to the Pulumi Automation API (which drives the `pulumi` CLI):
 * a stack of this project adapted to the ReleaseStack the release commands
 * run against. All decisions live elsewhere in this folder.
 */
import { ConcurrentUpdateError, EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { stackOutputs } from "../cli/pulumiCli";
import { urnType } from "../engine/aliases";
import { policyConfigFile } from "../policy/packConfig";
import { POLICY_PACK_DIR } from "../paths";
import type { ReleaseStack } from "./stack";
import { StackLocked, UpdateFailed } from "./updateFailed";

/** Every `up` that moves traffic forward runs the policy pack with the stack's policy config, as CI's deployments do. */
export function automationReleaseStack(stack: Stack): ReleaseStack {
  const configFile = policyConfigFile(stack.name);
  return {
    name: stack.name,
    async readConfig() {
      const config = Object.entries(await stack.getAllConfig());
      return {
        values: Object.fromEntries(config.map(([key, item]) => [key, item.value])),
        secretKeys: config.filter(([, item]) => item.secret).map(([key]) => key),
      };
    },
    async readOutputs() {
      const outputs = await stackOutputs(stack);
      return Object.keys(outputs).length === 0 ? undefined : outputs;
    },
    async setConfig(values) {
      await stack.setAllConfig(
        Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value, secret: false }])),
        true,
      );
    },
    async up({ message, signal, policies, onOutput }) {
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
          message,
          signal,
          onOutput,
          onEvent,
          ...(policies
            ? { policyPacks: [POLICY_PACK_DIR], policyPackConfigs: configFile === undefined ? [] : [configFile] }
            : {}),
        });
      } catch (e) {
        if (e instanceof ConcurrentUpdateError) throw new StackLocked(stack.name);
        throw new UpdateFailed(e instanceof Error ? e.message : String(e), gateMessages);
      }
    },
    async getTag(key) {
      const tags = await stack.workspace.listTags(stack.name);
      return tags[key];
    },
    async setTag(key, value) {
      await stack.workspace.setTag(stack.name, key, value);
    },
    async removeTag(key) {
      const tags = await stack.workspace.listTags(stack.name);
      if (key in tags) await stack.workspace.removeTag(stack.name, key);
    },
  };
}
