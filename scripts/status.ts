/**
 * `npm run status -- <stack> [--offline]`: where a release stands, from the
 * stack's outputs (needs the Pulumi CLI) or, with --offline, from the
 * offline run of the stack file. Exit 1 on failure, 2 on a bad command line
 * or stack config.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../components/config/issues";
import { runProgram } from "../tooling/engine/offlineProgram";
import { UsageError } from "../tooling/plan/args";
import { selectStack, stackOutputs } from "../tooling/shift/automation";
import { listStacks } from "../tooling/engine/stackFiles";
import { renderStatus, statusFromOutputs } from "../tooling/status/view";

const USAGE = "usage: npm run status -- <stack> [--offline]";

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { offline: { type: "boolean", default: false } } });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${USAGE}`);
  }
  if (parsed.positionals.length !== 1) throw new UsageError(`give exactly one stack name\n${USAGE}`);
  const [stack] = parsed.positionals;
  if (parsed.values.offline) {
    if (!listStacks().includes(stack)) throw new UsageError(`no stack file Pulumi.${stack}.yaml; known stacks: ${listStacks().join(", ")}`);
    const run = await runProgram(stack);
    console.log(renderStatus(statusFromOutputs(stack, `offline, from Pulumi.${stack}.yaml: what \`pulumi up\` would set, not what runs`, run.outputs)));
    return;
  }
  const outputs = await stackOutputs(await selectStack(stack, "status"));
  console.log(renderStatus(statusFromOutputs(stack, "stack outputs of the last update", outputs)));
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    const usage = e instanceof UsageError || e instanceof ConfigError;
    console.error(e instanceof Error ? e.message : e);
    process.exit(usage ? 2 : 1);
  },
);
