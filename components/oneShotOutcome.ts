/**
 * What a OneShotCommand decides without running anything: which inputs are
 * valid (Check), when a re-run is due (Diff), the output tail kept with
 * secrets redacted, and the message for a run that failed. Pure, and
 * captured by value with the provider (oneShotCommand.ts).
 */
import { STEP_PURPOSES } from "./contracts/markers";
import { CheckFailure, isUnknown } from "./contracts/providerKit";

/** How a run ended; input to {@link failureMessage}. */
export interface RunOutcome {
  readonly description: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly killedAfterGrace: boolean;
  readonly timeoutSeconds: number;
  readonly durationMs: number;
  readonly outputTail: string;
}

const MAX_TIMEOUT_SECONDS = 86_400;
/** Time between SIGTERM and SIGKILL on timeout: long enough for pg_dump/psql to clean up. */
export const KILL_GRACE_MS = 5_000;
export const TAIL_LINES = 20;
/** Output kept while running; the tail is cut from it, so a chatty command cannot exhaust memory. */
export const OUTPUT_BUFFER_CHARS = 64 * 1024;
const MAX_TAIL_LINE_CHARS = 500;
/** Values shorter than this are not redacted: they are not secrets and would mangle the output. */
const MIN_REDACTED_LENGTH = 4;

/** Check: the reasons `news` cannot run; values unknown during preview are accepted. */
export function validateOneShotInputs(news: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const known = (value: unknown) => !isUnknown(value);
  const nonEmptyString = (value: unknown) => typeof value === "string" && value.trim() !== "";
  if (known(news.description) && !nonEmptyString(news.description)) {
    failures.push({
      property: "description",
      reason: 'description must be a non-empty string, e.g. "snapshot api-pre-42"',
    });
  }
  const purposes: unknown[] = Object.values(STEP_PURPOSES);
  if (news.purpose !== undefined && known(news.purpose) && !purposes.includes(news.purpose)) {
    failures.push({
      property: "purpose",
      reason: `purpose must be one of ${purposes.map((p) => JSON.stringify(p)).join(", ")} or absent, got ${JSON.stringify(news.purpose)}`,
    });
  }
  if (known(news.runKey) && !nonEmptyString(news.runKey)) {
    failures.push({
      property: "runKey",
      reason: "runKey must be a non-empty string, e.g. the migration version; the command re-runs when it changes",
    });
  }
  const command = news.command;
  if (known(command)) {
    if (!Array.isArray(command) || command.length === 0 || !nonEmptyString(command[0])) {
      failures.push({
        property: "command",
        reason: `command must be a non-empty argv array with a program first, got ${JSON.stringify(command)}`,
      });
    } else if (command.some((arg) => known(arg) && typeof arg !== "string")) {
      failures.push({
        property: "command",
        reason: "every command argument must be a string (argv is run without a shell)",
      });
    }
  }
  const timeout = news.timeoutSeconds;
  if (
    known(timeout) &&
    !(typeof timeout === "number" && Number.isInteger(timeout) && timeout >= 1 && timeout <= MAX_TIMEOUT_SECONDS)
  ) {
    failures.push({
      property: "timeoutSeconds",
      reason: `timeoutSeconds must be a whole number from 1 to ${MAX_TIMEOUT_SECONDS}, got ${JSON.stringify(timeout)}`,
    });
  }
  const env = news.env;
  if (known(env) && env !== undefined && (typeof env !== "object" || env === null || Array.isArray(env))) {
    failures.push({ property: "env", reason: "env must be an object of NAME: value strings" });
  } else if (env && typeof env === "object") {
    const bad = Object.entries(env)
      .filter(([, value]) => known(value) && typeof value !== "string")
      .map(([name]) => name);
    if (bad.length > 0)
      failures.push({ property: "env", reason: `env values must be strings; not strings: ${bad.join(", ")}` });
  }
  return failures;
}

/**
 * Diff: a re-run is due only when the run key or the command changes; a run is never "replaced". A migration
 * and a snapshot run once per run key (the migration version, the snapshot's name) whatever their command
 * becomes: the same version of a migration must never run twice because the platform wraps it differently.
 */
export function oneShotChanges(olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
  const changed: string[] = [];
  if (olds.runKey !== news.runKey) changed.push("runKey");
  const oncePerKey = news.purpose === STEP_PURPOSES.migration || news.purpose === STEP_PURPOSES.snapshot;
  if (!oncePerKey && JSON.stringify(olds.command) !== JSON.stringify(news.command)) changed.push("command");
  return changed;
}

/** The last `count` lines of `text`, each cut to a readable length; trailing blank lines dropped. */
export function tailLines(text: string, count: number): string {
  const lines = text.replace(/\r\n/g, "\n").replace(/\n+$/, "").split("\n");
  return lines
    .slice(-count)
    .map((line) => (line.length > MAX_TAIL_LINE_CHARS ? `${line.slice(0, MAX_TAIL_LINE_CHARS)}...` : line))
    .join("\n");
}

/** Replaces every env value (longest first) by `<env:NAME>`, so output that echoes a secret never reaches state or logs. */
export function redactEnv(text: string, env: Record<string, string>): string {
  return Object.entries(env)
    .filter(([, value]) => value.length >= MIN_REDACTED_LENGTH)
    .sort(([, a], [, b]) => b.length - a.length)
    .reduce((redacted, [name, value]) => redacted.split(value).join(`<env:${name}>`), text);
}

/** The error thrown for a run that did not exit 0: what ran, how it ended vs the limit, the output, the fix. */
export function failureMessage(outcome: RunOutcome): string {
  const took = `${(outcome.durationMs / 1000).toFixed(1)} s`;
  let what: string;
  let fix: string;
  if (outcome.timedOut) {
    const kill = outcome.killedAfterGrace
      ? `did not stop on SIGTERM, killed with SIGKILL after ${KILL_GRACE_MS / 1000} s grace`
      : "stopped with SIGTERM";
    what = `timed out: still running after the limit of timeoutSeconds=${outcome.timeoutSeconds} (${kill}; ran ${took})`;
    fix = "raise timeoutSeconds if the command needs longer, or find why it hangs";
  } else if (outcome.signal !== null) {
    what = `was killed by signal ${outcome.signal} after ${took}`;
    fix = "find what killed it (out of memory? an operator?) and run `pulumi up` again";
  } else {
    what = `exited with code ${outcome.exitCode} (expected 0) after ${took}`;
    fix = "fix the cause shown in the output and run `pulumi up` again";
  }
  const output = outcome.outputTail === "" ? "(no output)" : outcome.outputTail;
  return `${outcome.description}: ${what}. Last ${TAIL_LINES} lines of output:\n${output}\nFix: ${fix}; it re-runs because this run did not complete.`;
}
