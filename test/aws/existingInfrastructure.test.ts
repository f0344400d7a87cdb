/**
 * The aws platform on the user's existing infrastructure, under the
 * deterministic mocks: the program with the stack config's
 * `bluegreen:loadBalancer` / `bluegreen:cluster` keys, and a user's program
 * that hands `awsPlatform` Outputs of its own VPC and load balancer. The
 * app's rule on a user's listener (weighted, behind the gates, never a
 * listener or default action of the user's changed), a listener of its own
 * on a free port, an existing cluster, and each new key's config errors.
 */
import { describe, expect, it } from "vitest";
import { existingLoadBalancerIssues } from "../../components/aws/existingConfig";
import { pathPrefix, ruleConditions, trafficUrl } from "../../components/aws/infrastructure";
import { AWS_TAGS, ROUTE_KINDS } from "../../components/contracts/markers";
import { CLOUD_TYPES } from "../../components/contracts/resourceTypes";
import { fakeResource } from "../../tooling/engine/mocks";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { configError } from "../configErrors";
import { named, ofType, waitsFor } from "../program/graph";
import { inputsOf, USERS_HOST, USERS_PRIORITY, usersProgram } from "./usersStack";

const ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared-edge/50dc6c495c0c9188";
const LISTENER_ARN =
  "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared-edge/50dc6c495c0c9188/f2f7dc8efc522ab2";
const ALB_SG = "sg-0123456789abcdef0";
const CLUSTER_ARN = "arn:aws:ecs:eu-west-1:123456789012:cluster/platform-shared";
const EXISTING_VPC = {
  vpcId: "vpc-0a1b2c3d4e5f60718",
  publicSubnetIds: ["subnet-0aa11bb22cc33dd44", "subnet-0ee55ff66aa77bb88"],
  privateSubnetIds: ["subnet-0cc99dd00ee11ff22", "subnet-0aa33bb44cc55dd66"],
};
const RULE = {
  arn: ALB_ARN,
  securityGroupId: ALB_SG,
  listenerArn: LISTENER_ARN,
  priority: 120,
  hostHeaders: ["api.example.com"],
  pathPatterns: ["/api/*"],
};

/** Staging (90/10, stickiness 300 s, test listeners reachable from 203.0.113.0/24) with whole sections replaced. */
function staging(sections: Record<string, unknown>, stack = "staging"): Promise<ProgramRun> {
  return runProgram(stack, { overrides: sections });
}

const tgArn = (run: ProgramRun, color: string) =>
  fakeResource(CLOUD_TYPES.targetGroup, `api-${color}-tg`, named(run, `api-${color}-tg`).inputs, "eu-west-1").state.arn;

describe("a rule on the user's listener (bluegreen:loadBalancer.listenerArn)", () => {
  it("adds one weighted rule with the priority and conditions, and creates no load balancer or traffic listener", async () => {
    const run = await staging({ "bluegreen:network": EXISTING_VPC, "bluegreen:loadBalancer": RULE });
    expect(ofType(run, CLOUD_TYPES.loadBalancer)).toEqual([]);
    expect(run.resources.map((r) => r.name)).not.toContain("api-traffic-listener");
    expect(run.resources.map((r) => r.name)).not.toContain("api-lb-sg");
    const rule = named(run, "api-traffic-rule");
    expect(inputsOf(rule)).toEqual({
      listenerArn: LISTENER_ARN,
      priority: 120,
      conditions: [{ hostHeader: { values: ["api.example.com"] } }, { pathPattern: { values: ["/api/*"] } }],
      actions: [
        {
          type: "forward",
          forward: {
            targetGroups: [
              { arn: tgArn(run, "blue"), weight: 90 },
              { arn: tgArn(run, "green"), weight: 10 },
            ],
            stickiness: { enabled: true, duration: 300 },
          },
        },
      ],
      tags: { [AWS_TAGS.app]: "api", [AWS_TAGS.route]: ROUTE_KINDS.weighted, [AWS_TAGS.testPorts]: "8081,8082" },
    });
    expect(run.outputs.url).toBe("https://api.example.com/api/");
  });

  it("moves traffic only after both gates passed", async () => {
    const run = await staging({ "bluegreen:network": EXISTING_VPC, "bluegreen:loadBalancer": RULE });
    const rule = named(run, "api-traffic-rule");
    expect(waitsFor(run, rule, named(run, "api-green-gate-check"))).toBe(true);
    expect(waitsFor(run, rule, named(run, "api-blue-gate-check"))).toBe(true);
  });

  it("puts only the per-color test listeners on the user's load balancer, reachable from testIngressCidrs through rules of its own", async () => {
    const run = await staging({ "bluegreen:network": EXISTING_VPC, "bluegreen:loadBalancer": RULE });
    const listeners = ofType(run, CLOUD_TYPES.listener);
    expect(listeners.map((l) => [l.name, inputsOf(l).loadBalancerArn, inputsOf(l).port])).toEqual([
      ["api-blue-test-listener", ALB_ARN, 8081],
      ["api-green-test-listener", ALB_ARN, 8082],
    ]);
    const ingress = ofType(run, CLOUD_TYPES.securityGroupIngressRule).filter((r) => r.name.startsWith("api-lb-"));
    expect(
      ingress.map((r) => [r.name, inputsOf(r).securityGroupId, inputsOf(r).fromPort, inputsOf(r).cidrIpv4]),
    ).toEqual([
      ["api-lb-blue-test-ingress-0", ALB_SG, 8081, "203.0.113.0/24"],
      ["api-lb-green-test-ingress-0", ALB_SG, 8082, "203.0.113.0/24"],
    ]);
    // The tasks admit the user's load balancer.
    expect(inputsOf(named(run, "api-green-tasks-sg")).ingress[0].securityGroups).toEqual([ALB_SG]);
    expect(inputsOf(named(run, "api-green-tg")).vpcId).toBe(EXISTING_VPC.vpcId);
  });

  it("answers with the maintenance page from the same rule while maintenance is on, claiming no other priority", async () => {
    const run = await staging({
      "bluegreen:network": EXISTING_VPC,
      "bluegreen:loadBalancer": RULE,
      "bluegreen:maintenance": { enabled: true },
    });
    const rules = ofType(run, CLOUD_TYPES.listenerRule);
    expect(rules.map((r) => r.name)).toEqual(["api-traffic-rule"]);
    expect(inputsOf(rules[0]).priority).toBe(120);
    expect(inputsOf(rules[0]).actions).toEqual([
      expect.objectContaining({
        type: "fixed-response",
        fixedResponse: expect.objectContaining({ statusCode: "503" }),
      }),
    ]);
    expect(inputsOf(rules[0]).tags[AWS_TAGS.route]).toBe(ROUTE_KINDS.maintenance);
  });
});

describe("a listener of the app's own on the user's load balancer (bluegreen:loadBalancer.port)", () => {
  it("listens on the port with the stack's certificate and a weighted forward, its URL on that port", async () => {
    const run = await staging({
      "bluegreen:network": EXISTING_VPC,
      "bluegreen:loadBalancer": { arn: ALB_ARN, securityGroupId: ALB_SG, port: 8443 },
    });
    expect(ofType(run, CLOUD_TYPES.loadBalancer)).toEqual([]);
    expect(ofType(run, CLOUD_TYPES.listenerRule)).toEqual([]);
    const listener = inputsOf(named(run, "api-traffic-listener"));
    expect(listener).toMatchObject({
      loadBalancerArn: ALB_ARN,
      port: 8443,
      protocol: "HTTPS",
      certificateArn: expect.stringMatching(/:certificate\//),
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      defaultActions: [{ type: "forward", forward: { targetGroups: [{ weight: 90 }, { weight: 10 }] } }],
    });
    // The DNS name is looked up from the ARN (the mock derives it from the name and id in it).
    expect(run.outputs.url).toBe("https://shared-edge-50dc6c495c0c9188.eu-west-1.elb.amazonaws.com:8443");
  });
});

describe("an existing ECS cluster (bluegreen:cluster.arn)", () => {
  it("runs the services and the migration there, creating no cluster but its own log group and execution role", async () => {
    const run = await staging({ "bluegreen:cluster": { arn: CLUSTER_ARN } });
    expect(ofType(run, "aws:ecs/cluster:Cluster")).toEqual([]);
    for (const service of ofType(run, CLOUD_TYPES.ecsService)) expect(inputsOf(service).cluster).toBe(CLUSTER_ARN);
    expect(inputsOf(named(run, "api-migration-run")).cluster).toBe(CLUSTER_ARN);
    expect(named(run, "api-ecs-logs").type).toBe("aws:cloudwatch/logGroup:LogGroup");
    expect(named(run, "api-ecs-execution").type).toBe("aws:iam/role:Role");
  });
});

describe("the user's own VPC and load balancer handed over as Outputs (a Pulumi program's resources)", () => {
  const dependsOn = (resource: RegisteredResource, property: string) =>
    (resource.propertyDependencies[property] ?? []).map((urn) => urn.split("::").pop());

  it("places the colors in the user's VPC and subnets, and its rule on the user's listener, by dependency", async () => {
    const run = await runProgram("production", { program: usersProgram() });
    expect(ofType(run, "aws:ec2/vpc:Vpc").map((r) => r.name)).toEqual(["shop-vpc"]);
    expect(ofType(run, CLOUD_TYPES.loadBalancer).map((r) => r.name)).toEqual(["shop-alb"]);
    expect(dependsOn(named(run, "api-green-tg"), "vpcId")).toEqual(["shop-vpc"]);
    expect(dependsOn(named(run, "api-green-service"), "networkConfiguration")).toEqual(
      expect.arrayContaining(["shop-private-0", "shop-private-1"]),
    );
    expect(dependsOn(named(run, "api-green-test-listener"), "loadBalancerArn")).toEqual(["shop-alb"]);
    const rule = named(run, "api-traffic-rule");
    expect(dependsOn(rule, "listenerArn")).toEqual(["shop-https"]);
    expect(inputsOf(rule)).toMatchObject({
      priority: USERS_PRIORITY,
      conditions: [{ hostHeader: { values: [USERS_HOST] } }],
    });
    // The user's listener keeps its own default action: nothing of the app's touched it.
    expect(inputsOf(named(run, "shop-https")).defaultActions).toEqual([
      { type: "forward", targetGroupArn: expect.stringContaining(":targetgroup/shop-web-tg") },
    ]);
    // The VPC's CIDR came from the user's VPC, not a lookup: the tasks reach the database there.
    expect(inputsOf(named(run, "api-green-tasks-sg")).egress).toContainEqual(
      expect.objectContaining({ fromPort: 5432, cidrBlocks: ["10.20.0.0/16"] }),
    );
    expect(run.outputs.url).toBe(`https://${USERS_HOST}`);
  });
});

describe("the rule's pure choices", () => {
  it("matches hosts and paths in one condition each, and shows the first fixed host and path in the URL", () => {
    expect(
      ruleConditions({ listenerArn: "x", priority: 1, hostHeaders: ["a.example.com", "*.b.example.com"] }),
    ).toEqual([{ hostHeader: { values: ["a.example.com", "*.b.example.com"] } }]);
    expect(ruleConditions({ listenerArn: "x", priority: 1, pathPatterns: ["/shop/*"] })).toEqual([
      { pathPattern: { values: ["/shop/*"] } },
    ]);
    expect(pathPrefix(["/shop/*"])).toBe("/shop/");
    expect(pathPrefix(["/*"])).toBe("");
    expect(pathPrefix(undefined)).toBe("");
    expect(trafficUrl({ https: true, port: 443, host: "a.example.com" }, ["/shop/*"])).toBe(
      "https://a.example.com/shop/",
    );
    expect(trafficUrl({ https: false, port: 8080, host: "lb.example.com" })).toBe("http://lb.example.com:8080");
  });
});

describe("config errors of the new keys", () => {
  const values = (sections: Record<string, unknown>, stack = "staging") => {
    const base = { ...readStackConfig(stack).values };
    for (const [key, value] of Object.entries(sections)) base[key] = JSON.stringify(value);
    return base;
  };
  const issues = (sections: Record<string, unknown>, stack = "staging") =>
    configError(values(sections, stack), stack)?.issues ?? [];

  it("refuses malformed ARNs and ids, naming each key", () => {
    const found = issues({
      "bluegreen:network": EXISTING_VPC,
      "bluegreen:loadBalancer": { ...RULE, arn: "shared-edge", securityGroupId: "edge", listenerArn: ALB_ARN },
      "bluegreen:cluster": { arn: "platform-shared" },
    });
    expect(found.map((i) => i.key).sort()).toEqual([
      "bluegreen:cluster.arn",
      "bluegreen:loadBalancer.arn",
      "bluegreen:loadBalancer.listenerArn",
      "bluegreen:loadBalancer.securityGroupId",
    ]);
    expect(found.find((i) => i.key === "bluegreen:cluster.arn")!.message).toContain("must be an ECS cluster ARN");
  });

  it("refuses a priority outside 1..50000", () => {
    for (const priority of [0, 50_001]) {
      expect(
        issues({ "bluegreen:network": EXISTING_VPC, "bluegreen:loadBalancer": { ...RULE, priority } }).map(
          (i) => i.key,
        ),
      ).toEqual(["bluegreen:loadBalancer.priority"]);
    }
  });

  it("refuses a rule without a condition, both a rule and a port, neither, and a rule without the VPC", () => {
    const noCondition = { ...RULE, hostHeaders: undefined, pathPatterns: undefined };
    expect(existingLoadBalancerIssues({ loadBalancer: noCondition, network: EXISTING_VPC })).toEqual([
      {
        key: "bluegreen:loadBalancer.hostHeaders",
        message:
          "or `bluegreen:loadBalancer.pathPatterns` must name at least one host or path: on a shared listener a rule without conditions would take every request from its other users",
      },
    ]);
    expect(
      existingLoadBalancerIssues({ loadBalancer: { ...RULE, port: 8443 }, network: EXISTING_VPC }).map((i) => i.key),
    ).toEqual(["bluegreen:loadBalancer.port"]);
    expect(
      existingLoadBalancerIssues({ loadBalancer: { arn: ALB_ARN, securityGroupId: ALB_SG }, network: EXISTING_VPC }),
    ).toEqual([
      {
        key: "bluegreen:loadBalancer.listenerArn",
        message:
          "or `bluegreen:loadBalancer.port` is required: a rule on an existing listener, or a listener of the app's own on a free port",
      },
    ]);
    expect(existingLoadBalancerIssues({ loadBalancer: RULE, network: {} }).map((i) => i.key)).toEqual([
      "bluegreen:network.vpcId",
    ]);
    expect(
      existingLoadBalancerIssues({ loadBalancer: { ...RULE, priority: undefined }, network: EXISTING_VPC }).map(
        (i) => i.key,
      ),
    ).toEqual(["bluegreen:loadBalancer.priority"]);
  });

  it("refuses more than 5 condition values, rule-only keys with a port, and a port taken by a test listener", () => {
    const many = { ...RULE, hostHeaders: ["a", "b", "c", "d"], pathPatterns: ["/x", "/y"] };
    expect(existingLoadBalancerIssues({ loadBalancer: many, network: EXISTING_VPC })[0].message).toContain(
      "name 6 values; an ALB rule takes at most 5 in all",
    );
    const found = issues({
      "bluegreen:network": EXISTING_VPC,
      "bluegreen:loadBalancer": { arn: ALB_ARN, securityGroupId: ALB_SG, port: 8082, priority: 3 },
    });
    expect(found).toEqual([
      {
        key: "bluegreen:loadBalancer.priority",
        message: "is only used with `bluegreen:loadBalancer.listenerArn`; remove it",
      },
      {
        key: "bluegreen:loadBalancer.port",
        message:
          "is 8082, the port of `bluegreen:listener.testPorts.green` (a load balancer has one listener per port); choose another free port",
      },
    ]);
  });
});
