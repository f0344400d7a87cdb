/**
 * breaking-migration-irreversible through the real analyzer process, on the
 * migration run of each platform as the real program registers it: the ECS
 * run (staging), the Kubernetes Job (kube-staging) and the local step.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOUD_TYPES } from "../../components/contracts/resourceTypes";
import { mutate, runWith, seen } from "../../testkit/analyzerCases";
import type { ProgramRun, RegisteredResource } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";

const POLICY = "breaking-migration-irreversible";
const STACKS = ["staging", "kube-staging", "local"] as const;
type Stack = (typeof STACKS)[number];

let analyzer: PolicyAnalyzer;
const breaking: Partial<Record<Stack, ProgramRun>> = {};

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  // One program at a time: runProgram drives Pulumi's process-wide runtime.
  for (const stack of STACKS) {
    breaking[stack] = await runWith(stack, "bluegreen:migration", { breaking: true, reversible: false });
  }
  analyzer = await starting;
}, 180_000);
afterAll(() => analyzer?.stop());

/** The migration run's registered name: the Kubernetes Job is named after the migration version. */
const runName = (run: ProgramRun) => run.resources.find((r) => r.type === CLOUD_TYPES.job)?.name ?? "api-migration-run";

/** The run as a faulty program would register it: breaking, yet reversible. */
function reversibleBreaking(stack: Stack): RegisteredResource[] {
  const run = breaking[stack]!;
  const change = JSON.stringify({ reversible: true, breaking: true });
  return mutate(run.resources, runName(run), (r) => {
    if (r.type === CLOUD_TYPES.job) r.inputs.metadata.annotations["bluegreen/schema-change"] = change;
    else r.inputs.schemaChange = { reversible: true, breaking: true };
  });
}

const violations = async (stack: Stack, resources: readonly RegisteredResource[]) =>
  seen(await analyzer.analyze(resources, { config: readPolicyConfig(stack) })).filter(([p]) => p === POLICY);

describe(POLICY, () => {
  it.each(STACKS)("passes a breaking, irreversible migration on %s as the program registers it", async (stack) => {
    expect(await violations(stack, breaking[stack]!.resources)).toEqual([]);
  });

  it.each(STACKS)(
    "refuses a breaking migration marked reversible on %s, naming the run and both keys",
    async (stack) => {
      const name = runName(breaking[stack]!);
      expect(await violations(stack, reversibleBreaking(stack))).toEqual([
        [
          POLICY,
          "mandatory",
          name,
          `Migration run ${name} must not be reversible when it is breaking: breaking is true and reversible is true. ` +
            "Old code cannot run on the new schema, so traffic cannot move back to it without a restore: set `bluegreen:migration.reversible` to false " +
            "(the gates then require `bluegreen:database.restoreFromSnapshot` before an older major gains traffic), or `bluegreen:migration.breaking` to false if old code does run on the new schema.",
        ],
      ]);
    },
  );
});

describe("the whole pack on the rehearsal and check steps", () => {
  const validate = [{ name: "row-counts", command: ["npm", "run", "check:counts"] }];

  it.each([
    ["staging", { rehearse: true, validate }],
    ["local", { rehearse: true, validate }],
    ["kube-staging", { validate }],
  ] as const)("passes %s with %j, with not even an advisory", async (stack, patch) => {
    const run = await runWith(stack, "bluegreen:migration", patch);
    expect(seen(await analyzer.analyze(run.resources, { config: readPolicyConfig(stack) }))).toEqual([]);
  });
});
