/**
 * The release record: what `npm run deploy`/`shift`/`watch` write into the
 * message of each `pulumi up` they run, so that the stack's own update
 * history tells the release's story (`npm run history`). The message is a
 * human first line, then one line `bluegreen-release/v1 {json}`. Defined
 * once here, written by formatUpdateMessage and read by parseReleaseRecord;
 * documented in docs/operations.md, "History".
 */
import { z } from "zod";
import { COLORS } from "../../components/contracts/colors";
import { MAX_TRAFFIC_WEIGHT } from "../../components/contracts/limits";
import type { StackOutputs } from "../../components/contracts/outputs";
import { formatSplit } from "../../components/traffic";

/** Starts the record's line; a reader that meets another version reports it instead of guessing. */
export const RELEASE_RECORD_TAG = "bluegreen-release/v1";
const ANY_RECORD_TAG = /^bluegreen-release\/(\S+)(?: |$)/;

/** The command that ran the update. */
export const RELEASE_COMMANDS = ["deploy", "shift", "watch", "abort", "rollback"] as const;

type OutputVerdict = NonNullable<NonNullable<StackOutputs["gateVerdicts"]>["blue"]>;
/** A color's gate verdict: the stack's `gateVerdicts` output (passed, skipped), or blocked when the gate refused the update. */
export const GATE_VERDICTS = ["passed", "skipped", "blocked"] as const satisfies readonly (OutputVerdict | "blocked")[];

/**
 * What watching a holding release concluded: every round within `bluegreen:watch`'s limits, a limit crossed
 * (traffic goes back), too few samples to judge (traffic stays), or stopped before it concluded.
 */
export const WATCH_OUTCOMES = ["healthy", "breach", "inconclusive", "interrupted"] as const;

/**
 * Where the release stands once this update succeeds (the engine's own result says whether it did): the stack
 * file applied as is; traffic moved toward the target, more steps or a bake follow; the target holds its final
 * share and its bake passed; traffic set back after a failed step or a breach; all traffic back to the stable
 * color on request; traffic left where it is (an inconclusive watch, an interruption).
 */
export const RELEASE_RESULTS = ["deployed", "progressing", "completed", "rolled-back", "aborted", "stopped"] as const;

const weight = z.number().int().min(0).max(MAX_TRAFFIC_WEIGHT);
const weightsSchema = z
  .object({ blue: weight, green: weight })
  .refine((w) => w.blue + w.green > 0, "needs a weight above 0 on one color");
const oneLine = z.string().regex(/^[^\r\n]*$/, "must be one line");

export const releaseRecordSchema = z.object({
  command: z.enum(RELEASE_COMMANDS),
  /** `2/4` for a shift's second of four steps, `bake` for the hold after the last one. */
  step: z
    .string()
    .regex(/^(\d+\/\d+|bake)$/, 'is "<n>/<total>" or "bake"')
    .optional(),
  /** The color gaining traffic. */
  target: z.enum(COLORS).optional(),
  /** Weights before the update and the ones it sets (equal for a record-only update). */
  weights: z.object({ before: weightsSchema, after: weightsSchema }),
  /** Verdicts the command knows when it writes the record (the previous update's, or the failure it reacts to). */
  gate: z.object({ blue: z.enum(GATE_VERDICTS).optional(), green: z.enum(GATE_VERDICTS).optional() }).optional(),
  watch: z.object({ outcome: z.enum(WATCH_OUTCOMES), reason: oneLine.optional() }).optional(),
  result: z.enum(RELEASE_RESULTS),
});

export type ReleaseRecord = z.infer<typeof releaseRecordSchema>;

/** A message with no record line is a plain update (`pulumi up -m`, a refresh); a bad line is reported, never thrown. */
export type ParsedMessage =
  | { readonly kind: "plain"; readonly title: string }
  | { readonly kind: "record"; readonly title: string; readonly record: ReleaseRecord }
  | { readonly kind: "malformed"; readonly title: string; readonly problem: string };

/** The update message: the human line, then the record's line with its keys in a fixed order. */
export function formatUpdateMessage(record: ReleaseRecord): string {
  const parsed = releaseRecordSchema.safeParse(record);
  // A writer's bug: fail the command before its update rather than write a record no reader accepts.
  if (!parsed.success) throw new Error(`invalid release record: ${problems(parsed.error)}`);
  const checked = parsed.data;
  const ordered = {
    command: checked.command,
    step: checked.step,
    target: checked.target,
    weights: {
      before: { blue: checked.weights.before.blue, green: checked.weights.before.green },
      after: { blue: checked.weights.after.blue, green: checked.weights.after.green },
    },
    gate: checked.gate && { blue: checked.gate.blue, green: checked.gate.green },
    watch: checked.watch && { outcome: checked.watch.outcome, reason: checked.watch.reason },
    result: checked.result,
  };
  return `${describeRecord(checked)}\n${RELEASE_RECORD_TAG} ${JSON.stringify(ordered)}`;
}

export function parseReleaseRecord(message: string): ParsedMessage {
  const lines = message.split(/\r?\n/);
  const recordLines = lines.filter((line) => ANY_RECORD_TAG.test(line));
  const title = lines.find((line) => line.trim() !== "" && !ANY_RECORD_TAG.test(line))?.trim() ?? "";
  if (recordLines.length === 0) return { kind: "plain", title };
  const malformed = (problem: string): ParsedMessage => ({ kind: "malformed", title, problem });
  if (recordLines.length > 1) return malformed(`${recordLines.length} record lines where one is expected`);
  const [line] = recordLines;
  const tag = ANY_RECORD_TAG.exec(line)![0].trim();
  if (tag !== RELEASE_RECORD_TAG) return malformed(`${tag} is not a version this tool reads (${RELEASE_RECORD_TAG})`);
  let json: unknown;
  try {
    json = JSON.parse(line.slice(tag.length));
  } catch (e) {
    return malformed(`not JSON after ${tag}: ${(e as Error).message}`);
  }
  const parsed = releaseRecordSchema.safeParse(json);
  if (!parsed.success) return malformed(problems(parsed.error));
  return { kind: "record", title, record: parsed.data };
}

function problems(error: z.ZodError): string {
  return error.issues.map((issue) => `\`${issue.path.join(".") || "."}\` ${issue.message}`).join("; ");
}

/**
 * One line: "shift to green step 2/4: blue 75% / green 25% -> blue 50% / green 50%; gate green passed; progressing".
 * A rollback or abort names the color it takes traffic from. An update that failed applied nothing, so it never
 * reached the result the record was written for: that says "not applied" instead.
 */
export function describeRecord(record: ReleaseRecord, updateFailed = false): string {
  const { before, after } = record.weights;
  const held = before.blue === after.blue && before.green === after.green;
  const away = record.command === "rollback" || record.command === "abort";
  const head = [
    record.command,
    record.target && `${away ? "of" : "to"} ${record.target}`,
    record.step && `step ${record.step}`,
  ]
    .filter(Boolean)
    .join(" ");
  const verdicts = COLORS.flatMap((color) => {
    const verdict = record.gate?.[color];
    return verdict === undefined ? [] : [`${color} ${verdict}`];
  });
  return [
    `${head}: ${held ? `holding ${formatSplit(after)}` : `${formatSplit(before)} -> ${formatSplit(after)}`}`,
    ...(verdicts.length > 0 ? [`gate ${verdicts.join(", ")}`] : []),
    ...(record.watch ? [`watch ${record.watch.outcome}${record.watch.reason ? ` (${record.watch.reason})` : ""}`] : []),
    updateFailed ? "not applied" : record.result,
  ].join("; ");
}
