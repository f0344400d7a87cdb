import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatUpdateMessage,
  GATE_VERDICTS,
  parseReleaseRecord,
  RELEASE_COMMANDS,
  RELEASE_RECORD_TAG,
  RELEASE_RESULTS,
  ReleaseRecord,
  WATCH_OUTCOMES,
} from "../../../tooling/history/record";

const STEP: ReleaseRecord = {
  command: "shift",
  step: "2/4",
  target: "green",
  weights: { before: { blue: 75, green: 25 }, after: { blue: 50, green: 50 } },
  gate: { blue: "skipped", green: "passed" },
  watch: { outcome: "healthy", reason: "5 rounds: error rate 0.2 %, p95 140 ms" },
  result: "progressing",
};

/** One record per kind of update the release commands write. */
const KINDS: Record<string, { record: ReleaseRecord; title: string }> = {
  deploy: {
    record: {
      command: "deploy",
      weights: { before: { blue: 100, green: 0 }, after: { blue: 90, green: 10 } },
      result: "deployed",
    },
    title: "deploy: blue 100% / green 0% -> blue 90% / green 10%; deployed",
  },
  "shift step": {
    record: STEP,
    title:
      "shift to green step 2/4: blue 75% / green 25% -> blue 50% / green 50%; gate blue skipped, green passed; " +
      "watch healthy (5 rounds: error rate 0.2 %, p95 140 ms); progressing",
  },
  "record-only bake close": {
    record: {
      command: "watch",
      step: "bake",
      target: "green",
      weights: { before: { blue: 0, green: 100 }, after: { blue: 0, green: 100 } },
      watch: { outcome: "healthy" },
      result: "completed",
    },
    title: "watch to green step bake: holding blue 0% / green 100%; watch healthy; completed",
  },
  "rollback after a blocked gate": {
    record: {
      command: "rollback",
      step: "3/4",
      target: "green",
      weights: { before: { blue: 25, green: 75 }, after: { blue: 50, green: 50 } },
      gate: { green: "blocked" },
      result: "rolled-back",
    },
    title: "rollback of green step 3/4: blue 25% / green 75% -> blue 50% / green 50%; gate green blocked; rolled-back",
  },
  "rollback after a breach": {
    record: {
      command: "rollback",
      target: "green",
      weights: { before: { blue: 50, green: 50 }, after: { blue: 100, green: 0 } },
      watch: { outcome: "breach", reason: "error rate 9.1 % > 5 % (bluegreen:watch.maxErrorRate)" },
      result: "rolled-back",
    },
    title:
      "rollback of green: blue 50% / green 50% -> blue 100% / green 0%; " +
      "watch breach (error rate 9.1 % > 5 % (bluegreen:watch.maxErrorRate)); rolled-back",
  },
  abort: {
    record: {
      command: "abort",
      weights: { before: { blue: 40, green: 60 }, after: { blue: 100, green: 0 } },
      result: "aborted",
    },
    title: "abort: blue 40% / green 60% -> blue 100% / green 0%; aborted",
  },
  "inconclusive watch": {
    record: {
      command: "watch",
      step: "bake",
      weights: { before: { blue: 0, green: 100 }, after: { blue: 0, green: 100 } },
      watch: { outcome: "inconclusive", reason: "5 rounds under 20 samples" },
      result: "stopped",
    },
    title: "watch step bake: holding blue 0% / green 100%; watch inconclusive (5 rounds under 20 samples); stopped",
  },
  "interrupted watch": {
    record: {
      command: "watch",
      step: "1/2",
      weights: { before: { blue: 90, green: 10 }, after: { blue: 90, green: 10 } },
      watch: { outcome: "interrupted", reason: "SIGINT" },
      result: "stopped",
    },
    title: "watch step 1/2: holding blue 90% / green 10%; watch interrupted (SIGINT); stopped",
  },
};

describe("formatUpdateMessage / parseReleaseRecord", () => {
  it.each(Object.entries(KINDS))("%s: a human first line, then the record line, read back as written", (_, kind) => {
    const message = formatUpdateMessage(kind.record);
    const [first, second, ...rest] = message.split("\n");
    expect(first).toBe(kind.title);
    expect(second.startsWith(`${RELEASE_RECORD_TAG} {`)).toBe(true);
    expect(rest).toEqual([]);
    expect(parseReleaseRecord(message)).toEqual({ kind: "record", title: kind.title, record: kind.record });
  });

  it("writes the record's keys in a fixed order, absent ones left out", () => {
    expect(formatUpdateMessage(STEP).split("\n")[1]).toBe(
      `${RELEASE_RECORD_TAG} {"command":"shift","step":"2/4","target":"green",` +
        `"weights":{"before":{"blue":75,"green":25},"after":{"blue":50,"green":50}},` +
        `"gate":{"blue":"skipped","green":"passed"},` +
        `"watch":{"outcome":"healthy","reason":"5 rounds: error rate 0.2 %, p95 140 ms"},"result":"progressing"}`,
    );
  });

  it("refuses to write a record that readers would reject", () => {
    expect(() => formatUpdateMessage({ ...STEP, step: "second" })).toThrow(
      /^invalid release record: `step` is "<n>\/<total>" or "bake"$/,
    );
    expect(() => formatUpdateMessage({ ...STEP, watch: { outcome: "breach", reason: "two\nlines" } })).toThrow(
      /one line/,
    );
  });

  it("keeps every valid record through a message, whatever its values", () => {
    const weights = fc
      .record({ blue: fc.integer({ min: 0, max: 999 }), green: fc.integer({ min: 0, max: 999 }) })
      .filter((w) => w.blue + w.green > 0);
    const verdict = fc.constantFrom(...GATE_VERDICTS);
    const record: fc.Arbitrary<ReleaseRecord> = fc.record(
      {
        command: fc.constantFrom(...RELEASE_COMMANDS),
        step: fc.oneof(
          fc.constant("bake"),
          fc.tuple(fc.nat(20), fc.nat(20)).map(([a, b]) => `${a}/${b}`),
        ),
        target: fc.constantFrom("blue" as const, "green" as const),
        weights: fc.record({ before: weights, after: weights }),
        gate: fc.record({ blue: verdict, green: verdict }, { requiredKeys: [] }),
        watch: fc.record(
          {
            outcome: fc.constantFrom(...WATCH_OUTCOMES),
            reason: fc.string().filter((s) => !s.includes("\n")),
          },
          { requiredKeys: ["outcome"] },
        ),
        result: fc.constantFrom(...RELEASE_RESULTS),
      },
      { requiredKeys: ["command", "weights", "result"] },
    );
    fc.assert(
      fc.property(record, (r) => {
        const parsed = parseReleaseRecord(formatUpdateMessage(r));
        expect(parsed.kind).toBe("record");
        expect(parsed.kind === "record" && parsed.record).toEqual(r);
      }),
    );
  });
});

describe("parseReleaseRecord, tolerant", () => {
  it.each([
    ["", ""],
    ["hotfix: raise the ALB idle timeout", "hotfix: raise the ALB idle timeout"],
    ["\n  manual rollback by ops  \nsee INC-42", "manual rollback by ops"],
  ])("a message without a record line is a plain update: %j", (message, title) => {
    expect(parseReleaseRecord(message)).toEqual({ kind: "plain", title });
  });

  it("reads a message written with CRLF line ends", () => {
    const parsed = parseReleaseRecord(formatUpdateMessage(STEP).replace("\n", "\r\n"));
    expect(parsed.kind === "record" && parsed.record).toEqual(STEP);
  });

  it("ignores fields it does not know (a later v1 writer may add some)", () => {
    const line = formatUpdateMessage(STEP).split("\n")[1].replace('{"command"', '{"operator":"ci","command"');
    const parsed = parseReleaseRecord(`shift\n${line}`);
    expect(parsed.kind === "record" && parsed.record).toEqual(STEP);
  });

  const valid = formatUpdateMessage(STEP).split("\n")[1];
  it.each([
    ["not JSON", `${RELEASE_RECORD_TAG} {"command":`, /^not JSON after bluegreen-release\/v1: /],
    ["nothing after the tag", RELEASE_RECORD_TAG, /^not JSON after bluegreen-release\/v1: /],
    ["a field missing", `${RELEASE_RECORD_TAG} {"command":"shift","result":"progressing"}`, /^`weights` /],
    ["an unknown command", valid.replace('"command":"shift"', '"command":"promote"'), /^`command` /],
    ["an unknown watch outcome", valid.replace('"outcome":"healthy"', '"outcome":"fine"'), /^`watch.outcome` /],
    [
      "no weight above 0",
      valid.replace('"after":{"blue":50,"green":50}', '"after":{"blue":0,"green":0}'),
      /^`weights.after` needs a weight above 0 on one color$/,
    ],
    [
      "another version",
      valid.replace("/v1 ", "/v2 "),
      /^bluegreen-release\/v2 is not a version this tool reads \(bluegreen-release\/v1\)$/,
    ],
    ["two record lines", `${valid}\n${valid}`, /^2 record lines where one is expected$/],
  ])("a record line with %s is reported as malformed, never thrown", (_, line, problem) => {
    const parsed = parseReleaseRecord(`shift step 2/4\n${line}`);
    expect(parsed).toEqual({ kind: "malformed", title: "shift step 2/4", problem: expect.stringMatching(problem) });
  });
});
