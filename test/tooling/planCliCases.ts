/**
 * The checks every stack's `npm run plan -- <stack> --json <file>` must pass,
 * run as users run it: tsx, the real program loaded as CommonJS (as under
 * `pulumi up`), the real policy pack. One test file per stack calls this, so
 * each stays well inside the time budget.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../tooling/plan/buildPlan";
import { stableStringify } from "../../tooling/plan/stableJson";
import { runScript, ScriptResult } from "./runScript";

export interface PlanRuns {
  /** Temporary directory of this file's plan files. */
  readonly dir: string;
  readonly first: ScriptResult;
  readonly second: ScriptResult;
  /** Runs of other commands, started alongside the plans. */
  readonly extra: ScriptResult[];
}

export function describePlanCli(
  stack: string,
  expected: { greenRow: string; database: string },
  extraRuns: [script: string, args: string[]][] = [],
): PlanRuns {
  const runs = { extra: [] as ScriptResult[] } as {
    dir: string;
    first: ScriptResult;
    second: ScriptResult;
    extra: ScriptResult[];
  };
  const file = (n: number) => path.join(runs.dir, `${stack}-${n}.json`);

  beforeAll(async () => {
    runs.dir = fs.mkdtempSync(path.join(os.tmpdir(), `plan-cli-${stack}-`));
    [runs.first, runs.second] = await Promise.all([1, 2].map((n) => runScript("plan.ts", [stack, "--json", file(n)])));
    // One at a time after the plans: they are CPU-bound and the machine has two cores.
    for (const [script, args] of extraRuns) runs.extra.push(await runScript(script, args));
  });
  afterAll(() => fs.rmSync(runs.dir, { recursive: true, force: true }));

  describe(`npm run plan -- ${stack} --json <file>`, () => {
    it("exits 0 and writes a byte-identical, stable plan file when run twice", () => {
      expect(runs.first.code).toBe(0);
      expect(runs.second.code).toBe(0);
      const first = fs.readFileSync(file(1));
      expect(fs.readFileSync(file(2)).equals(first)).toBe(true);
      const plan = JSON.parse(first.toString()) as Plan;
      expect(plan.stack).toBe(stack);
      expect(first.toString()).toBe(stableStringify(plan));
      expect(first.toString()).not.toContain(runs.dir);
    });

    it("prints the summary: weights with versions, snapshot id, migration step, no violations", () => {
      const lines = runs.first.stdout.split("\n");
      expect(lines[0]).toBe(
        `Offline plan: stack ${stack} (project bluegreen), app api, platform aws, environment ${stack}`,
      );
      expect(lines).toContain(expected.greenRow);
      expect(lines).toContain(
        `  1. snapshot   api-pre-2026-11-20-orders-index of database ${expected.database} (taken once per migration version, kept on delete)`,
      );
      expect(
        lines.some((line) => line.startsWith("  2. migration  2026-11-20-orders-index: npm run migrate (image ")),
      ).toBe(true);
      expect(lines.slice(-4)).toEqual([
        "Policy pack (policies/): no violations",
        "",
        `Plan file written: ${file(1)}`,
        "",
      ]);
    });
  });
  return runs;
}
