/**
 * Corpus stack files through `npm run plan` itself, as a user runs it on a
 * copy of the project: exit codes, the file/line/column of a YAML error
 * without a stack trace, every problem of a file in one run, and never a
 * secret's ciphertext in the output. (test/program/stackCorpus.test.ts runs
 * the whole corpus in-process.)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineProject, EngineProject } from "../../testkit/engine";
import { corpus, Fixture } from "../../testkit/stackCorpus";

const FIXTURES = new Map(corpus().map((fixture) => [fixture.name, fixture]));
let project: EngineProject;

beforeAll(() => {
  project = createEngineProject({ commands: true, engine: false });
});
afterAll(() => project?.remove());

async function plan(name: string) {
  const fixture = FIXTURES.get(name) as Fixture;
  fs.copyFileSync(fixture.file, path.join(project.dir, `Pulumi.${name}.yaml`));
  return { fixture, result: await project.command("plan", [name]) };
}

describe("npm run plan on stack files of the corpus", () => {
  it("names the file, line and column of a YAML error, exits 2, prints no stack trace", async () => {
    const { result } = await plan("bad-yaml-indent");
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /^Pulumi\.bad-yaml-indent\.yaml:\d+:\d+: not valid YAML: .+ nothing was deployed\.$/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("refuses an empty stack file with exit 2 and a message", async () => {
    const { result } = await plan("empty-file");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Pulumi.empty-file.yaml sets no configuration");
  }, 60_000);

  it("lists every problem of a file in one run, exit 2", async () => {
    const { fixture, result } = await plan("many-problems-aws");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`has ${fixture.keys.length} configuration problems; nothing was deployed:`);
    for (const key of fixture.keys) expect(result.stderr).toContain(`  - ${key}: `);
  }, 60_000);

  it("plans production with nested secret probe headers, exit 0, the ciphertext nowhere", async () => {
    const { fixture, result } = await plan("nested-secure-gate-headers-production");
    expect(result.code, result.stderr).toBe(0);
    const ciphers = [...fs.readFileSync(fixture.file, "utf8").matchAll(/secure: (\S+)/g)].map((m) => m[1]);
    expect(ciphers.length).toBe(2);
    for (const cipher of ciphers) expect(result.stdout + result.stderr).not.toContain(cipher);
    expect(result.stdout).toContain("bluegreen:gateHeaders");
  }, 120_000);
});
