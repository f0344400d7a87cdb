/** Where the project lives on disk: the one definition every tool reads. */
import * as path from "node:path";

export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The policy pack, as `pulumi preview --policy-pack policies` is given it. */
export const POLICY_PACK_DIR = path.join(PROJECT_DIR, "policies");
