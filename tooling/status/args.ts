/** Command line of `npm run status`. */
import { CommandSpec, EXIT, parseCommandLine, UsageError, usageText } from "../cli/command";

export const STATUS_COMMAND: CommandSpec = {
  name: "status",
  summary:
    "where a release stands: weights as bars, versions, each color's last gate verdict, the last snapshot and migration",
  usage: ["<stack> [--offline]"],
  options: [
    {
      flag: "--offline",
      description:
        "from the stack file through the offline program, without the Pulumi CLI (what `pulumi up` would set)",
    },
  ],
  exitCodes: [
    EXIT.ok,
    { code: 1, meaning: "the stack could not be read (no CLI, not deployed by this program)" },
    EXIT.usage,
  ],
  examples: ["npm run status -- production", "npm run status -- staging --offline"],
};

export interface StatusCommand {
  readonly stack: string;
  readonly offline: boolean;
}

export function parseStatusArgs(argv: string[]): StatusCommand {
  const parsed = parseCommandLine(STATUS_COMMAND, argv, { offline: { type: "boolean", default: false } });
  if (parsed.positionals.length !== 1)
    throw new UsageError(`give exactly one stack name\n${usageText(STATUS_COMMAND)}`);
  return { stack: parsed.positionals[0], offline: parsed.values.offline };
}
