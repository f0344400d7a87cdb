/**
 * "Every problem at once": a stack file with several problems lists each of
 * them in one run, whatever else is wrong, so it is fixed in one pass. As a
 * property: for any combination of independent problems, the keys reported
 * are exactly the union of the keys each problem reports alone.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../components/config/issues";
import { parseConfig } from "../../components/platforms";
import { readStackConfig } from "../../tooling/engine/stackFiles";

type Raw = Record<string, string>;
type Mutation = (raw: Raw) => void;

const edit =
  (key: string, change: (value: any) => void): Mutation =>
  (raw) => {
    const value = JSON.parse(raw[key]);
    change(value);
    raw[key] = JSON.stringify(value);
  };

/** Problems of every kind: schema (several sections), platform, release, hardening, secrets, spelling. */
const PROBLEMS: Record<string, Mutation> = {
  "bad app name": edit("bluegreen:app", (app) => (app.name = "API!")),
  "no aws:region": (raw) => delete raw["aws:region"],
  "latest image": edit("bluegreen:blue", (blue) => (blue.image = "api:latest")),
  "dotted key": (raw) => (raw["bluegreen:traffic.green"] = "50"),
  "plain probe headers": (raw) => (raw["bluegreen:gateHeaders"] = JSON.stringify({ Authorization: "Bearer abc" })),
  "writable root without reason": edit("bluegreen:green", (green) => (green.readOnlyRootFilesystem = false)),
  "float migration id": edit("bluegreen:migration", (migration) => (migration.version = 1.1)),
  "weight out of range": edit("bluegreen:traffic", (traffic) => (traffic.blue = 1200)),
  "zero interval": edit("bluegreen:gate", (gate) => (gate.intervalMs = 0)),
  "unknown listener key": edit("bluegreen:listener", (listener) => (listener.bogus = 1)),
};

function reportedKeys(mutations: readonly string[]): string[] {
  const raw: Raw = { ...readStackConfig("staging").values };
  for (const name of mutations) PROBLEMS[name](raw);
  try {
    parseConfig(raw, "staging");
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...new Set(error.issues.map((issue) => issue.key))].sort();
  }
}

describe("every problem at once", () => {
  const alone = Object.fromEntries(Object.keys(PROBLEMS).map((name) => [name, reportedKeys([name])]));

  it.each(Object.keys(PROBLEMS))("%s alone is reported", (name) => {
    expect(alone[name].length).toBeGreaterThan(0);
  });

  it("any combination reports exactly the union of what each problem reports alone", () => {
    fc.assert(
      fc.property(fc.subarray(Object.keys(PROBLEMS), { minLength: 2 }), (names) => {
        const union = [...new Set(names.flatMap((name) => alone[name]))].sort();
        expect(reportedKeys(names)).toEqual(union);
      }),
      { numRuns: 300 },
    );
  });

  it("all of them at once", () => {
    expect(reportedKeys(Object.keys(PROBLEMS))).toEqual([...new Set(Object.values(alone).flat())].sort());
  });
});
