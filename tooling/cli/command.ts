/**
 * What every command of the project shares: its help text (usage, options,
 * exit codes, examples), the parsing of its command line (`--help` answers
 * with the help and exit 0; an unknown option prints the usage and exit 2)
 * and the exit codes, defined once.
 */
import { parseArgs, ParseArgsConfig } from "node:util";

export interface ExitCode {
  readonly code: number;
  readonly meaning: string;
}

/** Every exit code a command of the project can end with. */
export const EXIT = {
  ok: { code: 0, meaning: "done" },
  failed: { code: 1, meaning: "failed: see the message (a failed step, a blocked plan, the CLI)" },
  usage: { code: 2, meaning: "bad command line or stack config: nothing was changed" },
} as const satisfies Record<string, ExitCode>;

export interface CommandSpec {
  /** `npm run <name>`. */
  readonly name: string;
  readonly summary: string;
  /** Usage lines without the `npm run <name> --` prefix. */
  readonly usage: readonly string[];
  readonly options: readonly { readonly flag: string; readonly description: string }[];
  readonly exitCodes: readonly ExitCode[];
  readonly examples: readonly string[];
}

/** A bad command line: printed with the usage, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** `--help` was asked for: the help is printed, exit 0. */
export class HelpRequested extends Error {
  constructor(readonly spec: CommandSpec) {
    super(helpText(spec));
    this.name = "HelpRequested";
  }
}

export function usageText(spec: CommandSpec): string {
  return spec.usage.map((line, i) => `${i === 0 ? "usage:" : "      "} npm run ${spec.name} -- ${line}`).join("\n");
}

export function helpText(spec: CommandSpec): string {
  const width = Math.max(...spec.options.map((o) => o.flag.length), 0);
  return [
    `npm run ${spec.name}: ${spec.summary}`,
    "",
    usageText(spec),
    "",
    "options:",
    ...spec.options.map((o) => `  ${o.flag.padEnd(width)}  ${o.description}`),
    `  ${"--help".padEnd(width)}  print this help`,
    "",
    "exit codes:",
    ...spec.exitCodes.map((e) => `  ${String(e.code).padStart(3)}  ${e.meaning}`),
    "",
    "examples:",
    ...spec.examples.map((e) => `  ${e}`),
  ].join("\n");
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs with `--help` and errors in the project's terms. */
export function parseCommandLine<T extends Options>(spec: CommandSpec, argv: readonly string[], options: T) {
  if (argv.includes("--help") || argv.includes("-h")) throw new HelpRequested(spec);
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${usageText(spec)}`);
  }
}
