import { describe, expect, it } from "vitest";
import { PRODUCTION_MAX_STEP } from "../components/config/schema";
import { ConfigError } from "../components/config/issues";
import { parseConfig } from "../components/platforms";
import { configError, validDockerConfig } from "./configErrors";
import { readStackConfig } from "../tooling/engine/stackFiles";

function issuesOf(raw: Record<string, unknown>, stack = "dev"): ConfigError {
  const error = configError(raw, stack);
  if (!error) throw new Error("expected a ConfigError");
  return error;
}

describe("parseConfig", () => {
  it("applies documented defaults", () => {
    const config = parseConfig(validDockerConfig(), "dev");
    expect(config.app).toEqual({ name: "api", port: 8080, healthPath: "/healthz" });
    expect(config.blue).toMatchObject({ desiredCount: 2, cpu: 256, memory: 512, env: {}, secrets: {} });
    expect(config.traffic).toEqual({ blue: 100, green: 0, rollback: false, stickinessSeconds: 0 });
    expect(config.environment).toBe("development");
    expect(config.gate.maxStep).toBe(100);
  });

  it("moves production traffic in steps of at most 25 points unless the stack says otherwise", () => {
    const production = { ...validDockerConfig(), "bluegreen:environment": "production" };
    expect(parseConfig(production, "prod").gate.maxStep).toBe(PRODUCTION_MAX_STEP);
    expect(parseConfig({ ...production, "bluegreen:gate": JSON.stringify({ maxStep: 40 }) }, "prod").gate.maxStep).toBe(
      40,
    );
    expect(
      parseConfig({ ...production, "bluegreen:gate": JSON.stringify({ intervalMs: 500 }) }, "prod").gate,
    ).toMatchObject({ maxStep: 25, intervalMs: 500 });
    expect(parseConfig({ ...validDockerConfig(), "bluegreen:environment": "staging" }, "staging").gate.maxStep).toBe(
      100,
    );
  });

  it("reports every problem at once with full keys, the stack file and the fix", () => {
    const error = issuesOf(
      {
        ...validDockerConfig(),
        "bluegreen:blue": JSON.stringify({ version: "1.4", image: "api:1.4" }),
        "bluegreen:traffic": JSON.stringify({ blue: 1200, green: 2.5 }),
        "bluegreen:trafic": JSON.stringify({ blue: 1 }),
      },
      "staging",
    );
    expect(error.issues.map((i) => i.key)).toEqual([
      "bluegreen:blue.version",
      "bluegreen:traffic.blue",
      "bluegreen:traffic.green",
      "bluegreen:trafic",
    ]);
    expect(error.message).toContain("Pulumi.staging.yaml has 4 configuration problems; nothing was deployed:");
    expect(error.message).toContain(
      "bluegreen:blue.version: must be an exact semver version such as 1.4.2, 1.5.0-rc.1 or 1.10.3+build.7 (no range, no leading 'v') (got \"1.4\")",
    );
    expect(error.message).toContain(
      "bluegreen:traffic.blue: must be from 0 to 999 (the ALB limit per target group) (got 1200)",
    );
    expect(error.message).toContain("bluegreen:traffic.green: must be a whole number (got 2.5)");
    expect(error.message).toContain("bluegreen:trafic: is not a known setting");
    expect(error.message).toContain("Fix each key in Pulumi.staging.yaml");
  });

  it("rejects a split where no color gets traffic", () => {
    const error = issuesOf({ ...validDockerConfig(), "bluegreen:traffic": JSON.stringify({ blue: 0, green: 0 }) });
    expect(error.issues).toEqual([
      { key: "bluegreen:traffic.green", message: expect.stringContaining("at least one color needs a weight above 0") },
    ]);
  });

  it("names missing required keys", () => {
    const { "bluegreen:green": _green, ...withoutGreen } = validDockerConfig();
    const error = issuesOf(withoutGreen);
    expect(error.issues).toEqual([
      { key: "bluegreen:green", message: "is required (object); add it to the stack file" },
    ]);
  });

  it("requires what the aws platform needs, including aws:region and a reachable gate", () => {
    const error = issuesOf({ ...validDockerConfig(), "bluegreen:platform": "aws" }, "staging");
    expect(error.issues.map((i) => i.key)).toEqual(["bluegreen:listener", "bluegreen:network", "aws:region"]);
    const noCidrs = issuesOf({
      ...validDockerConfig(),
      "bluegreen:platform": "aws",
      "aws:region": "eu-west-1",
      "bluegreen:listener": JSON.stringify({}),
      "bluegreen:network": JSON.stringify({}),
    });
    expect(noCidrs.issues.map((i) => i.key)).toEqual(["bluegreen:listener.testIngressCidrs"]);
  });

  it("checks existing-VPC settings together", () => {
    const error = issuesOf({
      ...validDockerConfig(),
      "bluegreen:platform": "aws",
      "aws:region": "eu-west-1",
      "bluegreen:listener": JSON.stringify({ testIngressCidrs: ["10.0.0.0/8"] }),
      "bluegreen:network": JSON.stringify({ vpcId: "vpc-0abc", publicSubnetIds: ["subnet-01"] }),
    });
    expect(error.issues.map((i) => i.key)).toEqual([
      "bluegreen:network.publicSubnetIds",
      "bluegreen:network.privateSubnetIds",
    ]);
  });

  it("embeds the gate settings' own validation under bluegreen:gate", () => {
    const error = issuesOf({
      ...validDockerConfig(),
      "bluegreen:gate": JSON.stringify({ requestTimeoutMs: 5000, deadlineSeconds: 2 }),
    });
    expect(error.issues[0].key).toBe("bluegreen:gate.requestTimeoutMs");
  });

  it.each(["staging", "production"])("accepts the shipped Pulumi.%s.yaml", (stack) => {
    const config = parseConfig(readStackConfig(stack).values, stack);
    expect(config.platform).toBe("aws");
    expect(config.environment).toBe(stack);
  });
});
