/**
 * A failed `pulumi up` as a ShiftStack reports it: the engine's own text,
 * and what each promotion gate said. The gates' messages come from the
 * engine's diagnostic events for resources of the gate's type, so a gate
 * failure is recognised by where it came from, never by searching the text.
 */
export class UpdateFailed extends Error {
  constructor(
    message: string,
    /** Error diagnostics of promotion gate resources, as the engine reported them. */
    readonly gateMessages: readonly string[],
  ) {
    super(message);
    this.name = "UpdateFailed";
  }
}

/**
 * The line worth showing from a failed `pulumi up`: the gate's own message
 * when a gate blocked, else the first specific engine error, else the first
 * line.
 */
export function failureReason(error: unknown): string {
  const gate = error instanceof UpdateFailed ? error.gateMessages[0] : undefined;
  return (gate === undefined ? engineError(error) : condense(gate)).replace(/[.\s]+$/, "");
}

/** A gate's message on one line, without the retry hint (the shift says what it does next). */
function condense(message: string): string {
  return message
    .split("\n")
    .map((line) => line.trim().replace(/^error:\s*/, ""))
    .filter((line) => line !== "" && !line.startsWith("To retry"))
    .join(" ");
}

function engineError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split("\n").map((line) => line.trim());
  const specific = lines
    .map((line) => /(?:^|\s)error:\s*(.+)$/.exec(line)?.[1])
    .find((m) => m !== undefined && m !== "update failed");
  // The Automation API's CommandError reads "code: N / stdout: ... / stderr: ...".
  return specific ?? /stderr: (.+)/.exec(text)?.[1] ?? lines.find((line) => line !== "") ?? "unknown error";
}

/** Another update holds the stack's lock (the engine's ConcurrentUpdateError): nothing was changed. */
export class StackLocked extends Error {
  readonly explained = true;
  constructor(stack: string) {
    super(
      `stack ${stack} is locked by another update (a \`pulumi up\` or a release running elsewhere): nothing was changed. ` +
        `Wait for it to end and run again. If no update is running (a crashed one left the lock), \`pulumi cancel -s ${stack}\` releases it; check \`npm run status -- ${stack}\` first.`,
    );
    this.name = "StackLocked";
  }
}
