/**
 * The stack's update history (the Automation API's `stack.history()`) as
 * release rows, newest first: when, how long, the engine's result, the
 * versions and weights each update's config set, and the release record its
 * message carries. Pure. Only `bluegreen:blue`, `bluegreen:green` and
 * `bluegreen:traffic` are read from an update's config, and only the
 * versions and weights in them: other values (gate headers, webhook URLs)
 * are never copied into a row, and a key the engine marks secret shows as
 * `[secret]`.
 */
import type { UpdateSummary } from "@pulumi/pulumi/automation";
import { CONFIG_NAMESPACE } from "../../components/config/issues";
import { Color, COLORS } from "../../components/contracts/colors";
import { trafficPlan, TrafficWeights } from "../../components/traffic";
import { describeRecord, parseReleaseRecord, ReleaseRecord } from "./record";

/** What a version shows when the engine keeps the color's config secret. */
export const SECRET_VALUE = "[secret]";

/** An update as `pulumi stack history --json` gives it; without `--show-secrets` a secret value is absent. */
export type HistoryEntry = Pick<UpdateSummary, "kind" | "result" | "startTime" | "message"> & {
  readonly version?: number;
  readonly endTime?: Date;
  readonly config?: Readonly<Record<string, { readonly value?: string; readonly secret?: boolean }>>;
  readonly resourceChanges?: Readonly<Record<string, number | undefined>>;
};

export interface ReleaseRow {
  /** The backend's update number; undefined where it numbers none (a file backend). */
  readonly update?: number;
  readonly startTime: Date;
  readonly endTime?: Date;
  /** undefined while the update runs. */
  readonly durationSeconds?: number;
  readonly kind: string;
  /** The engine's result: succeeded, failed, in-progress... */
  readonly result: string;
  /** Each color's version in the update's config; SECRET_VALUE when secret, undefined when absent. */
  readonly versions: Readonly<Record<Color, string | undefined>>;
  /** `bluegreen:migration.version` in the update's config; undefined when absent, secret or unreadable. */
  readonly migrationVersion?: string;
  /** The weights in the update's config; undefined when absent or unreadable. */
  readonly weights?: TrafficWeights;
  readonly percent?: TrafficWeights;
  readonly record?: ReleaseRecord;
  /** Why the message's record line could not be read. */
  readonly recordProblem?: string;
  /** The message's human line. */
  readonly title: string;
  readonly resourceChanges: Readonly<Record<string, number>>;
  readonly summary: string;
}

/** Rows newest first (by start time; the CLI's order on a tie). */
export function releaseRows(entries: readonly HistoryEntry[]): ReleaseRow[] {
  return entries
    .map(releaseRow)
    .map((row, index) => ({ row, index }))
    .sort((a, b) => b.row.startTime.getTime() - a.row.startTime.getTime() || a.index - b.index)
    .map(({ row }) => row);
}

export function releaseRow(entry: HistoryEntry): ReleaseRow {
  const parsed = parseReleaseRecord(entry.message ?? "");
  const traffic = configObject(entry, "traffic");
  const weights = traffic === "secret" ? undefined : weightsOf(traffic);
  const ended = entry.result !== "in-progress" && validDate(entry.endTime) ? entry.endTime : undefined;
  const record = parsed.kind === "record" ? parsed.record : undefined;
  const recordProblem = parsed.kind === "malformed" ? parsed.problem : undefined;
  return {
    update: entry.version !== undefined && entry.version > 0 ? entry.version : undefined,
    startTime: entry.startTime,
    endTime: ended,
    durationSeconds: ended && Math.max(0, Math.round((ended.getTime() - entry.startTime.getTime()) / 1000)),
    kind: entry.kind,
    result: entry.result,
    versions: Object.fromEntries(COLORS.map((color) => [color, versionOf(entry, color)])) as Record<
      Color,
      string | undefined
    >,
    migrationVersion: migrationVersionOf(entry),
    weights,
    percent: weights && trafficPlan(weights).percent,
    record,
    recordProblem,
    title: parsed.title,
    resourceChanges: Object.fromEntries(
      Object.entries(entry.resourceChanges ?? {}).filter((e): e is [string, number] => typeof e[1] === "number"),
    ),
    summary: summaryOf(entry.result, parsed.title, record, recordProblem),
  };
}

function summaryOf(result: string, title: string, record?: ReleaseRecord, problem?: string): string {
  const failed = result === "failed" ? "FAILED: " : "";
  if (record) return `${failed}${describeRecord(record, result === "failed")}`;
  const text = title || "no message";
  return `${failed}${problem ? `${text} [release record unreadable: ${problem}]` : text}`;
}

function versionOf(entry: HistoryEntry, color: Color): string | undefined {
  const config = configObject(entry, color);
  if (config === "secret") return SECRET_VALUE;
  return typeof config?.version === "string" ? config.version : undefined;
}

function migrationVersionOf(entry: HistoryEntry): string | undefined {
  const config = configObject(entry, "migration");
  return config !== "secret" && typeof config?.version === "string" ? config.version : undefined;
}

/**
 * The update that ran the rehearsal of `migrationVersion`: the first that succeeded with it in its config since it
 * was last configured (rows newest first). A rehearsal runs once per migration version and a failed one is run again
 * by the next update; undefined when no row in `rows` can be told to be it.
 */
export function rehearsedIn(rows: readonly ReleaseRow[], migrationVersion: string): ReleaseRow | undefined {
  let found: ReleaseRow | undefined;
  for (const row of rows) {
    if (row.migrationVersion !== migrationVersion) break;
    if (row.result === "succeeded" && row.kind === "update") found = row;
  }
  return found;
}

/** Whole weights of both colors, at least one above 0; strings of digits count (a hand-edited stack file). */
function weightsOf(traffic: Record<string, unknown> | undefined): TrafficWeights | undefined {
  const whole = (value: unknown) =>
    typeof value === "number" && Number.isInteger(value) && value >= 0
      ? value
      : typeof value === "string" && /^\d+$/.test(value)
        ? Number(value)
        : undefined;
  const blue = whole(traffic?.blue);
  const green = whole(traffic?.green);
  return blue === undefined || green === undefined || blue + green === 0 ? undefined : { blue, green };
}

/** `bluegreen:<key>` as an object (the engine passes objects as JSON text), "secret" when the engine marks it so. */
function configObject(entry: HistoryEntry, key: string): Record<string, unknown> | "secret" | undefined {
  const item = entry.config?.[`${CONFIG_NAMESPACE}:${key}`];
  if (item === undefined) return undefined;
  if (item.secret) return "secret";
  try {
    const value: unknown = JSON.parse(item.value ?? "");
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function validDate(date: Date | undefined): date is Date {
  return date instanceof Date && !Number.isNaN(date.getTime()) && date.getTime() > 0;
}
