/**
 * examples/aws-existing-vpc under the deterministic mocks, as the program's
 * tests run the program: the team's own VPC, load balancer and listener, and
 * the AwsBlueGreen component added to them by reference.
 */
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { COMPONENT_TYPES } from "../../components/contracts/resourceTypes";
import { fakeResource } from "../../tooling/engine/mocks";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { SHOP_HOST, SHOP_PRIORITY, shopPlatform } from "../../examples/aws-existing-vpc/shopPlatform";
import { named, ofType, waitsFor } from "../program/graph";

const EXAMPLE_DIR = path.join(__dirname, "..", "..", "examples", "aws-existing-vpc");
const REGION = "eu-west-1";

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("dev", { projectDir: EXAMPLE_DIR, program: shopPlatform });
});

const inputs = (resource: RegisteredResource) => resource.inputs as Record<string, any>;
/** The id or ARN the mocks give the user's resource `name`. */
const userValue = (name: string, output: string) => {
  const resource = named(run, name);
  return fakeResource(resource.type, name, resource.inputs, REGION).state[output];
};
/** Resources with `ancestor` above them in the parent chain. */
function under(ancestor: RegisteredResource): RegisteredResource[] {
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const within = (r: RegisteredResource): boolean =>
    r.parent === ancestor.urn || (byUrn.has(r.parent) && within(byUrn.get(r.parent)!));
  return run.resources.filter(within);
}

describe("examples/aws-existing-vpc", () => {
  it("registers the component with the release under it: guard, colors, gates, route", () => {
    const [shop] = ofType(run, COMPONENT_TYPES.awsBlueGreen);
    expect(shop.name).toBe("shop");
    const children = under(shop).map((r) => r.name);
    expect(children).toEqual(
      expect.arrayContaining([
        "shop-release-guard",
        "shop-blue-service",
        "shop-green-service",
        "shop-blue-gate",
        "shop-green-gate",
        "shop-traffic-rule",
      ]),
    );
    // The user's own resources stay theirs: nothing of the team's program is under the component.
    for (const own of ["platform-vpc", "platform-alb", "platform-http", "platform-alb-sg"]) {
      expect(children).not.toContain(own);
    }
  });

  it("adds one rule on the user's listener, with the priority and host condition, forwarding by weight", () => {
    const rule = named(run, "shop-traffic-rule");
    expect(inputs(rule)).toMatchObject({
      listenerArn: userValue("platform-http", "arn"),
      priority: SHOP_PRIORITY,
      conditions: [{ hostHeader: { values: [SHOP_HOST] } }],
      actions: [{ type: "forward", forward: { targetGroups: [{ weight: 90 }, { weight: 10 }] } }],
    });
    expect(waitsFor(run, rule, named(run, "shop-green-gate-check"))).toBe(true);
    // The scheme and port are read from the listener (the mocks answer every listener as HTTPS on 443).
    expect(run.outputs.url).toBe(`https://${SHOP_HOST}`);
  });

  it("leaves the user's listener and its default action as the user's program registered them", () => {
    const listeners = ofType(run, "aws:lb/listener:Listener");
    const userListener = named(run, "platform-http");
    expect(inputs(userListener).defaultActions).toEqual([
      {
        type: "fixed-response",
        fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "no such service" },
      },
    ]);
    // The component's own listeners are the per-color test listeners, never on the user's port 80.
    const own = listeners.filter((l) => l !== userListener);
    expect(own.map((l) => inputs(l).port).sort()).toEqual([8081, 8082]);
    expect(own.every((l) => inputs(l).loadBalancerArn === userValue("platform-alb", "arn"))).toBe(true);
    expect(ofType(run, "aws:lb/loadBalancer:LoadBalancer").map((r) => r.name)).toEqual(["platform-alb"]);
  });

  it("wires the user's ids: target groups in the VPC, services in the private subnets behind the ALB's group", () => {
    const vpcId = userValue("platform-vpc", "id");
    for (const color of ["blue", "green"]) {
      expect(inputs(named(run, `shop-${color}-tg`)).vpcId).toBe(vpcId);
      expect(inputs(named(run, `shop-${color}-service`)).networkConfiguration.subnets).toEqual([
        userValue("platform-private-0", "id"),
        userValue("platform-private-1", "id"),
      ]);
    }
    const ingress = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
      (r) => inputs(r).securityGroupId === userValue("platform-alb-sg", "id"),
    );
    expect(ingress.map((r) => inputs(r).fromPort).sort()).toEqual([8081, 8082]);
  });
});
