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
import { HOSTILE_YAML } from "../../testkit/hostileYaml";
import { corpus, Fixture } from "../../testkit/stackCorpus";
import { PROJECT_DIR } from "../../tooling/paths";

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

  it("reports a 2 MB maintenance message by its size, never echoing it, exit 2", async () => {
    const shipped = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.local.yaml"), "utf8");
    const message = "Back soon. ".repeat(200_000);
    fs.writeFileSync(
      path.join(project.dir, "Pulumi.big-message.yaml"),
      `${shipped.trimEnd()}\n  bluegreen:maintenance:\n    message: "${message}"\n`,
    );
    const result = await project.command("plan", ["big-message"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("- bluegreen:maintenance.message: ");
    expect(result.stderr).toContain("(got a text of 2,200,000 characters (not shown))");
    expect(result.stdout.length + result.stderr.length).toBeLessThan(4096);
  }, 60_000);

  it.each(Object.keys(HOSTILE_YAML))(
    "ends a hostile stack file (%s) with exit 2 naming the file, in bounded time, never a stack trace",
    async (name) => {
      fs.writeFileSync(path.join(project.dir, "Pulumi.hostile.yaml"), HOSTILE_YAML[name]());
      const started = Date.now();
      const result = await project.command("plan", ["hostile"]);
      // The whole command, its start included (about 2 s on a shared 2-core machine).
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toMatch(/^Pulumi\.hostile\.yaml(:\d+:\d+)?: .+ nothing was deployed\.$/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stderr.length).toBeLessThan(1024);
    },
    60_000,
  );
});
