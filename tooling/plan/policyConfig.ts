/** Which policy-pack config a stack is judged with, the same for the offline plan, CI and `shift`. */
import * as fs from "node:fs";
import * as path from "node:path";
import { POLICY_PACK_DIR } from "../policyAnalyzer";

export { POLICY_PACK_DIR };

/**
 * The stack's `--policy-pack-config` file, `policies/config/<stack>.json`;
 * undefined when the stack has none (the pack's defaults judge it as production).
 */
export function policyConfigFile(stack: string): string | undefined {
  const file = path.join(POLICY_PACK_DIR, "config", `${stack}.json`);
  return fs.existsSync(file) ? file : undefined;
}
