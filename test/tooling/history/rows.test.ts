import { describe, expect, it } from "vitest";
import { formatUpdateMessage, ReleaseRecord } from "../../../tooling/history/record";
import { HistoryEntry, releaseRows, SECRET_VALUE } from "../../../tooling/history/rows";
import { historyJson, renderHistoryTable } from "../../../tooling/history/view";

const T0 = Date.parse("2026-11-30T10:00:00Z");

/** An update as `pulumi stack history --json` gives it, `minutes` after T0, taking `seconds`. */
function entry(
  minutes: number,
  options: {
    message?: string;
    result?: HistoryEntry["result"];
    kind?: HistoryEntry["kind"];
    traffic?: Record<string, unknown>;
    versions?: [string, string];
    seconds?: number;
    config?: HistoryEntry["config"];
    version?: number;
  } = {},
): HistoryEntry {
  const [blue, green] = options.versions ?? ["1.4.2", "1.5.0"];
  const json = (value: unknown) => ({ value: JSON.stringify(value), secret: false });
  return {
    version: options.version ?? 0,
    kind: options.kind ?? "update",
    result: options.result ?? "succeeded",
    message: options.message ?? "",
    startTime: new Date(T0 + minutes * 60_000),
    endTime: new Date(T0 + minutes * 60_000 + (options.seconds ?? 65) * 1000),
    config: {
      "aws:region": { value: "eu-west-1", secret: false },
      "bluegreen:blue": json({ version: blue, image: `api:${blue}` }),
      "bluegreen:green": json({ version: green, image: `api:${green}` }),
      "bluegreen:traffic": json(options.traffic ?? { blue: 90, green: 10, stickinessSeconds: 300 }),
      ...options.config,
    },
    resourceChanges: { same: 40, update: 3 },
  };
}

const weights = (beforeGreen: number, afterGreen: number) => ({
  before: { blue: 100 - beforeGreen, green: beforeGreen },
  after: { blue: 100 - afterGreen, green: afterGreen },
});
const STEP_1: ReleaseRecord = {
  command: "shift",
  step: "1/2",
  target: "green",
  weights: weights(10, 50),
  gate: { green: "passed" },
  result: "progressing",
};
const STEP_2: ReleaseRecord = { ...STEP_1, step: "2/2", weights: weights(50, 100), result: "progressing" };
const ROLLBACK: ReleaseRecord = {
  command: "rollback",
  step: "2/2",
  target: "green",
  weights: weights(100, 50),
  gate: { green: "blocked" },
  result: "rolled-back",
};
const BAKE: ReleaseRecord = {
  command: "watch",
  step: "bake",
  target: "green",
  weights: weights(100, 100),
  watch: { outcome: "healthy", reason: "10 rounds within limits" },
  result: "completed",
};

/** A release told by its updates, oldest first as they happened. */
const HISTORY: HistoryEntry[] = [
  entry(0, { message: "" }),
  entry(10, { message: formatUpdateMessage(STEP_1), traffic: { blue: 50, green: 50 } }),
  entry(20, {
    message: formatUpdateMessage(STEP_2),
    traffic: { blue: 0, green: 100 },
    result: "failed",
    seconds: 12,
  }),
  entry(21, { message: formatUpdateMessage(ROLLBACK), traffic: { blue: 50, green: 50 }, seconds: 40 }),
  entry(30, { message: "bad record\nbluegreen-release/v1 {oops", traffic: { blue: 50, green: 50 } }),
];

describe("releaseRows", () => {
  it("lists updates newest first with the versions, weights and shares their config set", () => {
    const rows = releaseRows(HISTORY);
    expect(rows.map((row) => row.startTime.toISOString())).toEqual([
      "2026-11-30T10:30:00.000Z",
      "2026-11-30T10:21:00.000Z",
      "2026-11-30T10:20:00.000Z",
      "2026-11-30T10:10:00.000Z",
      "2026-11-30T10:00:00.000Z",
    ]);
    expect(rows.map((row) => [row.result, row.weights, row.percent, row.durationSeconds])).toEqual([
      ["succeeded", { blue: 50, green: 50 }, { blue: 50, green: 50 }, 65],
      ["succeeded", { blue: 50, green: 50 }, { blue: 50, green: 50 }, 40],
      ["failed", { blue: 0, green: 100 }, { blue: 0, green: 100 }, 12],
      ["succeeded", { blue: 50, green: 50 }, { blue: 50, green: 50 }, 65],
      ["succeeded", { blue: 90, green: 10 }, { blue: 90, green: 10 }, 65],
    ]);
    expect(rows[0].versions).toEqual({ blue: "1.4.2", green: "1.5.0" });
    expect(rows[0].resourceChanges).toEqual({ same: 40, update: 3 });
  });

  it("keeps the CLI's order for updates that started in the same second", () => {
    const rows = releaseRows([entry(5, { message: "second" }), entry(5, { message: "first" })]);
    expect(rows.map((row) => row.title)).toEqual(["second", "first"]);
  });

  it("reads each update's release record; a failed update says so before what it meant to do", () => {
    const rows = releaseRows(HISTORY);
    expect(rows.map((row) => row.record)).toEqual([undefined, ROLLBACK, STEP_2, STEP_1, undefined]);
    expect(rows[2].summary).toBe(
      "FAILED: shift to green step 2/2: blue 50% / green 50% -> blue 0% / green 100%; gate green passed; not applied",
    );
    expect(rows[1].summary).toBe(
      "rollback of green step 2/2: blue 0% / green 100% -> blue 50% / green 50%; gate green blocked; rolled-back",
    );
  });

  it("a record-only update that closes a bake shows the watch outcome", () => {
    const [row] = releaseRows([entry(40, { message: formatUpdateMessage(BAKE), traffic: { blue: 0, green: 100 } })]);
    expect(row.record?.watch).toEqual({ outcome: "healthy", reason: "10 rounds within limits" });
    expect(row.summary).toBe(
      "watch to green step bake: holding blue 0% / green 100%; watch healthy (10 rounds within limits); completed",
    );
  });

  it("a plain update shows its message; one without shows that it has none", () => {
    const rows = releaseRows([entry(1, { message: "hotfix: idle timeout\nINC-42" }), entry(0, { kind: "refresh" })]);
    expect(rows.map((row) => [row.kind, row.record, row.recordProblem, row.summary])).toEqual([
      ["update", undefined, undefined, "hotfix: idle timeout"],
      ["refresh", undefined, undefined, "no message"],
    ]);
  });

  it("a malformed record line is reported on its row, never thrown", () => {
    const [row] = releaseRows([HISTORY[4]]);
    expect(row.record).toBeUndefined();
    expect(row.recordProblem).toMatch(/^not JSON after bluegreen-release\/v1: /);
    expect(row.summary).toMatch(/^bad record \[release record unreadable: not JSON after bluegreen-release\/v1: .+\]$/);
  });

  it("weights it cannot read are left out, not guessed", () => {
    const rows = releaseRows([
      entry(3, { traffic: { blue: "90", green: "10" } }),
      entry(2, { traffic: { blue: 0, green: 0 } }),
      entry(1, { traffic: { blue: 0.5, green: 10 } }),
      entry(0, { config: { "bluegreen:traffic": { value: "not json", secret: false } } }),
    ]);
    expect(rows.map((row) => row.weights)).toEqual([{ blue: 90, green: 10 }, undefined, undefined, undefined]);
  });

  it("an update still running has no end and no duration", () => {
    const [row] = releaseRows([{ ...entry(0), result: "in-progress", endTime: new Date(0) }]);
    expect([row.endTime, row.durationSeconds]).toEqual([undefined, undefined]);
  });
});

describe("secrets", () => {
  /** Everything below is what `--show-secrets` would give: the rows must not pass any of it on. */
  const LEAKY = entry(0, {
    message: formatUpdateMessage(STEP_1),
    config: {
      "bluegreen:gateHeaders": { value: '{"Authorization":"Bearer s3cret-token"}', secret: true },
      "bluegreen:notify": { value: '{"webhooks":[{"url":"https://hooks.example/T0/s3cret-path"}]}', secret: true },
      "bluegreen:green": { value: '{"version":"9.9.9-hidden","env":{"KEY":"s3cret-env"}}', secret: true },
    },
  });
  const view = { stack: "staging", rows: releaseRows([LEAKY]), limit: 20 };

  it("a color whose config the engine keeps secret shows [secret] instead of its version", () => {
    expect(view.rows[0].versions).toEqual({ blue: "1.4.2", green: SECRET_VALUE });
  });

  it.each([
    ["table", () => renderHistoryTable(view)],
    ["--json", () => historyJson(view)],
  ])("the %s shows no other config value", (_, render) => {
    const text = render();
    for (const value of ["s3cret", "hooks.example", "9.9.9-hidden", "eu-west-1", "api:1.4.2", "stickinessSeconds"]) {
      expect(text).not.toContain(value);
    }
    expect(text).toContain("[secret]");
  });
});

describe("renderHistoryTable", () => {
  it("aligns the columns and leaves the summary last", () => {
    expect(renderHistoryTable({ stack: "staging", rows: releaseRows(HISTORY), limit: 20 })).toBe(
      [
        "Stack staging: 5 updates, newest first",
        "  started (UTC)         took   kind    result     blue       green       release       gate blue/green  watch  summary",
        "  2026-11-30 10:30:00Z  1m05s  update  succeeded  1.4.2 50%  1.5.0 50%   ?             -                -      bad record [release record unreadable: not JSON after bluegreen-release/v1: " +
          releaseRows([HISTORY[4]])[0].recordProblem!.slice("not JSON after bluegreen-release/v1: ".length) +
          "]",
        "  2026-11-30 10:21:00Z  40s    update  succeeded  1.4.2 50%  1.5.0 50%   rollback 2/2  -/blocked        -      rollback of green step 2/2: blue 0% / green 100% -> blue 50% / green 50%; gate green blocked; rolled-back",
        "  2026-11-30 10:20:00Z  12s    update  failed     1.4.2 0%   1.5.0 100%  shift 2/2     -/passed         -      FAILED: shift to green step 2/2: blue 50% / green 50% -> blue 0% / green 100%; gate green passed; not applied",
        "  2026-11-30 10:10:00Z  1m05s  update  succeeded  1.4.2 50%  1.5.0 50%   shift 1/2     -/passed         -      shift to green step 1/2: blue 90% / green 10% -> blue 50% / green 50%; gate green passed; progressing",
        "  2026-11-30 10:00:00Z  1m05s  update  succeeded  1.4.2 90%  1.5.0 10%   -             -                -      no message",
      ].join("\n"),
    );
  });

  it("numbers the updates when the backend does, and says when the limit may hide older ones", () => {
    const rows = releaseRows([entry(1, { version: 8, message: "b" }), entry(0, { version: 7, message: "a" })]);
    expect(renderHistoryTable({ stack: "production", rows, limit: 2 }).split("\n").slice(0, 3)).toEqual([
      "Stack production: 2 updates, newest first (the 2 newest: --limit N shows more)",
      "  #  started (UTC)         took   kind    result     blue       green      release  gate blue/green  watch  summary",
      "  8  2026-11-30 10:01:00Z  1m05s  update  succeeded  1.4.2 90%  1.5.0 10%  -        -                -      b",
    ]);
  });

  it("says when the stack has no updates", () => {
    expect(renderHistoryTable({ stack: "staging", rows: [], limit: 20 })).toBe("Stack staging has no updates yet.");
  });
});

describe("historyJson", () => {
  it("has fixed keys in a fixed order, null where a value is absent", () => {
    const rows = releaseRows([
      entry(30, { message: formatUpdateMessage(BAKE), traffic: { blue: 0, green: 100 } }),
      entry(0, { message: "hotfix" }),
    ]);
    const document = JSON.parse(historyJson({ stack: "staging", rows, limit: 20 }));
    expect(Object.keys(document)).toEqual(["stack", "updates", "rehearsal"]);
    expect(document.rehearsal).toBeNull();
    expect(JSON.stringify(document.updates[0])).toBe(
      JSON.stringify({
        update: null,
        startTime: "2026-11-30T10:30:00.000Z",
        endTime: "2026-11-30T10:31:05.000Z",
        durationSeconds: 65,
        kind: "update",
        result: "succeeded",
        versions: { blue: "1.4.2", green: "1.5.0" },
        weights: { blue: 0, green: 100 },
        percent: { blue: 0, green: 100 },
        migrationVersion: null,
        release: {
          command: "watch",
          step: "bake",
          target: "green",
          weights: { before: { blue: 0, green: 100 }, after: { blue: 0, green: 100 } },
          gate: null,
          watch: { outcome: "healthy", reason: "10 rounds within limits" },
          result: "completed",
        },
        releaseProblem: null,
        title:
          "watch to green step bake: holding blue 0% / green 100%; watch healthy (10 rounds within limits); completed",
        resourceChanges: { same: 40, update: 3 },
        summary:
          "watch to green step bake: holding blue 0% / green 100%; watch healthy (10 rounds within limits); completed",
      }),
    );
    expect(document.updates[1]).toMatchObject({
      release: null,
      releaseProblem: null,
      title: "hotfix",
      summary: "hotfix",
    });
  });
});

describe("the last rehearsal", () => {
  const REPORT = {
    kind: "migration-rehearsal" as const,
    migrationVersion: "8",
    durationMs: 1_300,
    sampledEveryMs: 50,
    locks: [{ table: "public.orders", mode: "AccessExclusiveLock", heldMs: 1_250 }],
  };
  const migration = (version: string) => ({
    "bluegreen:migration": { value: JSON.stringify({ version, image: "api:migrate" }), secret: false },
  });
  // Migration 7, then 8 whose first update failed (its rehearsal runs again), a refresh, then a shift.
  const rows = releaseRows([
    entry(0, { config: migration("7") }),
    entry(10, { config: migration("8"), result: "failed" }),
    entry(20, { config: migration("8") }),
    entry(25, { config: migration("8"), kind: "refresh" }),
    entry(30, { config: migration("8"), message: formatUpdateMessage(STEP_1) }),
  ]);

  it("is shown under the table with the update that ran it: the first that succeeded with its version", () => {
    const table = renderHistoryTable({ stack: "local", rows, limit: 20, rehearsal: REPORT }).split("\n");
    expect(table.slice(-2)).toEqual([
      "",
      "Rehearsal (in the update started 2026-11-30 10:20:00Z): migration 8 rehearsed on a copy of the real data: ran 1.3 s; held public.orders AccessExclusiveLock 1.3 s",
    ]);
    expect(rows.map((row) => row.migrationVersion)).toEqual(["8", "8", "8", "8", "7"]);
  });

  it("is in the JSON document with its figures and the update's start", () => {
    const document = JSON.parse(historyJson({ stack: "local", rows, limit: 20, rehearsal: REPORT }));
    expect(document.rehearsal).toEqual({
      updateStartTime: "2026-11-30T10:20:00.000Z",
      migrationVersion: "8",
      durationMs: 1_300,
      sampledEveryMs: 50,
      locks: [{ table: "public.orders", mode: "AccessExclusiveLock", heldMs: 1_250 }],
    });
    expect(document.updates[0].migrationVersion).toBe("8");
  });

  it("names no update when the rows shown do not reach back to it", () => {
    const newest = rows.slice(0, 1);
    expect(
      renderHistoryTable({ stack: "local", rows: newest, limit: 1, rehearsal: { ...REPORT, migrationVersion: "9" } }),
    ).toContain("\nRehearsal: migration 9 rehearsed");
  });
});
