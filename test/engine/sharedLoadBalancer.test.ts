/**
 * Real engine, fake cloud: a stack on the platform team's infrastructure
 * (bluegreen:loadBalancer with a listener rule, bluegreen:cluster.arn, an
 * existing VPC), previewed by `pulumi preview --policy-pack` as a user runs
 * it. The load balancer and listener lookups go through the engine to the
 * (fake) aws provider; the pack judges only what the components create.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse } from "yaml";
import { createEngineProject, EngineProject, EngineStep, previewSteps } from "../../testkit/engine";

const STACK = "shared-edge";
const FIXTURE = path.join(__dirname, "..", "fixtures", "stacks", "aws-shared-listener-rule.yaml");
let project: EngineProject;

beforeAll(async () => {
  project = createEngineProject();
  fs.copyFileSync(FIXTURE, path.join(project.dir, `Pulumi.${STACK}.yaml`));
  await project.ok(["stack", "init", STACK, "--secrets-provider", "passphrase"]);
}, 120_000);

afterAll(() => project?.remove());

const created = (steps: EngineStep[], type: string) =>
  steps.filter((step) => step.op === "create" && step.newState?.type === type);

it("adds its own rule to the user's listener and nothing else to the user's load balancer, policy pack passing", async () => {
  const shared = (parse(fs.readFileSync(FIXTURE, "utf8")) as { config: Record<string, unknown> }).config[
    "bluegreen:loadBalancer"
  ] as { arn: string; listenerArn: string };
  const preview = await project.pulumi([
    "preview",
    "--stack",
    STACK,
    "--json",
    "--policy-pack",
    path.join(project.dir, "policies"),
  ]);
  expect(preview.code, `${preview.stdout}\n${preview.stderr}`).toBe(0);
  const steps = previewSteps(preview.stdout);

  const rules = created(steps, "aws:lb/listenerRule:ListenerRule");
  expect(rules).toHaveLength(1);
  const rule = rules[0].newState!.inputs!;
  expect(rule.listenerArn).toBe(shared.listenerArn);
  expect(rule.priority).toBe(120);
  expect(JSON.stringify(rule.conditions)).toContain("api.example.com");
  // Weighted forward to both colors' target groups, as the program's own listener would.
  const forward = (rule.actions as { forward?: { targetGroups: unknown[] } }[])[0].forward;
  expect(forward?.targetGroups).toHaveLength(2);

  // The user's load balancer, listener and cluster are referenced, never created or replaced.
  for (const type of ["aws:lb/loadBalancer:LoadBalancer", "aws:ecs/cluster:Cluster", "aws:ec2/vpc:Vpc"]) {
    expect(created(steps, type), type).toEqual([]);
  }
  // On the user's load balancer: only the two per-color test listeners of ours, on the test ports.
  const listeners = created(steps, "aws:lb/listener:Listener").map((step) => step.newState!.inputs!);
  expect(listeners.map((listener) => listener.port).sort()).toEqual([8081, 8082]);
  for (const listener of listeners) expect(listener.loadBalancerArn).toBe(shared.arn);
}, 300_000);
