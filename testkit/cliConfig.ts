/**
 * The stack config as a release command reads and writes it: through the
 * Automation API (tooling/release/automation.ts) and the real `pulumi` CLI
 * built from Go modules, on a copy of this project with a file backend
 * (testkit/engine.ts). A release rig passes it to a RouterStack so that each
 * config read and write takes the time it takes a command.
 */
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { automationReleaseStack } from "../tooling/release/automation";
import type { ReleaseStack } from "../tooling/release/stack";
import { createEngineProject, engineBinDir } from "./engine";

export interface CliConfig extends Pick<ReleaseStack, "readConfig" | "setConfig"> {
  /** Deletes the project copy. */
  remove(): void;
}

export async function cliConfigStore(stackName: string): Promise<CliConfig> {
  const project = createEngineProject();
  await project.ok(["stack", "init", stackName]);
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
  const stack = await LocalWorkspace.selectStack(
    { stackName, workDir: project.dir },
    { pulumiCommand, envVars: project.env },
  );
  const { readConfig, setConfig } = automationReleaseStack(stack);
  return { readConfig, setConfig, remove: () => project.remove() };
}
