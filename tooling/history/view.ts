/**
 * Release rows as `npm run history` prints them: an aligned table, or a
 * stable JSON document (fixed keys in a fixed order, absent values as null;
 * docs/operations.md, "History"). Pure.
 */
import { COLORS } from "../../components/contracts/colors";
import { formatDuration } from "../release/steps";
import { describeRehearsal, RehearsalReport } from "../../components/contracts/rehearsalReport";
import { ReleaseRow, rehearsedIn } from "./rows";

export interface HistoryView {
  readonly stack: string;
  readonly rows: readonly ReleaseRow[];
  /** The most rows asked for; the header says when there may be more. */
  readonly limit: number;
  /** The last migration's rehearsal, from the stack's `rehearsal` output (the state keeps the latest only). */
  readonly rehearsal?: RehearsalReport;
}

export function renderHistoryTable(view: HistoryView): string {
  const { stack, rows, limit } = view;
  if (rows.length === 0) return `Stack ${stack} has no updates yet.`;
  const numbered = rows.some((row) => row.update !== undefined);
  const header = [
    ...(numbered ? ["#"] : []),
    "started (UTC)",
    "took",
    "kind",
    "result",
    ...COLORS,
    "release",
    "gate blue/green",
    "watch",
    "summary",
  ];
  const cells = rows.map((row) => [
    ...(numbered ? [row.update === undefined ? "-" : String(row.update)] : []),
    `${row.startTime.toISOString().slice(0, 19).replace("T", " ")}Z`,
    row.durationSeconds === undefined ? "-" : formatDuration(row.durationSeconds * 1000),
    row.kind,
    row.result,
    ...COLORS.map((color) => colorCell(row, color)),
    row.record ? [row.record.command, row.record.step].filter(Boolean).join(" ") : row.recordProblem ? "?" : "-",
    row.record?.gate ? COLORS.map((color) => row.record?.gate?.[color] ?? "-").join("/") : "-",
    row.record?.watch?.outcome ?? "-",
    row.summary,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i].length)));
  // The summary is last and left ragged, so a long one never widens the other columns.
  const line = (values: string[]) =>
    values
      .map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const more = rows.length >= limit ? ` (the ${limit} newest: --limit N shows more)` : "";
  return [
    `Stack ${stack}: ${rows.length} update${rows.length === 1 ? "" : "s"}, newest first${more}`,
    `  ${line(header)}`,
    ...cells.map((values) => `  ${line(values)}`),
    ...rehearsalLines(view),
  ].join("\n");
}

function rehearsalLines({ rows, rehearsal }: HistoryView): string[] {
  if (rehearsal === undefined) return [];
  const row = rehearsedIn(rows, rehearsal.migrationVersion);
  const when = row ? ` (in the update started ${row.startTime.toISOString().slice(0, 19).replace("T", " ")}Z)` : "";
  return ["", `Rehearsal${when}: ${describeRehearsal(rehearsal)}`];
}

/** "1.5.0 25%": the color's version and share in the update's config. */
function colorCell(row: ReleaseRow, color: (typeof COLORS)[number]): string {
  const version = row.versions[color] ?? "?";
  return row.percent ? `${version} ${row.percent[color]}%` : version;
}

/** The `--json` document; keys and their order are part of the documented format. */
export function historyJson(view: HistoryView): string {
  const perColor = <T>(values: Readonly<Partial<Record<(typeof COLORS)[number], T>>> | undefined) =>
    values === undefined ? null : { blue: values.blue ?? null, green: values.green ?? null };
  return JSON.stringify(
    {
      stack: view.stack,
      updates: view.rows.map((row) => ({
        update: row.update ?? null,
        startTime: row.startTime.toISOString(),
        endTime: row.endTime?.toISOString() ?? null,
        durationSeconds: row.durationSeconds ?? null,
        kind: row.kind,
        result: row.result,
        versions: perColor(row.versions),
        weights: perColor(row.weights),
        percent: perColor(row.percent),
        migrationVersion: row.migrationVersion ?? null,
        release: row.record
          ? {
              command: row.record.command,
              step: row.record.step ?? null,
              target: row.record.target ?? null,
              weights: { before: perColor(row.record.weights.before), after: perColor(row.record.weights.after) },
              gate: perColor(row.record.gate),
              watch: row.record.watch
                ? { outcome: row.record.watch.outcome, reason: row.record.watch.reason ?? null }
                : null,
              result: row.record.result,
            }
          : null,
        releaseProblem: row.recordProblem ?? null,
        title: row.title,
        resourceChanges: row.resourceChanges,
        summary: row.summary,
      })),
      rehearsal: view.rehearsal
        ? {
            updateStartTime: rehearsedIn(view.rows, view.rehearsal.migrationVersion)?.startTime.toISOString() ?? null,
            migrationVersion: view.rehearsal.migrationVersion,
            durationMs: view.rehearsal.durationMs,
            sampledEveryMs: view.rehearsal.sampledEveryMs,
            locks: view.rehearsal.locks.map((l) => ({ table: l.table, mode: l.mode, heldMs: l.heldMs })),
          }
        : null,
    },
    null,
    2,
  );
}
