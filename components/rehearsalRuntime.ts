/**
 * What the migration rehearsal's providers run at `pulumi up` (the AWS
 * rehearsal, rdsRehearsal.ts): the copy's names and the in-container
 * connection prelude. Kept apart from components/rehearsal.ts, which
 * re-exports all of it, because a dynamic provider is serialized with every
 * export of each module it imports: this one holds only what the provider
 * runs. Pure.
 *
 * The prelude applies {@link rehearsalConnection} (components/rehearsal.ts)
 * inside the container, to the environment it really gets: a POSIX sh +
 * awk program, step for step the same rules, held to the TypeScript ones
 * by test/rehearsal.test.ts (a table and generated environments, with every
 * awk installed).
 */
import { CONNECTION_AWK, PRELUDE_REFUSED } from "./rehearsalAwk";

export { PRELUDE_REFUSED, REFUSAL_FIX, REFUSALS } from "./rehearsalAwk";
export type { RefusedForm } from "./rehearsalAwk";

/** Longest scratch name: a Postgres identifier (63 bytes) and an RDS instance identifier (63 characters). */
const MAX_NAME = 63;

/** `<app>-rehearsal-`: what every scratch copy of the app is named from, current or left over. */
export function rehearsalPrefix(app: string): string {
  return `${app}-rehearsal-`;
}

/**
 * `<app>-rehearsal-<version>`, lowercased, runs of other characters turned
 * into one '-', cut to 63 characters: valid as a database name and as an RDS
 * instance identifier (letters, digits, hyphens, starting with a letter; app
 * names start with a letter).
 */
export function rehearsalName(app: string, migrationVersion: string): string {
  const slug = migrationVersion
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `${rehearsalPrefix(app)}${slug}`.slice(0, MAX_NAME).replace(/-+$/, "");
}

/** The copy's own credentials: its master user and the password set when it was restored. */
export interface ScratchLogin {
  readonly user: string;
  readonly password: string;
}

/** Where the scratch copy answers; what is absent stays as it is (local: the same server; AWS: the same database name). */
export interface ScratchTarget {
  readonly database?: string;
  /** A host name (letters, digits, '.', '-'); with it, `port`. */
  readonly host?: string;
  readonly port?: number;
  /** Log in with these credentials and keep the migration's role (`-c role=<its user>`). @default the migration's own */
  readonly login?: ScratchLogin;
}

/** Variables the in-container prelude reads its target from; removed before the command runs. */
export const PRELUDE_VARIABLES = {
  host: "BLUEGREEN_REHEARSAL_HOST",
  port: "BLUEGREEN_REHEARSAL_PORT",
  database: "BLUEGREEN_REHEARSAL_DATABASE",
  user: "BLUEGREEN_REHEARSAL_USER",
  password: "BLUEGREEN_REHEARSAL_PASSWORD",
  /** Space-separated host names of the real database: no variable may still name one. */
  realHosts: "BLUEGREEN_REHEARSAL_REAL_HOSTS",
} as const;

const HOST_NAME = /^[A-Za-z0-9.-]+$/;

/** A target the rewrite can place: a host name, a port only with a host. */
export function checkScratchTarget(target: ScratchTarget): void {
  if (target.host !== undefined && !HOST_NAME.test(target.host)) {
    throw new Error(`ScratchTarget.host must be a host name, got ${JSON.stringify(target.host)}`);
  }
  if (target.port !== undefined && target.host === undefined) {
    throw new Error("ScratchTarget.port needs ScratchTarget.host: a port alone cannot be placed in a host list");
  }
}

/**
 * The overrides that give the in-container prelude its target
 * ({@link PRELUDE_VARIABLES}); the prelude removes them before the command
 * runs.
 */
export function preludeEnvironment(target: ScratchTarget, realHosts: readonly string[] = []): Record<string, string> {
  checkScratchTarget(target);
  const v = PRELUDE_VARIABLES;
  return {
    ...(target.host === undefined ? {} : { [v.host]: target.host }),
    ...(target.port === undefined ? {} : { [v.port]: String(target.port) }),
    ...(target.database === undefined ? {} : { [v.database]: target.database }),
    ...(target.login === undefined ? {} : { [v.user]: target.login.user, [v.password]: target.login.password }),
    ...(realHosts.length === 0 ? {} : { [v.realHosts]: realHosts.join(" ") }),
  };
}

/**
 * `command` wrapped in the rehearsal's connection prelude: `sh -c` runs
 * {@link CONNECTION_AWK} (under LC_ALL=C) over the environment the container
 * really has, evals the `export`/`unset` lines it prints, and `exec`s the
 * command's own argv; a refusal stops it with exit 78 before the command
 * starts, its reason on stderr (the task's log stream). The image needs
 * `sh` and `awk` (busybox, Debian's mawk, gawk); the target comes from
 * {@link preludeEnvironment}.
 */
export function connectionPrelude(command: readonly string[]): string[] {
  const script = [
    "if ! command -v awk >/dev/null 2>&1; then",
    `  echo "rehearsal: refused: the migration image has no awk, which the rehearsal needs to point its connection at the copy" >&2`,
    `  exit ${PRELUDE_REFUSED}`,
    "fi",
    `bluegreen_connection=$(LC_ALL=C awk ${shQuote(CONNECTION_AWK)} </dev/null) || exit $?`,
    'eval "$bluegreen_connection"',
    "unset bluegreen_connection",
    'exec "$@"',
  ].join("\n");
  return ["sh", "-c", script, "rehearsal", ...command];
}

/** A string as one POSIX sh word. */
function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
