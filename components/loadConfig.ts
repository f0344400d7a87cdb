/** Reads the running stack's config from the Pulumi engine and validates it. */
import * as pulumi from "@pulumi/pulumi";
import { BlueGreenConfig, parseConfig } from "./config";

export function loadConfig(): BlueGreenConfig {
  return parseConfig(pulumi.runtime.allConfig(), pulumi.getStack());
}
