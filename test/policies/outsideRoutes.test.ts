/**
 * Traffic to the app's colors is judged wherever it is registered (issue 24,
 * points 2 and 3), through the real analyzer: a route of the user's program,
 * outside the app's components, that sends to a color's target group or
 * Service is held to the gate rule like the app's own, on every platform and
 * in every shape (ALB listener and rule in `aws.lb` and `aws.alb`, a Gateway
 * API route, an Ingress); it passes only behind that color's gate for the
 * share it gives, or with a reason stated on it (which the pack's config can
 * refuse). A route of the user's to their own targets stays unjudged. And
 * for every pair of weights, a route gives a color no more than its gate
 * judged (a property).
 */
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AWS_TAGS, KUBERNETES_ANNOTATIONS } from "../../components/contracts/markers";
import { handMade, mutate } from "../../testkit/analyzerCases";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";
import { usersProgram } from "../aws/usersStack";

let analyzer: PolicyAnalyzer;
let staging: ProgramRun;
let kube: ProgramRun;
let users: ProgramRun;

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  staging = await runProgram("staging");
  kube = await runProgram("kube-staging");
  users = await runProgram("production", { program: usersProgram() });
  analyzer = await starting;
}, 120_000);
afterAll(() => analyzer?.stop());

const named = (run: ProgramRun, name: string) => run.resources.find((r) => r.name === name)!;
/** The ARN the app's weighted listener forwards to for a color. */
const arnOf = (run: ProgramRun, color: "blue" | "green") =>
  (named(run, "api-traffic-listener").inputs as any).defaultActions[0].forward.targetGroups[color === "blue" ? 0 : 1]
    .arn as string;

/** [policy, resource] of each mandatory violation, sorted. */
async function refused(resources: readonly RegisteredResource[], config: Record<string, unknown> = {}) {
  const violations = await analyzer.analyze(resources, { config });
  return violations
    .filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => `${v.policyName} ${v.urn?.split("::").pop()}`)
    .sort();
}

/** A user's listener rule on the app's listener, forwarding to the given target groups with weights. */
function usersRule(
  run: ProgramRun,
  forward: { arn: string; weight: number }[],
  options: { type?: string; dependsOn?: string[]; tags?: Record<string, string> } = {},
): RegisteredResource {
  const rule = handMade(
    options.type ?? "aws:lb/listenerRule:ListenerRule",
    "users-qa-rule",
    {
      listenerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/api-lb-alb-472401b/472401b5/1",
      priority: 5,
      conditions: [{ httpHeader: { httpHeaderName: "x-qa", values: ["1"] } }],
      actions: [{ type: "forward", forward: { targetGroups: forward } }],
      ...(options.tags ? { tags: options.tags } : {}),
    },
    { usersOwn: true, dependsOn: (options.dependsOn ?? []).map((name) => named(run, name)) },
  );
  return rule;
}

const stagingConfig = () => readPolicyConfig("staging");

describe("a route of the user's program to the app's colors (AWS)", () => {
  it.each(["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule", "aws:alb/listener:Listener"])(
    "is judged like the app's own in the shape %s: all of green with no gate is refused",
    async (type) => {
      const listener = type.endsWith(":Listener");
      const base = usersRule(staging, [{ arn: arnOf(staging, "green"), weight: 1 }], { type });
      const route = listener
        ? { ...base, inputs: { port: 8443, protocol: "HTTPS", defaultActions: base.inputs.actions } }
        : base;
      expect(await refused([...staging.resources, route], stagingConfig())).toContain(
        "traffic-requires-promotion-gate users-qa-rule",
      );
    },
  );

  it("needs the gate of the color it sends to for the share it gives: green's gate judged 10 %, the rule gives 100 %", async () => {
    const behindGate = usersRule(staging, [{ arn: arnOf(staging, "green"), weight: 1 }], {
      dependsOn: ["api-green-gate-check"],
    });
    const violations = await analyzer.analyze([...staging.resources, behindGate], { config: stagingConfig() });
    expect(violations.map((v) => v.message)).toContainEqual(
      expect.stringContaining(
        "Listener rule users-qa-rule must give green no more of its traffic than green's promotion gate was judged for: it sends green 100 % (weight 1 of 1), but the gate api-green-gate-check judged green for 10 % (weight 10 of 100).",
      ),
    );
    // The same shares as the gates judged pass.
    const sameShares = usersRule(
      staging,
      [
        { arn: arnOf(staging, "blue"), weight: 9 },
        { arn: arnOf(staging, "green"), weight: 1 },
      ],
      { dependsOn: ["api-blue-gate-check", "api-green-gate-check"] },
    );
    expect(await refused([...staging.resources, sameShares], stagingConfig())).toEqual([]);
  });

  it("passes with a reason stated on it, unless the pack's config refuses stated exceptions", async () => {
    const stated = usersRule(staging, [{ arn: arnOf(staging, "green"), weight: 1 }], {
      tags: { [AWS_TAGS.securityException]: "QA reaches green by header before release (INC-7)" },
    });
    expect(await refused([...staging.resources, stated], stagingConfig())).toEqual([]);
    const strict = { ...stagingConfig(), "traffic-requires-promotion-gate": { allowStackExceptions: false } };
    expect(await refused([...staging.resources, stated], strict)).toContain(
      "traffic-requires-promotion-gate users-qa-rule",
    );
  });

  it("leaves the user's routes to their own targets alone, in the user's program around the library", async () => {
    expect(await refused(users.resources)).toEqual([]);
    const toGreen = handMade(
      "aws:lb/listenerRule:ListenerRule",
      "shop-beta-rule",
      {
        listenerArn: (named(users, "shop-https").inputs as any).arn ?? "arn:listener",
        priority: 7,
        conditions: [{ pathPattern: { values: ["/beta/*"] } }],
        actions: [{ type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/x/1" }],
      },
      { usersOwn: true, dependsOn: [named(users, "shop-https")] },
    );
    // A forward whose ARN is unknown names the target groups it depends on: here the app's green one.
    const unknownToGreen = {
      ...toGreen,
      inputs: { ...toGreen.inputs, actions: [{ type: "forward", targetGroupArn: undefined }] },
      propertyDependencies: { actions: [named(users, "api-green-tg").urn] },
    };
    expect(await refused([...users.resources, toGreen])).toEqual([]);
    expect(await refused([...users.resources, unknownToGreen])).toContain(
      "traffic-requires-promotion-gate shop-beta-rule",
    );
  });
});

describe("a route of the user's program to the app's colors (Kubernetes)", () => {
  const config = () => readPolicyConfig("kube-staging");
  const backend = { kind: "Service", name: "api-green", port: 80 };

  it("is judged like the app's own: an HTTPRoute and an Ingress to green with no gate are refused", async () => {
    const route = handMade(
      "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
      "users-green-route",
      {
        metadata: { name: "qa", namespace: "api-staging" },
        spec: { parentRefs: [{ name: "public", namespace: "gateway-system" }], rules: [{ backendRefs: [backend] }] },
      },
      { usersOwn: true },
    );
    const ingress = handMade(
      "kubernetes:networking.k8s.io/v1:Ingress",
      "users-green-ingress",
      {
        metadata: { name: "qa", namespace: "api-staging" },
        spec: { rules: [{ http: { paths: [{ path: "/", backend: { service: { name: "api-green" } } }] } }] },
      },
      { usersOwn: true },
    );
    expect(await refused([...kube.resources, route, ingress], config())).toEqual([
      "traffic-requires-promotion-gate users-green-ingress",
      "traffic-requires-promotion-gate users-green-route",
    ]);
    const stated = mutate([...kube.resources, route], "users-green-route", (r) => {
      r.inputs.metadata.annotations = { [KUBERNETES_ANNOTATIONS.securityException]: "QA route to green" };
    });
    expect(await refused(stated, config())).toEqual([]);
  });

  it("leaves a route to a Service of another namespace alone", async () => {
    const elsewhere = handMade(
      "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
      "users-other-route",
      {
        metadata: { name: "qa", namespace: "shop" },
        spec: { rules: [{ backendRefs: [backend] }] },
      },
      { usersOwn: true },
    );
    expect(await refused([...kube.resources, elsewhere], config())).toEqual([]);
  });
});

describe("the share a route gives a color, against the share its gate judged (any weights)", () => {
  it("is refused exactly when the route gives more than the gate judged", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 1, max: 100 }),
        async (blue, green, gateGreen) => {
          fc.pre(blue + green > 0);
          const resources = mutate(staging.resources, "api-green-gate-check", (r) => {
            r.inputs.weight = gateGreen;
            r.inputs.totalWeight = 100;
          }).map((r) =>
            r.name === "api-traffic-listener"
              ? mutate([r], r.name, (l) => {
                  const groups = (l.inputs as any).defaultActions[0].forward.targetGroups;
                  groups[0].weight = blue;
                  groups[1].weight = green;
                })[0]
              : r,
          );
          const violations = await analyzer.analyze(resources, { config: stagingConfig() });
          const overGreen = violations.some((v) => v.message.includes("must give green no more of its traffic"));
          // green / (blue + green) > gateGreen / 100, in whole numbers.
          expect(overGreen).toBe(green > 0 && green * 100 > gateGreen * (blue + green));
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});

describe("what a color's target serves", () => {
  it("refuses another color's tasks registered in a color's target group (AWS)", async () => {
    const blueTg = named(staging, "api-blue-tg").urn;
    const crossed = mutate(staging.resources, "api-green-service", (r) => {
      r.propertyDependencies = { ...r.propertyDependencies, loadBalancers: [blueTg] };
    });
    const violations = await analyzer.analyze(crossed, { config: stagingConfig() });
    expect(violations.map((v) => v.message)).toContainEqual(
      expect.stringContaining(
        "Target group api-blue-tg must serve only blue, whose gate waits for it: Service api-green-service (green's) serves it too",
      ),
    );
  });

  it("refuses a color's Service that selects the other color's pods (Kubernetes)", async () => {
    const crossed = mutate(kube.resources, "api-blue-service", (r) => {
      r.inputs.spec.selector = { "app.kubernetes.io/name": "api", "bluegreen/color": "green" };
    });
    expect(await refused(crossed, readPolicyConfig("kube-staging"))).toContain(
      "traffic-requires-promotion-gate api-blue-service",
    );
    // A selector that picks both colors' pods is refused too.
    const both = mutate(kube.resources, "api-blue-service", (r) => {
      r.inputs.spec.selector = { "app.kubernetes.io/name": "api" };
    });
    expect(await refused(both, readPolicyConfig("kube-staging"))).toContain(
      "traffic-requires-promotion-gate api-blue-service",
    );
  });

  it("judges a mirror to a color as traffic its gate must have judged (Gateway API RequestMirror)", async () => {
    const mirror = (percent?: number) =>
      mutate(kube.resources, "api-traffic-route", (r) => {
        r.inputs.spec.rules[0].filters = [
          {
            type: "RequestMirror",
            requestMirror: { backendRef: { name: "api-green", port: 80 }, ...(percent ? { percent } : {}) },
          },
        ];
      });
    const config = readPolicyConfig("kube-staging");
    // kube-staging's green gate judged 10 %: a mirror of every request is more, of 10 % is not.
    expect(await refused(mirror(), config)).toContain("traffic-requires-promotion-gate api-traffic-route");
    expect(await refused(mirror(10), config)).toEqual([]);
  });
});
