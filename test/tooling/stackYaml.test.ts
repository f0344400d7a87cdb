/**
 * The offline plan reads a stack file as the Pulumi CLI does (issue 24,
 * point 12): what each YAML feature of test/fixtures/yaml/features.yaml
 * means to it (merge keys, anchors, yaml.v3's scalars, tags, multi-line
 * strings), the files the CLI refuses, and hostile files ending with a usage
 * error that names the file, bounded in time and memory. The real-engine
 * test (test/engine/stackYaml.test.ts) compares the same files with
 * `pulumi config --json` itself.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HOSTILE_YAML, HostileOutcome } from "../../testkit/hostileYaml";
import { UsageError } from "../../tooling/cli/command";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { PROJECT_DIR } from "../../tooling/paths";

const FEATURES = path.join(PROJECT_DIR, "test", "fixtures", "yaml", "features.yaml");
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function read(text: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bluegreen-yaml-"));
  dirs.push(dir);
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), text);
  return readStackConfig("dev", dir);
}

function refusal(text: string): string {
  try {
    read(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("the file was accepted");
}

describe("a stack file as the Pulumi CLI reads it", () => {
  const { values } = read(fs.readFileSync(FEATURES, "utf8"));
  const object = (key: string) => JSON.parse(values[`bluegreen:${key}`]);

  it("honours anchors, aliases and merge keys, explicit keys winning wherever they stand", () => {
    const base = { image: "api:1.4.2", desiredCount: 2, env: { LOG_LEVEL: "info" } };
    expect(object("alias")).toEqual(base);
    expect(object("merged")).toEqual({ ...base, desiredCount: 3 });
    expect(object("mergedFirst")).toEqual({ ...base, desiredCount: 4 });
    // A list of merges: the first mapping that sets a key wins.
    expect(object("mergedList")).toEqual({ ...base, desiredCount: 5, cpu: 256, memory: 512 });
    expect(object("mergedNested")).toEqual({ ...base, cpu: 1024 });
    // The CLI writes values back to YAML and reads them again: a quoted "<<" merges too.
    expect(object("mergedQuoted")).toEqual({ ...base, cpu: 128 });
    expect(object("aliasInside")).toEqual({
      env: { LOG_LEVEL: "info" },
      list: [{ LOG_LEVEL: "info" }, { LOG_LEVEL: "info" }],
    });
    expect(values["bluegreen:fromTopMerge"]).toBe("merged at the top");
  });

  it("keeps multi-line strings as written, with their chomping", () => {
    expect(values["bluegreen:literal"]).toBe("line one\nline two\n");
    expect(values["bluegreen:literalStrip"]).toBe("no trailing newline");
    expect(values["bluegreen:literalKeep"]).toBe("kept newlines\n\n");
    expect(values["bluegreen:folded"]).toBe("folded into one line\n");
    expect(values["bluegreen:foldedStrip"]).toBe("folded, stripped");
    expect(object("quoted")).toEqual({ double: "a\tbé", single: "it's", plainMultiline: "one two" });
  });

  it("resolves tags as yaml.v3 does: !!str text, !!int and !!float numbers, ! and custom tags ignored, !!binary decoded", () => {
    expect(object("tags")).toEqual({
      str: "42",
      strBool: "true",
      int: 12,
      float: 1,
      floatInt: 3,
      nonSpecific: 12,
      nonSpecificQuoted: "12",
      custom: "text",
      binary: "hello world",
      nullTag: null,
    });
    expect(values["bluegreen:tagTop"]).toBe("0017");
  });

  it("reads scalars by yaml.v3's rules: old octals, underscores, YAML 1.1 words as text, 64-bit integers", () => {
    expect(object("numbers")).toEqual({
      octalOld: 15,
      notOctal: 19,
      octal: 15,
      hex: 31,
      binary: 5,
      underscores: 1000,
      plus: 12,
      minusZero: 0,
      minusZeroFloat: 0,
      trailingDot: 1,
      leadingDot: 0.5,
      exponent: 1000,
      // As JSON.parse reads them (below: the text keeps every digit).
      int64: 2 ** 63,
      uint64: 2 ** 64,
      beyondDouble: 2 ** 53,
      huge: 100000000000000000000,
      notANumber: "1e400x",
    });
    // Whole numbers a double cannot hold keep every digit, as the engine's JSON does.
    expect(values["bluegreen:numbers"]).toContain('"beyondDouble":9007199254740993');
    expect(values["bluegreen:numbers"]).toContain('"int64":9223372036854775807');
    expect(object("words")).toEqual({
      yesWord: "yes",
      onWord: "on",
      yWord: "y",
      NoWord: "No",
      TrueWord: true,
      TRUEWord: true,
      tRueWord: "tRue",
      tilde: null,
      NullWord: null,
      empty: null,
    });
  });

  it("turns timestamps into the text the CLI makes of them (a date-like migration id would change)", () => {
    expect(object("times")).toEqual({
      date: "2026-11-20 00:00:00 +0000 UTC",
      shortDate: "2026-01-02 00:00:00 +0000 UTC",
      utc: "2001-12-14 21:59:43.1 +0000 UTC",
      offset: "2001-12-14 21:59:43.1 -0500 -0500",
      spaced: "2001-12-14 21:59:43.1 +0000 UTC",
      nanos: "2001-02-28 01:02:03.123456789 +0000 UTC",
      noZone: "2001-02-28T01:02:03",
      notADay: "2001-02-30",
      quoted: "2026-11-20",
      version: "2026-11-20-orders-index",
    });
    expect(values["bluegreen:topTimestamp"]).toBe("2026-11-20 00:00:00 +0000 UTC");
  });

  it("hands values over as the engine does: Go's JSON (keys sorted, <>& escaped), top-level scalars as text, null as empty", () => {
    // A mapping with a key that is not text: each key as Go's %v prints it.
    expect(values["bluegreen:keys"]).toBe(
      '{"1":"int","2.5":"float","\\u003cnil\\u003e":null,"quoted":"text","true":"bool"}',
    );
    expect(values["bluegreen:text"]).toBe(
      '{"html":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e","lineSeparator":"a\\u2028b","unicode":"é ü ✓"}',
    );
    expect([values["bluegreen:topInt"], values["bluegreen:topFloat"], values["bluegreen:topBool"]]).toEqual([
      "42",
      "1.5",
      "true",
    ]);
    expect([values["bluegreen:topNull"], values["bluegreen:topEmpty"]]).toEqual(["", ""]);
    expect(values["bluegreen:topUint64"]).toBe("18446744073709551615");
    expect(values["bluegreen:topMinusZero"]).toBe("0");
    expect(values["bluegreen:unnamespaced"]).toBe("project key");
  });

  it("reads the first document only, as the CLI does", () => {
    expect(values).not.toHaveProperty("bluegreen:secondDocument");
  });
});

describe("a file the CLI refuses is refused, naming the file, line and column", () => {
  it.each([
    [
      "a key written twice",
      "config:\n  bluegreen:a: 1\n  bluegreen:a: 2\n",
      /^Pulumi\.dev\.yaml:3:3: the key "bluegreen:a" is written a second time in one mapping \(first at line 2\)/,
    ],
    [
      "a key written twice, once quoted",
      'config:\n  bluegreen:a: { x: 1, "x": 2 }\n',
      /^Pulumi\.dev\.yaml:2:24: the key "x" is written a second time/,
    ],
    [
      "two merge keys in one mapping",
      "config:\n  bluegreen:a: { <<: { x: 1 }, <<: { y: 2 } }\n",
      /^Pulumi\.dev\.yaml:2:32: the key "<<" is written a second time/,
    ],
    [
      "a merge of a scalar",
      "config:\n  bluegreen:a: { <<: 3 }\n",
      /^Pulumi\.dev\.yaml:2:22: this merge \(<<\) is not a mapping/,
    ],
    [
      "a merge of an alias to a list",
      "config:\n  bluegreen:l: &l [1]\n  bluegreen:a: { <<: *l }\n",
      /^Pulumi\.dev\.yaml:3:22: this merge \(<<\) is not a mapping/,
    ],
    [
      "a merge list with a scalar",
      "config:\n  bluegreen:a: { <<: [{ x: 1 }, 3] }\n",
      /^Pulumi\.dev\.yaml:2:33: this merge \(<<\) is not a mapping/,
    ],
    [
      "an alias of no anchor",
      "config:\n  bluegreen:a: *nowhere\n",
      /^Pulumi\.dev\.yaml:2:16: the alias \*nowhere names no anchor/,
    ],
    [
      "a number JSON cannot hold",
      "config:\n  bluegreen:a: { x: .nan }\n",
      /^Pulumi\.dev\.yaml:2:21: the value ".nan" is a number JSON cannot hold/,
    ],
    [
      "infinity at the top",
      "config:\n  bluegreen:a: -.Inf\n",
      /^Pulumi\.dev\.yaml:2:16: the value "-.Inf" is a number JSON cannot hold/,
    ],
    [
      "a tag the value does not fit",
      "config:\n  bluegreen:a: !!int abc\n",
      /^Pulumi\.dev\.yaml:2:22: the value "abc" is tagged !!int but reads as !!str/,
    ],
    ["a word tagged boolean", "config:\n  bluegreen:a: !!bool yes\n", /tagged !!bool but reads as !!str/],
    [
      "a date that is not one, tagged",
      "config:\n  bluegreen:a: !!timestamp 2001-13-40\n",
      /tagged !!timestamp but reads as !!str/,
    ],
    [
      "binary that is not base64",
      'config:\n  bluegreen:a: !!binary "***"\n',
      /the value tagged !!binary is not valid base64/,
    ],
    ["a key that is a list", "config:\n  bluegreen:a: { ? [1, 2] : x }\n", /this key is a list or a mapping/],
    [
      "a config key that is not text",
      "config:\n  1: x\n",
      /^Pulumi\.dev\.yaml:2:3: `config` has a key that is not text/,
    ],
    [
      "a key and its namespaced twin",
      "config:\n  traffic: { blue: 1 }\n  bluegreen:traffic: { blue: 2 }\n",
      /^Pulumi\.dev\.yaml:3:3: `bluegreen:traffic` and `traffic` \(Pulumi\.dev\.yaml:2:3\) both set bluegreen:traffic .* at random/,
    ],
  ])("%s", (_what, text, message) => {
    expect(refusal(text)).toMatch(message);
  });
});

describe("a hostile file ends with a usage error naming the file, bounded in time and memory", () => {
  /** Runs in a process of its own under a 128 MiB heap: an unbounded expansion would kill it. */
  function outcome(name: string): HostileOutcome & { code: number | null } {
    const child = spawnSync(
      process.execPath,
      [
        "--max-old-space-size=128",
        "--require",
        require.resolve("tsx/cjs"),
        path.join(PROJECT_DIR, "testkit", "hostileYaml.ts"),
        name,
      ],
      { cwd: PROJECT_DIR, encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(child.status, child.stderr).toBe(0);
    return { ...(JSON.parse(child.stdout) as HostileOutcome), code: child.status };
  }

  it.each(Object.keys(HOSTILE_YAML))(
    "%s",
    (name) => {
      const result = outcome(name);
      console.log(
        `hostile YAML "${name}" (${result.bytes.toLocaleString("en")} bytes): ${Math.round(result.cpuMs)} ms CPU, ${Math.round(result.ms)} ms, peak RSS ${Math.round(result.maxRssMiB)} MiB`,
      );
      expect(result.error).toMatch(/^UsageError: Pulumi\.hostile\.yaml(:\d+:\d+)?: /);
      expect(result.error).toMatch(/nothing was deployed\.$/);
      expect(result.error.length).toBeLessThan(1024);
      // CPU time: the bound holds whatever else shares the machine (the wall clock only guards against a hang).
      expect(result.cpuMs).toBeLessThan(3000);
      expect(result.ms).toBeLessThan(30_000);
      expect(result.maxRssMiB).toBeLessThan(400);
    },
    90_000,
  );
});
