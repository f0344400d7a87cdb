/**
 * Every stack file of the corpus (test/fixtures/stacks/, see testkit/stackCorpus.ts)
 * through the offline plan as `npm run plan` runs it (exit 0, 1 with the named
 * mandatory policies, or 2 with exactly the named keys), and every rejected
 * one through the real program too: it must register nothing.
 */
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../components/config/issues";
import { corpus, Fixture, projectFor } from "../../testkit/stackCorpus";
import { exitCodeFor } from "../../tooling/cli/main";
import { runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { offlinePlan } from "../../tooling/plan/offlinePlan";
import { blockingLine, renderSummary } from "../../tooling/plan/summary";

const FIXTURES = corpus();

interface Outcome {
  readonly exit: number;
  readonly keys: string[];
  readonly policies: string[];
  readonly message: string;
}

let analyzer: PolicyAnalyzer;
beforeAll(async () => {
  analyzer = await startPolicyAnalyzer();
}, 120_000);
afterAll(() => analyzer?.stop());

async function planOutcome(fixture: Fixture, projectDir: string): Promise<Outcome> {
  try {
    const plan = await offlinePlan(fixture.name, { projectDir, analyzer, policyConfigOf: fixture.policyConfigOf });
    const mandatory = plan.violations.filter((v) => v.enforcementLevel === "mandatory");
    return {
      exit: blockingLine(plan) === undefined ? 0 : 1,
      keys: [],
      policies: [...new Set(mandatory.map((v) => v.policyName))].sort(),
      // What `npm run plan` prints, and the violations.
      message: [renderSummary(plan), ...mandatory.map((v) => v.message)].join("\n"),
    };
  } catch (error) {
    const keys = error instanceof ConfigError ? [...new Set(error.issues.map((issue) => issue.key))].sort() : [];
    return { exit: exitCodeFor(error), keys, policies: [], message: (error as Error).message };
  }
}

describe("the stack-file corpus", () => {
  it("has at least 60 files, covering every point of issue 14 and every value shape the CLI writes", () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(60);
    const points = new Set(FIXTURES.flatMap((f) => [...f.about.matchAll(/point (\d+)/g)].map((m) => Number(m[1]))));
    expect([...points].sort((a, b) => a - b)).toEqual(expect.arrayContaining([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    for (const shape of ["integer", "boolean", "decimal-string", "nested-secure"]) {
      expect(FIXTURES.some((f) => f.name.includes(shape))).toBe(true);
    }
  });

  it.each(FIXTURES.map((f) => [f.name, f] as const))(
    "%s",
    async (_name, fixture) => {
      const dir = projectFor(fixture);
      try {
        const outcome = await planOutcome(fixture, dir);
        const failure = outcome.exit === fixture.exit ? "" : outcome.message;
        expect({ exit: outcome.exit, keys: outcome.keys, policies: outcome.policies }, failure).toEqual({
          exit: fixture.exit,
          keys: [...fixture.keys],
          policies: [...fixture.policies],
        });
        if (fixture.exit === 2 && outcome.keys.length > 0) {
          // The program itself refuses it before registering anything.
          const registered: string[] = [];
          await expect(
            runProgram(fixture.name, { projectDir: dir, onRegister: (r) => registered.push(r.urn) }),
          ).rejects.toThrow(ConfigError);
          expect(registered).toEqual([]);
        }
        // Never a secret's ciphertext in what a user sees.
        for (const cipher of fs.readFileSync(fixture.file, "utf8").matchAll(/secure: (\S+)/g)) {
          expect(outcome.message).not.toContain(cipher[1]);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
