/**
 * `npm run deploy -- <stack>`: the main job (see DEPLOY_COMMAND). With the
 * Pulumi CLI on PATH it runs `pulumi up` for the stack with the policy pack.
 * The `local` stack needs no Pulumi account: state goes to a file backend in
 * `.pulumi-state/` and secrets use a passphrase, both set here unless already
 * set in the environment. Without the CLI it prints the offline plan instead
 * and says so.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runMain } from "../tooling/cli/main";
import { LOCAL_STACK, parseDeployArgs } from "../tooling/deploy/args";
import { policyConfigFile } from "../tooling/policy/packConfig";
import { POLICY_PACK_DIR, PROJECT_DIR } from "../tooling/paths";

/** Local-only: protects nothing of value, it only lets the CLI run without prompting. */
const LOCAL_PASSPHRASE = "bluegreen-local";

function run(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  console.log(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd: PROJECT_DIR, env, stdio: "inherit" });
  return result.status ?? 1;
}

runMain(async (argv) => {
  const { stack, upFlags } = parseDeployArgs(argv);
  // Loaded after the command line is checked: `--help` answers without the Automation API.
  const { hasPulumiCli } = await import("../tooling/cli/pulumiCli");
  if (!hasPulumiCli()) {
    console.log(`Pulumi CLI not found on PATH: showing the offline plan of stack "${stack}" instead.`);
    console.log("Install the CLI (https://www.pulumi.com/docs/install/) to deploy; nothing was changed.\n");
    return run(process.execPath, [require.resolve("tsx/cli"), path.join(__dirname, "plan.ts"), stack], process.env);
  }
  const env = { ...process.env };
  if (stack === LOCAL_STACK) {
    const stateDir = path.join(PROJECT_DIR, ".pulumi-state");
    fs.mkdirSync(stateDir, { recursive: true });
    env.PULUMI_BACKEND_URL ??= `file://${stateDir}`;
    env.PULUMI_CONFIG_PASSPHRASE ??= LOCAL_PASSPHRASE;
  }
  const selected = run(
    "pulumi",
    ["stack", "select", "--create", stack, ...(stack === LOCAL_STACK ? ["--secrets-provider", "passphrase"] : [])],
    env,
  );
  if (selected !== 0) return selected;
  // Each stack's policy thresholds (e.g. staging is not judged as production).
  const policyConfig = policyConfigFile(stack);
  const policyFlags = [
    "--policy-pack",
    POLICY_PACK_DIR,
    ...(policyConfig ? ["--policy-pack-config", policyConfig] : []),
  ];
  return run("pulumi", ["up", "--stack", stack, ...policyFlags, ...upFlags], env);
});
