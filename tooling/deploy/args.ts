/** Command line of `npm run deploy`. */
import { CommandSpec, EXIT, parseCommandLine, UsageError, usageText } from "../cli/command";

export const LOCAL_STACK = "local";

/** `pulumi up` flags deploy passes on as they are. */
const UP_FLAGS = ["yes", "skip-preview", "refresh", "diff"] as const;

export const DEPLOY_COMMAND: CommandSpec = {
  name: "deploy",
  summary:
    "`pulumi up` of a stack with the policy pack and the stack's policy config (local: a file backend and a passphrase are set for you); without the Pulumi CLI, the offline plan instead",
  usage: [`[<stack>] [--yes] [--skip-preview] [--refresh] [--diff] [-- <other pulumi up flags>]`],
  options: [
    { flag: "<stack>", description: `the stack (default ${LOCAL_STACK})` },
    ...UP_FLAGS.map((flag) => ({ flag: `--${flag}`, description: `passed to \`pulumi up\`` })),
    { flag: "-- <flags>", description: "everything after a lone -- goes to `pulumi up` unchanged" },
  ],
  exitCodes: [
    EXIT.ok,
    { code: 1, meaning: "`pulumi up` (or the offline plan) failed; its own exit code is passed on" },
    EXIT.usage,
  ],
  examples: [
    "npm run deploy -- local",
    "npm run deploy -- staging --yes",
    "npm run deploy -- production -- --target-dependents",
  ],
};

export interface DeployCommand {
  readonly stack: string;
  /** Flags for `pulumi up`, in the order given. */
  readonly upFlags: string[];
}

export function parseDeployArgs(argv: string[]): DeployCommand {
  const separator = argv.indexOf("--");
  const own = separator < 0 ? argv : argv.slice(0, separator);
  const passed = separator < 0 ? [] : argv.slice(separator + 1);
  const parsed = parseCommandLine(
    DEPLOY_COMMAND,
    own,
    Object.fromEntries(UP_FLAGS.map((flag) => [flag, { type: "boolean" as const }])),
  );
  if (parsed.positionals.length > 1)
    throw new UsageError(
      `give at most one stack name (got ${parsed.positionals.join(" ")})\n${usageText(DEPLOY_COMMAND)}`,
    );
  const values = parsed.values as Record<string, boolean | undefined>;
  const chosen = own.filter((word) => UP_FLAGS.some((flag) => word === `--${flag}` && values[flag]));
  return { stack: parsed.positionals[0] ?? LOCAL_STACK, upFlags: [...chosen, ...passed] };
}
