/**
 * One database session kept open for a test or a bench: a psql process fed
 * on stdin, each query timed on the client's side from the moment it is
 * written to the moment psql has answered it (a marker echoed after it). So
 * an app's connection, or a transaction left open, can be played against a
 * real Postgres without a driver: each session is a backend of its own, and
 * a query blocked on a lock blocks only its session.
 */
import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import type { PgEnv } from "./postgres";

export interface Answer {
  /** Rows as psql prints them unaligned (`a|b`), one a line. */
  readonly output: string;
  /** What psql wrote to stderr while the query ran (an ERROR, a NOTICE), if anything. */
  readonly errors: string;
  /** From writing the query to reading its answer. */
  readonly ms: number;
}

const MARKER = "@@bluegreen-psql-session-done@@";

export class PsqlSession {
  private stdout = "";
  private stderr = "";
  private readonly pending: { resolve: (answer: Answer) => void; started: bigint; stderrFrom: number }[] = [];
  private exited = false;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => this.read(chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    child.on("exit", () => (this.exited = true));
  }

  /** Connects with the libpq variables of `env` (and `extra`, e.g. PGOPTIONS) and answers a first query. */
  static async open(env: PgEnv, extra: Record<string, string> = {}): Promise<PsqlSession> {
    // No ON_ERROR_STOP: a failed query is an answer, and the session goes on, as an app's connection does.
    const child = spawn("psql", ["-X", "-q", "-A", "-t", "-w"], {
      env: { ...process.env, ...env, ...extra },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const session = new PsqlSession(child);
    const first = await session.query("select 1;");
    if (first.output !== "1") throw new Error(`psql session did not connect: ${first.errors || first.output}`);
    return session;
  }

  /** Runs `sql` (one or more statements, each ending in ';') and resolves with its answer, however long it waits. */
  query(sql: string): Promise<Answer> {
    if (this.exited) return Promise.reject(new Error(`psql session has exited: ${this.stderr}`));
    return new Promise((resolve) => {
      this.pending.push({ resolve, started: process.hrtime.bigint(), stderrFrom: this.stderr.length });
      this.child.stdin.write(`${sql}\n\\echo ${MARKER}\n`);
    });
  }

  /** Everything psql wrote to stderr so far (errors, notices). */
  get errorOutput(): string {
    return this.stderr;
  }

  /** Ends the session (an open transaction is rolled back by the server). */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin.end();
    await exited;
  }

  private read(chunk: string): void {
    this.stdout += chunk;
    for (;;) {
      const end = this.stdout.indexOf(`${MARKER}\n`);
      if (end < 0) return;
      const output = this.stdout.slice(0, end).trim();
      this.stdout = this.stdout.slice(end + MARKER.length + 1);
      const waiting = this.pending.shift();
      if (waiting === undefined) continue;
      waiting.resolve({
        output,
        errors: this.stderr.slice(waiting.stderrFrom).trim(),
        ms: Number(process.hrtime.bigint() - waiting.started) / 1e6,
      });
    }
  }
}

/** The median and the largest of some latencies, in ms. */
export function latencySummary(values: readonly number[]): { p50: number; max: number; count: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const p50 = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { p50, max: sorted[sorted.length - 1], count: sorted.length };
}
