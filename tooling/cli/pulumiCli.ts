/**
 * The Pulumi CLI as the commands use it: whether it is installed, and a
 * stack of this project selected through the Automation API (which drives
 * the CLI), failing fast with what to do when there is no CLI.
 */
import { spawnSync } from "node:child_process";
import { LocalWorkspace, PulumiCommand, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import { PROJECT_DIR } from "../paths";

export function hasPulumiCli(): boolean {
  return spawnSync("pulumi", ["version"], { stdio: "ignore" }).status === 0;
}

/** The Pulumi CLI is not installed (or not on PATH). */
export class PulumiCliMissingError extends Error {
  readonly explained = true;
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
  try {
    return await LocalWorkspace.selectStack({ stackName, workDir }, { pulumiCommand });
  } catch (e) {
    if (!(e instanceof StackNotFoundError)) throw e;
    throw Object.assign(
      new Error(`no stack named ${stackName} in this backend: \`pulumi stack ls\` lists the stacks you can reach`),
      { explained: true },
    );
  }
}

/** The stack's outputs as plain values (secrets included, decrypted by the CLI). */
export async function stackOutputs(stack: Stack): Promise<Record<string, unknown>> {
  const outputs = await stack.outputs();
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (text.includes("ENOENT")) return "`pulumi` is not on PATH";
  return /stderr: (.*)/.exec(text)?.[1]?.trim() || text.split("\n")[0];
}
