/**
 * The entry point every script uses: runs the command and exits with its
 * code; help goes to stdout with 0, a bad command line or stack config to
 * stderr with 2, anything else to stderr with 1.
 */
import { ConfigError } from "../../components/config/issues";
import { EXIT, HelpRequested, UsageError } from "./command";

/** `main` parses its command line with parseCommandLine, which answers `--help` by throwing HelpRequested. */
export function runMain(main: (argv: string[]) => Promise<number>): void {
  // The AWS SDK's notice that its future versions need Node 22 is for whoever upgrades the pinned SDK (engines:
  // node >= 20), not for someone releasing: on stderr it would precede every command's own message.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof HelpRequested) {
        console.log(error.message);
        process.exit(EXIT.ok.code);
      }
      const code = exitCodeFor(error);
      // An unexpected error keeps its stack: it is a bug to report.
      console.error(code === EXIT.usage.code || isExplained(error) ? (error as Error).message : error);
      process.exit(code);
    },
  );
}

/** A bad command line or stack file exits 2 (nothing was changed); anything else 1. */
export function exitCodeFor(error: unknown): number {
  return error instanceof UsageError || error instanceof ConfigError ? EXIT.usage.code : EXIT.failed.code;
}

/** Errors that already say what happened and what to do. */
function isExplained(error: unknown): boolean {
  return error instanceof Error && (error as { explained?: boolean }).explained === true;
}
