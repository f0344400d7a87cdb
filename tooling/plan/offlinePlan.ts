/**
 * The offline plan of a stack: validate its config, run the real program
 * under the deterministic mocks, run the policy pack on what it registered,
 * and reduce it all to a Plan. No credentials, no CLI, no cloud.
 */
import * as fs from "node:fs";
import { parseConfig } from "../../components/platforms";
import { connectPolicyAnalyzer, PolicyAnalyzer } from "../policy/analyzer";
import { PackProcess, startPackProcess } from "../policy/packProcess";
import { readStackConfig } from "../engine/stackFiles";
import { PROJECT_DIR } from "../paths";
import { buildPlan, Plan } from "./buildPlan";
import { policyConfigFile } from "../policy/packConfig";

export interface OfflinePlanOptions {
  /** Config values to change (full keys; objects allowed), as if edited in the stack file. */
  readonly overrides?: Record<string, unknown>;
  /** A running policy pack to reuse across plans; by default one is started and stopped for this plan. */
  readonly analyzer?: PolicyAnalyzer;
  /** A pack process already starting, for this plan alone (stopped at its end): the plan command starts one first thing. */
  readonly pack?: Promise<PackProcess>;
  /** Where Pulumi.yaml and the stack file are. @default the repository */
  readonly projectDir?: string;
  /** The stack whose policy config (policies/config/<stack>.json) judges this one. @default the stack itself */
  readonly policyConfigOf?: string;
}

/** Throws ConfigError before running anything when the stack file is invalid. */
export async function offlinePlan(stack: string, options: OfflinePlanOptions = {}): Promise<Plan> {
  let own = options.pack && connect(options.pack);
  try {
    const stackConfig = readStackConfig(stack, options.projectDir);
    const config = parseConfig(
      { ...stackConfig.values, ...options.overrides },
      stack,
      stackConfig.secretKeys,
      stackConfig.unreadableSecrets,
    );
    // The pack takes about a second to start: start it before the program's modules (the platform's SDK)
    // load, so both happen at once.
    if (options.analyzer === undefined) own ??= connect(startPackProcess());
    const { runProgram } = await import("../engine/offlineProgram");
    const run = await runProgram(stack, { overrides: options.overrides, projectDir: options.projectDir });
    const analyzer = options.analyzer ?? (await own!);
    const configFile = policyConfigFile(options.policyConfigOf ?? stack);
    const violations = await analyzer.analyze(run.resources, {
      config:
        configFile === undefined
          ? undefined
          : (JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>),
    });
    return buildPlan({ run, config, violations, projectDir: PROJECT_DIR });
  } finally {
    // Told to stop, not waited for: nothing of it is needed any more, and its exit takes a while.
    void own?.then(
      (analyzer) => analyzer.stop(),
      () => undefined,
    );
  }
}

/** A pack that fails to start is reported where the plan waits for it, not as an unhandled rejection before. */
function connect(pack: Promise<PackProcess>): Promise<PolicyAnalyzer> {
  const analyzer = connectPolicyAnalyzer(pack);
  analyzer.catch(() => undefined);
  return analyzer;
}
