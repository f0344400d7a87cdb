/**
 * `npm run deploy -- <stack> [extra pulumi up flags]`: the main job.
 *
 * With the Pulumi CLI on PATH it runs `pulumi up` for the stack with the
 * policy pack. The `local` stack needs no Pulumi account: state goes to a
 * file backend in `.pulumi-state/` and secrets use a passphrase, both set here
 * unless already set in the environment. Without the CLI (as on machines that
 * cannot download it), it prints the stack's offline plan instead and says so.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { policyConfigFile } from "../tooling/policy/packConfig";
import { PROJECT_DIR } from "../tooling/paths";

const LOCAL_STACK = "local";
/** Local-only: protects nothing of value, it only lets the CLI run without prompting. */
const LOCAL_PASSPHRASE = "bluegreen-local";

function hasPulumiCli(): boolean {
  return spawnSync("pulumi", ["version"], { stdio: "ignore" }).status === 0;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  console.log(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd: PROJECT_DIR, env, stdio: "inherit" });
  return result.status ?? 1;
}

function main(argv: string[]): number {
  const [stack = LOCAL_STACK, ...upFlags] = argv;
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
  const selected = run("pulumi", ["stack", "select", "--create", stack, ...(stack === LOCAL_STACK ? ["--secrets-provider", "passphrase"] : [])], env);
  if (selected !== 0) return selected;
  // Each stack's policy thresholds (e.g. staging is not judged as production).
  const policyConfig = policyConfigFile(stack);
  const policyFlags = ["--policy-pack", path.join(PROJECT_DIR, "policies"), ...(policyConfig ? ["--policy-pack-config", policyConfig] : [])];
  return run("pulumi", ["up", "--stack", stack, ...policyFlags, ...upFlags], env);
}

process.exit(main(process.argv.slice(2)));
