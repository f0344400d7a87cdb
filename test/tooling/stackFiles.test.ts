import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../components/platforms";
import { UsageError } from "../../tooling/cli/command";
import { listStacks, readStackConfig, SECRET_PLACEHOLDER } from "../../tooling/engine/stackFiles";
import { PROJECT_DIR } from "../../tooling/paths";

function projectWith(stackFile: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bluegreen-stack-"));
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stackFile);
  return dir;
}

describe("readStackConfig", () => {
  it("lists the shipped stacks", () => {
    expect(listStacks()).toEqual(expect.arrayContaining(["local", "production", "staging"]));
  });

  it("falls back to the project default platform, docker, like the CLI", () => {
    const dir = projectWith(
      [
        "config:",
        "  bluegreen:app: { name: api }",
        "  bluegreen:blue: { version: 1.0.0, image: api:1.0.0 }",
        "  bluegreen:green: { version: 1.0.1, image: api:1.0.1 }",
        "  bluegreen:traffic: { blue: 100, green: 0 }",
      ].join("\n"),
    );
    const stack = readStackConfig("dev", dir);
    expect(stack.values["bluegreen:platform"]).toBe("docker");
    expect(parseConfig(stack.values, "dev").platform).toBe("docker");
  });

  it("passes objects as JSON text and leaves encrypted values out, listed by key", () => {
    const dir = projectWith(
      [
        "config:",
        "  bluegreen:traffic: { blue: 1, green: 2 }",
        "  bluegreen:gateHeaders:",
        "    secure: v1:abc:def",
      ].join("\n"),
    );
    const stack = readStackConfig("dev", dir);
    expect(stack.values["bluegreen:traffic"]).toBe('{"blue":1,"green":2}');
    expect(stack.values).not.toHaveProperty("bluegreen:gateHeaders");
    expect(stack.secretKeys).toEqual(["bluegreen:gateHeaders"]);
  });

  it("reads a nested secure value (`config set --secret --path`) as a placeholder, the key secret, the ciphertext nowhere", () => {
    const dir = projectWith(
      [
        "config:",
        "  bluegreen:environment: staging",
        "  bluegreen:app: { name: api }",
        "  bluegreen:blue: { version: 1.0.0, image: api:1.0.0 }",
        "  bluegreen:green: { version: 1.0.1, image: api:1.0.1 }",
        "  bluegreen:traffic: { blue: 100, green: 0 }",
        "  bluegreen:gateHeaders:",
        "    Authorization:",
        "      secure: v1:c2VjcmV0:AAAABBBBCCCC",
        "    X-Trace: plain",
      ].join("\n"),
    );
    const stack = readStackConfig("dev", dir);
    expect(JSON.parse(stack.values["bluegreen:gateHeaders"])).toEqual({
      Authorization: SECRET_PLACEHOLDER,
      "X-Trace": "plain",
    });
    expect(stack.secretKeys).toEqual(["bluegreen:gateHeaders"]);
    expect(JSON.stringify(stack)).not.toContain("AAAABBBBCCCC");
    // Valid where text is wanted: a staging stack accepts the secret headers.
    expect(parseConfig(stack.values, "dev", stack.secretKeys).gateHeaders).toEqual({
      Authorization: SECRET_PLACEHOLDER,
      "X-Trace": "plain",
    });
  });

  it("finds secure values inside lists too", () => {
    const dir = projectWith(["config:", "  bluegreen:list:", "    - secure: v1:abc", "    - plain"].join("\n"));
    const stack = readStackConfig("dev", dir);
    expect(JSON.parse(stack.values["bluegreen:list"])).toEqual([SECRET_PLACEHOLDER, "plain"]);
    expect(stack.secretKeys).toEqual(["bluegreen:list"]);
  });

  it.each([
    [
      "a YAML syntax error, with file, line and column",
      "config:\n  bluegreen:app:\n    name: api\n   port: 80\n",
      /^Pulumi\.dev\.yaml:4:1: not valid YAML: .*Fix the file/,
    ],
    [
      "a duplicate key",
      "config:\n  bluegreen:app: {}\n  bluegreen:app: {}\n",
      /^Pulumi\.dev\.yaml:3:3: the key "bluegreen:app" is written a second time in one mapping \(first at line 2\); the Pulumi CLI refuses the file/,
    ],
    [
      "an empty file",
      "",
      /^Pulumi\.dev\.yaml sets no configuration \(the file is empty, or has no `config:` mapping\)/,
    ],
    ["`config` as a list", "config:\n  - a\n", /^Pulumi\.dev\.yaml:2:3: `config` must be a mapping .*it is a list/],
    ["a file that is a list", "- config\n", /^Pulumi\.dev\.yaml: must be a YAML mapping/],
  ])("refuses %s as a usage error (exit 2)", (_what, text, message) => {
    const dir = projectWith(text);
    let error: unknown;
    try {
      readStackConfig("dev", dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it("names the known stacks when one is missing", () => {
    expect(() => readStackConfig("nope")).toThrow(
      /no stack file Pulumi\.nope\.yaml in .*; known stacks: .*local.*production.*staging/,
    );
  });
});
