/**
 * Ctrl-C during a release, decided by what the command is doing: during a
 * step it cancels the running `pulumi up` gracefully (the Automation API's
 * signal: one SIGINT to the CLI) and the previous weights are put back;
 * while holding it stops without moving traffic; while weights are being
 * put back it is ignored, because stopping then would leave traffic split.
 */
export type ReleasePhase = "starting" | "step" | "hold" | "restore";

export class Interrupts {
  private readonly controller = new AbortController();
  private phase: ReleasePhase = "starting";

  constructor(private readonly say: (line: string) => void) {}

  /** Aborts the running update or hold on the first Ctrl-C outside a restore. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get interrupted(): boolean {
    return this.controller.signal.aborted;
  }

  enter(phase: ReleasePhase): void {
    this.phase = phase;
  }

  /** The SIGINT (and SIGTERM) handler. */
  onSignal(): void {
    if (this.phase === "restore") {
      this.say(
        "Ctrl-C ignored: the previous weights are being put back, and stopping now could leave traffic split. It ends on its own.",
      );
      return;
    }
    if (this.interrupted) {
      this.say("Ctrl-C again: already stopping, gracefully; wait for it to end.");
      return;
    }
    this.say(
      this.phase === "step"
        ? "Ctrl-C: cancelling the running `pulumi up` gracefully; the previous weights will be put back."
        : "Ctrl-C: stopping; traffic stays where it is.",
    );
    this.controller.abort();
  }
}
