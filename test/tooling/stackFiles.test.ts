import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../components/platforms";
import { listStacks, readStackConfig } from "../../tooling/engine/stackFiles";
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

  it("names the known stacks when one is missing", () => {
    expect(() => readStackConfig("nope")).toThrow(
      /no stack file Pulumi\.nope\.yaml in .*; known stacks: .*local.*production.*staging/,
    );
  });
});
