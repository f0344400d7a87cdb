/**
 * The migration rehearsal's report (a `bluegreen-report/v1` line, see
 * stepReports.ts): from the real data of its copy, how long the migration
 * ran and which locks it held on which table for how long (sampled).
 * Written by the rehearsal script, exported as the stack's `rehearsal`
 * output (outputs.ts) and shown by `status`, `history` and `shift`'s plan.
 */
import { z } from "zod";

export const rehearsalReportSchema = z.object({
  kind: z.literal("migration-rehearsal"),
  migrationVersion: z.string(),
  /** The migration's wall time on the copy, by the copy's clock. */
  durationMs: z.number().nonnegative(),
  /** How often the locks were sampled: a lock held for less may be missed. */
  sampledEveryMs: z.number().positive(),
  locks: z.array(
    z.object({
      /** `schema.table`. */
      table: z.string(),
      /** Postgres's lock mode (`AccessExclusiveLock`, `ShareLock`...). */
      mode: z.string(),
      /** From the first sample that saw it to the last, plus one interval: a lower bound within one interval. */
      heldMs: z.number().nonnegative(),
    }),
  ),
});

export type RehearsalReport = z.infer<typeof rehearsalReportSchema>;
/** A lock the migration held on a table, as the rehearsal sampled it. */
export type LockHeld = RehearsalReport["locks"][number];

/** A rehearsal report, when `value` is one (a step's report as read back from state); undefined otherwise. */
export function asRehearsalReport(value: unknown): RehearsalReport | undefined {
  const parsed = rehearsalReportSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** `migration 2 rehearsed ...: ran 1.2 s; held public.orders AccessExclusiveLock 1.1 s, ...`. */
export function describeRehearsal(report: RehearsalReport): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const locks =
    report.locks.length === 0
      ? `no lock seen (sampled every ${report.sampledEveryMs} ms)`
      : report.locks.map((l) => `${l.table} ${l.mode} ${seconds(l.heldMs)}`).join(", ");
  return `migration ${report.migrationVersion} rehearsed on a copy of the real data: ran ${seconds(report.durationMs)}; held ${locks}`;
}
