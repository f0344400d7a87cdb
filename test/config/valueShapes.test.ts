/**
 * Config values in every shape the Pulumi CLI stores them. `pulumi config set
 * --path` types the text it is given (`coerce` in
 * sdk/go/common/resource/config/object.go, v3.248.0: "true"/"false" become
 * booleans, base-10 digits that do not start with 0 become integers, the rest
 * stays text, decimals included); the program reads each as the schema means it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../components/platforms";
import { applyConfigPaths, pathValue } from "../../tooling/engine/configPaths";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { engineValues, issueLines } from "../configErrors";

const staging = () => readStackConfig("staging").values;
const production = () => readStackConfig("production").values;

/** `pulumi config set --path <key> <text>` for each entry, then the program's parse. */
const setPath = (raw: Record<string, string>, values: Record<string, string>) =>
  parseConfig(applyConfigPaths(raw, values), "staging");

describe("pathValue: what `pulumi config set --path` stores", () => {
  it.each([
    ["42", 42],
    ["0", 0],
    ["-5", -5],
    ["+5", 5],
    ["true", true],
    ["false", false],
    ["0123", "0123"],
    ["0.02", "0.02"],
    ["1.10", "1.10"],
    ["1e3", "1e3"],
    ["True", "True"],
    ["9223372036854775808", 9223372036854775808],
    ["18446744073709551616", "18446744073709551616"],
  ])("stores %s as %j", (text, stored) => {
    expect(pathValue(text)).toBe(stored);
  });
});

describe("values set with --path reach the program as the schema means them", () => {
  it("takes decimal text where a number is wanted: gate.prometheus.maxErrorRate 0.02", () => {
    const config = setPath(production(), { "bluegreen:gate.prometheus.maxErrorRate": "0.02" });
    expect(config.gate.prometheus?.maxErrorRate).toBe(0.02);
  });

  it("takes an integer where text is wanted: migration.version 42, database.engineVersion 16", () => {
    const config = setPath(staging(), {
      "bluegreen:migration.version": "42",
      "bluegreen:database.engineVersion": "16",
    });
    expect(config.migration?.version).toBe("42");
    expect(config.database?.engineVersion).toBe("16");
  });

  it("takes integers and booleans as env text: WORKERS 4, DEBUG true", () => {
    const config = setPath(staging(), { "bluegreen:green.env.WORKERS": "4", "bluegreen:green.env.DEBUG": "true" });
    expect(config.green.env).toMatchObject({ WORKERS: "4", DEBUG: "true" });
  });

  it("takes a weight and a flag as typed: traffic.green 25, traffic.rollback false", () => {
    const config = setPath(staging(), { "bluegreen:traffic.green": "25", "bluegreen:traffic.rollback": "false" });
    expect(config.traffic).toMatchObject({ green: 25, rollback: false });
  });

  it("reads a top-level value, which the engine passes as text, by the schema too", () => {
    const raw = { ...staging(), "bluegreen:environment": "production" };
    expect(parseConfig(raw, "staging").environment).toBe("production");
  });

  it("any whole weight given as --path text equals the same weight written in the stack file", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: 999 }), (green, blue) => {
        const byPath = setPath(staging(), {
          "bluegreen:traffic.green": String(green),
          "bluegreen:traffic.blue": String(blue),
        });
        const traffic = { ...JSON.parse(staging()["bluegreen:traffic"]), blue, green };
        const written = parseConfig({ ...staging(), ...engineValues({ "bluegreen:traffic": traffic }) }, "staging");
        expect(byPath.traffic).toEqual(written.traffic);
      }),
    );
  });

  it("any env text the CLI keeps distinguishable reaches the container exactly as typed", () => {
    // The CLI itself turns "+5" into 5 and "-0" into 0; every other text survives.
    const survives = (text: string) => {
      const stored = pathValue(text);
      return typeof stored !== "number" || String(stored) === text;
    };
    fc.assert(
      fc.property(
        fc
          .oneof(fc.string(), fc.integer().map(String), fc.constantFrom("true", "false", "0.5", "007"))
          .filter(survives),
        (text) => {
          const config = setPath(staging(), { "bluegreen:green.env.VALUE": text });
          expect(config.green.env.VALUE).toBe(text);
        },
      ),
    );
  });
});

describe("values YAML reads differently from what was meant", () => {
  it("refuses a YAML float where text is wanted, saying to quote it (1.10 reads as 1.1)", () => {
    const raw = {
      ...staging(),
      ...engineValues({ "bluegreen:migration": { version: 1.1, image: "m:1", command: ["m"] } }),
    };
    expect(issueLines(raw, "staging")).toEqual([
      expect.stringMatching(
        /^bluegreen:migration\.version: is the number 1\.1, but text is wanted: YAML reads an unquoted 1\.1 as a number, so "1\.10" would become 1\.1 .*Quote it/,
      ),
    ]);
  });

  it("refuses text that is not a number where one is wanted, naming the key once", () => {
    const raw = { ...staging(), ...engineValues({ "bluegreen:traffic": { blue: "ninety", green: 10 } }) };
    expect(issueLines(raw, "staging")).toEqual([expect.stringMatching(/^bluegreen:traffic\.blue: .*expected number/)]);
  });

  it("names a key with two problems once: gate.intervalMs 0", () => {
    const raw = { ...staging(), ...engineValues({ "bluegreen:gate": { intervalMs: 0 } }) };
    expect(issueLines(raw, "staging")).toEqual([
      "bluegreen:gate.intervalMs: intervalMs must be greater than 0 (got 0)",
    ]);
  });

  it("accepts an exact version with build metadata, which never orders versions", () => {
    const raw = {
      ...staging(),
      ...engineValues({
        "bluegreen:green": {
          version: "1.5.0+build.7",
          image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.5.0_build.7",
        },
      }),
    };
    expect(parseConfig(raw, "staging").green.version).toBe("1.5.0+build.7");
  });

  it("suggests --path for a dotted key set without it", () => {
    const raw = { ...staging(), "bluegreen:traffic.green": "50" };
    expect(issueLines(raw, "staging")).toEqual([
      expect.stringContaining(
        "bluegreen:traffic.green: is not a known setting: it looks like the path bluegreen:traffic.green set without `--path`",
      ),
    ]);
  });
});
