/**
 * Thin wiring to the Pulumi Automation API (which drives the `pulumi` CLI):
 * select a stack of this project, and adapt it to the ShiftStack interface
 * the shift engine runs against. All decisions live in engine.ts / steps.ts.
 */
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import type { TrafficWeights } from "../../components/traffic";
import { policyConfigFile } from "../policy/packConfig";
import { POLICY_PACK_DIR } from "../paths";
import { PROJECT_DIR } from "../paths";
import type { ShiftStack } from "./engine";

/** The Pulumi CLI is not installed (or not on PATH). */
export class PulumiCliMissingError extends Error {
  constructor(command: string, cause: string) {
    super(
      `\`npm run ${command}\` needs the Pulumi CLI (it drives \`pulumi up\` / \`pulumi stack output\` through the Automation API), ` +
        `but running \`pulumi version\` failed: ${cause}. Install the CLI (https://www.pulumi.com/docs/install/) and log in to the stack's backend. ` +
        "Without the CLI: `npm run plan -- <stack>` shows the offline plan and `npm run status -- <stack> --offline` shows where the stack's config puts traffic.",
    );
    this.name = "PulumiCliMissingError";
  }
}

/** Selects `stackName` of the project in `workDir`; fails fast with PulumiCliMissingError when there is no CLI. */
export async function selectStack(stackName: string, command: string, workDir = PROJECT_DIR): Promise<Stack> {
  let pulumiCommand: PulumiCommand;
  try {
    pulumiCommand = await PulumiCommand.get();
  } catch (e) {
    throw new PulumiCliMissingError(command, firstLine(e));
  }
  return LocalWorkspace.selectStack({ stackName, workDir }, { pulumiCommand });
}

/** The stack's outputs as plain values (secrets included, decrypted by the CLI). */
export async function stackOutputs(stack: Stack): Promise<Record<string, unknown>> {
  const outputs = await stack.outputs();
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
}

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
      const weights = (await stackOutputs(stack)).weights as TrafficWeights | undefined;
      return weights === undefined ? undefined : { blue: weights.blue, green: weights.green };
    },
    async setConfig(values) {
      await stack.setAllConfig(
        Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value, secret: false }])),
        true,
      );
    },
    async up(onOutput) {
      await stack.up({ onOutput, policyPacks: [POLICY_PACK_DIR], policyPackConfigs: configFile === undefined ? [] : [configFile] });
    },
  };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (text.includes("ENOENT")) return "`pulumi` is not on PATH";
  return /stderr: (.*)/.exec(text)?.[1]?.trim() || text.split("\n")[0];
}
