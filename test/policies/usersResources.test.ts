/**
 * The pack judges only what bluegreen's components created, through the
 * real analyzer: a platform team's own VPC, load balancer, security group
 * open to the world, target group without a health check and HTTP listener
 * forwarding by its default action sit in the same stack as the app, which
 * joins their load balancer. Their resources are never flagged; the app's
 * are still judged (one of them broken is flagged), at a first preview too,
 * and when the program takes the load balancer from the stack config.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPONENT_TYPES } from "../../components/contracts/resourceTypes";
import { createdByApp } from "../../policies/structure";
import { handMade, mutate } from "../../testkit/analyzerCases";
import { RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { usersProgram } from "../aws/usersStack";

let analyzer: PolicyAnalyzer;
beforeAll(async () => {
  analyzer = await startPolicyAnalyzer();
}, 120_000);
afterAll(() => analyzer?.stop());

/** `policy resource` of each violation, sorted. */
async function flagged(resources: readonly RegisteredResource[]): Promise<string[]> {
  return (await analyzer.analyze(resources)).map((v) => `${v.policyName} ${v.urn?.split("::").pop()}`).sort();
}

const ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared-edge/50dc6c495c0c9188";

describe("the app on a user's load balancer, in the user's program (production)", () => {
  it("flags none of the user's resources, and passes the app's own", async () => {
    const run = await runProgram("production", { program: usersProgram() });
    // What the pack would say of them were they the app's: a target group without a health check, HTTP to users.
    expect(run.resources.map((r) => r.name)).toEqual(
      expect.arrayContaining(["shop-web-tg", "shop-https", "shop-lb-sg"]),
    );
    expect(await flagged(run.resources)).toEqual([]);
  });

  it("still judges the app's own: a color's target group without a health check is flagged, the user's is not", async () => {
    const run = await runProgram("production", { program: usersProgram() });
    const broken = mutate(run.resources, "api-green-tg", (r) => delete r.inputs.healthCheck);
    expect(await flagged(broken)).toEqual(["target-group-health-check api-green-tg"]);
  });

  it("still holds the test listeners on the user's load balancer to their declared ports", async () => {
    const run = await runProgram("production", { program: usersProgram() });
    const moved = mutate(run.resources, "api-green-test-listener", (r) => (r.inputs.port = 9443));
    expect(await flagged(moved)).toContain("traffic-requires-promotion-gate api-green-test-listener");
  });

  it("flags none of the user's resources at a first preview either (every ARN unknown)", async () => {
    const run = await runProgram("production", { program: usersProgram(), firstPreview: true });
    // Only what a first preview cannot know: which of the app's target groups gets which weight of its rule.
    const violations = await analyzer.analyze(run.resources);
    expect(violations.map((v) => [v.policyName, v.enforcementLevel, v.urn])).toEqual([
      ["traffic-requires-promotion-gate", "advisory", undefined],
    ]);
    expect(violations[0].message).toContain("which share listener rule api-traffic-rule gives each color");
    const broken = mutate(run.resources, "api-blue-tg", (r) => delete r.inputs.healthCheck);
    expect((await flagged(broken)).filter((v) => !v.endsWith("undefined"))).toEqual([
      "target-group-health-check api-blue-tg",
    ]);
  });

  it("passes the app's own listener on a free port of the user's load balancer", async () => {
    const run = await runProgram("production", {
      program: usersProgram({
        port: 8443,
        certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/7a9e1c3b-2f4d-4e6a-8b0c-1d2e3f4a5b6c",
      }),
    });
    expect(await flagged(run.resources)).toEqual([]);
    const plain = mutate(run.resources, "api-traffic-listener", (r) => {
      r.inputs.protocol = "HTTP";
      delete r.inputs.certificateArn;
    });
    expect(await flagged(plain)).toEqual(["listener-https-modern-tls api-traffic-listener"]);
  });
});

describe("the program on a user's load balancer from the stack config (ARNs, no resources)", () => {
  it("passes the pack: the test listeners' ports are declared by the app's rule on that load balancer", async () => {
    const run = await runProgram("production", {
      overrides: {
        "bluegreen:loadBalancer": {
          arn: ALB_ARN,
          securityGroupId: "sg-0123456789abcdef0",
          listenerArn: `${ALB_ARN.replace(":loadbalancer/", ":listener/")}/f2f7dc8efc522ab2`,
          priority: 120,
          hostHeaders: ["api.example.com"],
        },
      },
    });
    expect(await flagged(run.resources)).toEqual([]);
  });
});

describe("ownership by URN", () => {
  it("is the app's when a parent type is a bluegreen component, whatever wraps it", () => {
    const type = "aws:lb/targetGroup:TargetGroup";
    expect(
      createdByApp(
        `urn:pulumi:prod::shop::${COMPONENT_TYPES.app}$${COMPONENT_TYPES.awsColorService}$${type}::api-blue-tg`,
      ),
    ).toBe(true);
    expect(createdByApp(`urn:pulumi:prod::shop::my:index:Edge$${COMPONENT_TYPES.app}$${type}::api-blue-tg`)).toBe(true);
    expect(createdByApp(`urn:pulumi:prod::shop::${type}::shop-web-tg`)).toBe(false);
    expect(createdByApp(`urn:pulumi:prod::shop::my:index:Edge$${type}::shop-web-tg`)).toBe(false);
    // The type itself never counts: a component is not inside itself.
    expect(createdByApp(`urn:pulumi:prod::shop::${COMPONENT_TYPES.app}::api`)).toBe(false);
  });

  it("drops a hand-made resource of the user's program, judged when the app's component registers it", async () => {
    const open = (usersOwn: boolean) =>
      handMade(
        "aws:lb/targetGroup:TargetGroup",
        "reports-tg",
        { port: 80, protocol: "HTTP", healthCheck: { enabled: false } },
        { usersOwn },
      );
    expect(await flagged([open(true)])).toEqual([]);
    expect(await flagged([open(false)])).toEqual([
      // The app's components do not create a target group without its color marker.
      "app-routing-marked reports-tg",
      "target-group-deregistration-delay reports-tg",
      "target-group-health-check reports-tg",
    ]);
  });
});
