/**
 * tooling/policyAnalyzer: config reconciled as the engine does (pure), the
 * one-shot entry point over the real pack, and a pack that fails to load.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runProgram } from "../../tooling/engine/offlineProgram";
import { analyzeWithPolicyPack, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { reconcilePolicyConfig } from "../../tooling/policy/packConfig";
import { PolicyInfo } from "../../tooling/policy/protocol";
import { PROJECT_DIR } from "../../tooling/paths";
import { mutate } from "../../testkit/analyzerCases";

const POLICIES: PolicyInfo[] = [
  {
    name: "drain",
    description: "Checks whether draining is short.",
    enforcementLevel: "advisory",
    configSchema: {
      properties: {
        maxSeconds: { type: "integer", minimum: 0, default: 30 },
        names: { type: "array", items: { type: "string" }, default: [] },
      },
      required: [],
    },
  },
  { name: "tls", description: "Checks whether TLS is modern.", enforcementLevel: "mandatory" },
];

describe("reconcilePolicyConfig", () => {
  it("starts from each policy's level and schema defaults", () => {
    expect(reconcilePolicyConfig(POLICIES, {}, {})).toEqual({
      drain: { enforcementLevel: "advisory", properties: { maxSeconds: 30, names: [] } },
      tls: { enforcementLevel: "mandatory", properties: {} },
    });
  });

  it("applies the pack's initial config, then the given config: `all` first, then each policy (a string is a level)", () => {
    const initial = { drain: { enforcementLevel: "mandatory" as const, properties: { maxSeconds: 20 } } };
    expect(
      reconcilePolicyConfig(POLICIES, initial, { all: "advisory", drain: { maxSeconds: 10 }, tls: "disabled" }),
    ).toEqual({
      drain: { enforcementLevel: "advisory", properties: { maxSeconds: 10, names: [] } },
      tls: { enforcementLevel: "disabled", properties: {} },
    });
    expect(reconcilePolicyConfig(POLICIES, {}, { drain: { enforcementLevel: "mandatory" } }).drain).toEqual({
      enforcementLevel: "mandatory",
      properties: { maxSeconds: 30, names: [] },
    });
  });

  it("rejects values the schema does not allow, listing each with its policy", () => {
    expect(() => reconcilePolicyConfig(POLICIES, {}, { drain: { maxSeconds: -1, names: [3] } })).toThrow(
      "policy pack configuration is invalid:\n  - drain.maxSeconds: Too small: expected number to be >=0\n  - drain.names.0: Invalid input: expected string, received number\nFix these values in the --policy-pack-config file.",
    );
  });

  it("rejects a value a `format: regex` property cannot compile, naming the policy and key", () => {
    const withPattern: PolicyInfo[] = [
      {
        name: "secrets",
        description: "",
        enforcementLevel: "mandatory",
        configSchema: { properties: { pattern: { type: "string", format: "regex", default: "TOKEN" } }, required: [] },
      },
    ];
    expect(() => reconcilePolicyConfig(withPattern, {}, { secrets: { pattern: "TOKEN(" } })).toThrow(
      /secrets\.pattern: "TOKEN\(" is not a valid regular expression/,
    );
    expect(reconcilePolicyConfig(withPattern, {}, { secrets: { pattern: "TOKEN|KEY" } }).secrets.properties).toEqual({
      pattern: "TOKEN|KEY",
    });
  });

  it("rejects a policy name the pack does not have, and a level that does not exist", () => {
    expect(() => reconcilePolicyConfig(POLICIES, {}, { drian: { maxSeconds: 1 } })).toThrow(
      'policy config names "drian", which the pack does not have; known policies: drain, tls',
    );
    expect(() => reconcilePolicyConfig(POLICIES, {}, { tls: "strict" })).toThrow(
      'policy config for "tls": "strict" is not an enforcement level (advisory, mandatory, disabled, remediate)',
    );
    expect(() => reconcilePolicyConfig(POLICIES, {}, { tls: 3 })).toThrow(
      'policy config for "tls" must be an enforcement level or an object, got 3',
    );
  });
});

describe("analyzeWithPolicyPack", () => {
  it("starts the pack, analyzes once and stops it: a production service without rollback is reported", async () => {
    const run = await runProgram("production");
    const resources = mutate(run.resources, "api-blue-service", (r) => delete r.inputs.deploymentCircuitBreaker);
    expect(await analyzeWithPolicyPack(resources)).toEqual([
      {
        policyName: "ecs-circuit-breaker-rollback",
        enforcementLevel: "mandatory",
        message:
          "ECS service api-blue-service must roll back a failed deployment automatically: deploymentCircuitBreaker is not set. Set deploymentCircuitBreaker: { enable: true, rollback: true } (components/aws/colorService.ts).",
        urn: resources.find((r) => r.name === "api-blue-service")!.urn,
        description:
          "Checks whether ECS services roll back failed deployments automatically (deployment circuit breaker with rollback).",
      },
    ]);
  });
});

describe("startPolicyAnalyzer", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it("fails with the pack's own error when the pack does not compile", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "broken-pack-"));
    dirs.push(dir);
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "broken", version: "0.0.1", main: "index.ts" }),
    );
    fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
    fs.writeFileSync(path.join(dir, "index.ts"), 'const limit: number = "thirty";\nexport { limit };\n');
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
    await expect(startPolicyAnalyzer(dir)).rejects.toThrow(
      /^policy pack exited \(code \d+\) before serving; fix the pack \(npx tsc --noEmit -p policies\):\n[\s\S]*Type 'string' is not assignable to type 'number'/,
    );
  });
});
