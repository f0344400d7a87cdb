/**
 * A stack as the release commands (`shift`, `watch`) drive it: its config,
 * its outputs, `pulumi up`, and tags that live with the stack in its backend
 * (approvals are decided there, from any machine). The Automation API is one
 * such stack (automation.ts); tests use in-memory ones with scripted failures.
 */

export interface UpOptions {
  /** The update message: a human line and the release record (history reads it). */
  readonly message: string;
  /** Cancels the update gracefully (the CLI's own SIGINT handling): Ctrl-C. */
  readonly signal?: AbortSignal;
  /** Run the policy pack. A rollback does not: an unrelated violation must never block it. */
  readonly policies: boolean;
  /** Raw engine output (shown with --verbose). */
  readonly onOutput: (text: string) => void;
}

export interface StackConfigValues {
  readonly values: Record<string, string>;
  readonly secretKeys: string[];
}

export interface ReleaseStack {
  readonly name: string;
  /** Full key → value as the engine passes it to the program (objects as JSON text), and the keys set with `--secret`. */
  readConfig(): Promise<StackConfigValues>;
  /** The outputs of the last successful update; undefined before the first one. */
  readOutputs(): Promise<Record<string, unknown> | undefined>;
  /** Sets values by path (`bluegreen:traffic.green`), like `pulumi config set --path`. */
  setConfig(values: Record<string, string>): Promise<void>;
  /** `pulumi up`; rejects with UpdateFailed (or StackLocked) when the update fails. */
  up(options: UpOptions): Promise<void>;
  /** A stack tag's value; undefined when unset. */
  getTag(key: string): Promise<string | undefined>;
  setTag(key: string, value: string): Promise<void>;
  removeTag(key: string): Promise<void>;
}
