/**
 * Ways around the traffic rules, each closed, through the real analyzer:
 * every forward shape of the app's routes counts, a target of unknown color
 * is a violation, the per-color test listeners are exempt only while they
 * really are test listeners, and routes the program did not create (a larger
 * program's own) are not judged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AWS_TAGS, ROUTE_KINDS } from "../../components/contracts/markers";
import { CLOUD_TYPES } from "../../components/contracts/resourceTypes";
import { handMade, mutate, withoutDependencyOn } from "../../testkit/analyzerCases";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";

let analyzer: PolicyAnalyzer;
let production: ProgramRun;

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  production = await runProgram("production");
  analyzer = await starting;
}, 120_000);
afterAll(() => analyzer?.stop());

const named = (name: string) => production.resources.find((r) => r.name === name)!;
const arnOf = (name: string) => named(name).inputs.arn as string;
/** [policy, resource] of each violation, sorted. */
async function flagged(resources: readonly RegisteredResource[]): Promise<string[]> {
  return (await analyzer.analyze(resources)).map((v) => `${v.policyName} ${v.urn?.split("::").pop()}`).sort();
}

describe("traffic rules against bypasses (production)", () => {
  it("tells a target group's color by the gate that waits for it, never by its tag", async () => {
    // Tags are markers: removed or swapped, they change nothing.
    const untagged = mutate(production.resources, "api-blue-tg", (r) => delete r.inputs.tags.color);
    expect(await flagged(untagged)).not.toContain("traffic-requires-promotion-gate api-traffic-listener");
    // The gate no longer waits for it: no gate vouches for its traffic.
    const orphaned = withoutDependencyOn(production.resources, "api-blue-tg", "api-blue-gate-check");
    expect(await flagged(orphaned)).toContain("traffic-requires-promotion-gate api-traffic-listener");
    const cut = withoutDependencyOn(production.resources, "api-blue-gate-check", "api-traffic-listener");
    expect(await flagged(cut)).toContain("traffic-requires-promotion-gate api-traffic-listener");
  });

  it("flags the user-facing listener turned into a single targetGroupArn forward with no gate, and holds it to HTTPS", async () => {
    const single = mutate(production.resources, "api-traffic-listener", (r) => {
      r.inputs.defaultActions = [{ type: "forward", targetGroupArn: arnOf("api-green-tg") }];
      r.inputs.protocol = "HTTP";
    });
    const ungated = withoutDependencyOn(single, "api-green-gate-check", "api-traffic-listener");
    const result = await flagged(ungated);
    expect(result).toContain("traffic-requires-promotion-gate api-traffic-listener");
    expect(result).toContain("listener-https-modern-tls api-traffic-listener");
  });

  it("flags the port-80 redirect turned into a forward: a user route like any other", async () => {
    const forward = mutate(production.resources, "api-lb-http-redirect", (r) => {
      r.inputs.defaultActions = [{ type: "forward", targetGroupArn: arnOf("api-green-tg") }];
    });
    const result = await flagged(forward);
    expect(result).toContain("traffic-requires-promotion-gate api-lb-http-redirect");
    expect(result).toContain("listener-https-modern-tls api-lb-http-redirect");
  });

  it("judges the app's listener rules' forward actions too", async () => {
    const rule = handMade(CLOUD_TYPES.listenerRule, "api-canary-rule", {
      listenerArn: named("api-traffic-listener").inputs.arn,
      priority: 10,
      actions: [{ type: "forward", targetGroupArn: arnOf("api-green-tg") }],
      conditions: [{ pathPattern: { values: ["/beta/*"] } }],
      tags: { [AWS_TAGS.app]: "api", [AWS_TAGS.route]: ROUTE_KINDS.weighted },
    });
    expect(await flagged([...production.resources, rule])).toContain("traffic-requires-promotion-gate api-canary-rule");
  });

  it("exempts a test listener only on a declared test port, admitting nobody the user-facing listener admits", async () => {
    expect(await flagged(production.resources)).toEqual([]);
    const moved = mutate(production.resources, "api-green-test-listener", (r) => (r.inputs.port = 9443));
    expect(await flagged(moved)).toContain("traffic-requires-promotion-gate api-green-test-listener");
    const open = mutate(production.resources, "api-lb-sg", (r) => {
      for (const rule of r.inputs.ingress) if (rule.fromPort === 8082) rule.cidrBlocks = ["0.0.0.0/0"];
    });
    expect(await flagged(open)).toContain("traffic-requires-promotion-gate api-green-test-listener");
    const relabelled = mutate(
      production.resources,
      "api-green-test-listener",
      (r) => (r.inputs.tags[AWS_TAGS.route] = ROUTE_KINDS.weighted),
    );
    expect(await flagged(relabelled)).toContain("traffic-requires-promotion-gate api-green-test-listener");
  });

  it("does not judge a larger program's own listener to its own target group", async () => {
    const theirs = handMade(
      CLOUD_TYPES.listener,
      "billing-listener",
      {
        loadBalancerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared/0123",
        port: 80,
        protocol: "HTTP",
        defaultActions: [
          {
            type: "forward",
            targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/billing/0123",
          },
        ],
      },
      { usersOwn: true },
    );
    expect(await flagged([...production.resources, theirs])).toEqual([]);
  });
});
