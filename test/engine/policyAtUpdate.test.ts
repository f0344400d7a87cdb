/**
 * Real engine, fake cloud: what the policy pack cannot judge at a first
 * preview it judges at `pulumi up`, and says so (issue 24, point 6); and a
 * route of the user's program to the app's colors is judged like the app's
 * own, against the share each color's gate judged (points 2 and 3). The
 * program is a user's (policyAtUpdateProgram.ts: their VPC, load balancer and
 * listener, the library's AwsBlueGreen on an existing database, their own
 * listener rule), run by the CLI with `--policy-pack` and the staging pack
 * config; the gates probe a loopback stand-in.
 *
 * What is shown, each through one `pulumi up --yes` (its preview, then its
 * update, as the CLI prints them) or `pulumi preview`:
 *
 * 1. A resource policy refuses at update what the first preview could not
 *    see: `vpcCidr` computed from the VPC's id is `0.0.0.0/0` once known, so
 *    the colors' task security groups would open the database port to the
 *    internet. The preview reports `security-group-egress-scoped` as advisory
 *    "can't run ... during preview", naming the egress rule and saying it is
 *    judged before the resource is created; the update then fails with the
 *    mandatory violation, and the state holds what was created before (the
 *    user's VPC, subnets, load balancer and listener, the app's cluster) but
 *    no task security group, nor anything that waits for one (services,
 *    gates, routes).
 * 2. A stack policy fails the update after its changes and says what to
 *    undo: the user's QA rule forwards to the app's target groups (ARNs from
 *    the component's `resourceIds`, unknown at a first preview) with the
 *    weights swapped, green 90 of 100 where green's gate judged 10 of 100.
 *    The preview reports `traffic-requires-promotion-gate` as advisory (which
 *    share the rule gives each color); the gates pass, the rule is created,
 *    and the update fails with the mandatory violation saying the rule
 *    already sends that traffic and how to undo it; the rule is in the
 *    state with those weights.
 * 3. With the stack up (a correct program: the QA rule with the app's own
 *    weights), `pulumi preview` judges the user's rule with its ARNs known:
 *    all of it to green with no dependency on the gates is refused; the same
 *    with `bluegreen:security-exception` passes; behind the gates but giving
 *    green 100 % where its gate judged 10 % is refused with the share.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineProject, EngineProject } from "../../testkit/engine";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";
import { QA_RULE, QaRule, SHOP_TRAFFIC } from "./policyAtUpdateProgram";

const PROGRAM = path.join("test", "engine", "policyAtUpdateProgram.ts");
let project: EngineProject;
let app: FaultServer;

beforeAll(async () => {
  project = createEngineProject();
  app = await startFaultServer();
  fs.mkdirSync(path.join(project.dir, path.dirname(PROGRAM)), { recursive: true });
  fs.copyFileSync(path.join(__dirname, path.basename(PROGRAM)), path.join(project.dir, PROGRAM));
  fs.writeFileSync(
    path.join(project.dir, "index.ts"),
    'import { shopProgram } from "./test/engine/policyAtUpdateProgram";\n\n' +
      "export const { url, weights, resourceIds } = shopProgram();\n",
  );
}, 120_000);

afterAll(async () => {
  await app?.close();
  project?.remove();
});

async function initStack(stack: string): Promise<void> {
  await project.ok(["stack", "init", stack, "--secrets-provider", "passphrase"]);
  await project.setConfig(stack, [["aws:region", "eu-west-1"]]);
}

const packArgs = () => {
  const pack = path.join(project.dir, "policies");
  return ["--policy-pack", pack, "--policy-pack-config", path.join(pack, "config", "staging.json")];
};

/** The program's switches (see policyAtUpdateProgram.ts) and where its gates probe. */
const programEnv = (extra: Record<string, string> = {}) => ({ SHOP_GATE_URL: app.url(""), ...extra });

/** `pulumi up --yes` with the pack: what its preview printed, what its update printed, and the exit code. */
async function upWithPack(stack: string, env: Record<string, string>) {
  const result = await project.pulumi(["up", "--stack", stack, "--yes", ...packArgs()], env);
  const at = result.stdout.search(/^Updating \(/m);
  const output = `${result.stdout}\n${result.stderr}`;
  expect(at, `the update never started:\n${output}`).toBeGreaterThan(0);
  return { code: result.code, preview: result.stdout.slice(0, at), update: result.stdout.slice(at), output };
}

interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly outputs?: Record<string, any>;
}

async function stateOf(stack: string): Promise<StateResource[]> {
  const exported = JSON.parse((await project.ok(["stack", "export", "--stack", stack])).stdout);
  return exported.deployment.resources ?? [];
}

const nameOf = (resource: StateResource) => resource.urn.split("::").pop()!;
const typesIn = (state: readonly StateResource[]) => new Set(state.map((r) => r.type));

describe("a value unknown at the first preview is judged at `pulumi up`", () => {
  it("refuses the task security group at update, before it is created, once `vpcCidr` turns out to be 0.0.0.0/0", async () => {
    const stack = "egress";
    await initStack(stack);
    const up = await upWithPack(stack, programEnv({ SHOP_VPC_CIDR: "from-vpc-id" }));
    expect(up.code, up.output).not.toBe(0);

    // The preview passes, saying what it left for the update and when the update judges it.
    expect(up.preview).toContain(
      "- [advisory]  security-group-egress-scoped  (aws:ec2/securityGroup:SecurityGroup: shop-green-tasks-sg)",
    );
    expect(up.preview).toMatch(
      /can't run policy 'security-group-egress-scoped' from policy pack 'bluegreen@v[\d.]+' during preview: egress rule 1 of security group shop-green-tasks-sg cidrBlocks: unknown until `pulumi up` creates what it depends on, so this rule judges it then \(before the resource is created or changed, which a violation then refuses\)/,
    );
    expect(up.preview).not.toContain("[mandatory]");

    // The update refuses it: mandatory, naming the group and what it would open.
    expect(up.update).toMatch(
      /- \[mandatory\] {2}security-group-egress-scoped {2}\(aws:ec2\/securityGroup:SecurityGroup: shop-(blue|green)-tasks-sg\)/,
    );
    expect(up.update).toMatch(
      /Security group shop-(blue|green)-tasks-sg must reach the internet only on 443: an egress rule opens tcp port 5432 to 0\.0\.0\.0\/0\./,
    );

    // Created before it: the user's network and load balancer, the app's cluster. Never created: the group, and what waits for it.
    const state = await stateOf(stack);
    const names = state.map(nameOf);
    expect(names).toEqual(
      expect.arrayContaining([
        "platform-vpc",
        "platform-private-0",
        "platform-alb",
        "platform-http",
        "shop-ecs-cluster",
      ]),
    );
    expect(names.filter((name) => name.endsWith("-tasks-sg"))).toEqual([]);
    const types = typesIn(state);
    for (const never of [
      "aws:ecs/service:Service",
      "pulumi-nodejs:dynamic/bluegreen:PromotionGateCheck",
      "aws:lb/listenerRule:ListenerRule",
    ]) {
      expect(types.has(never), never).toBe(false);
    }
    expect(app.hits("/green/healthz")).toBe(0);
  }, 180_000);

  it("fails the update after its changes when the user's rule gives green more than its gate judged, saying the rule already sends that traffic and how to undo it", async () => {
    const stack = "routes";
    await initStack(stack);
    const up = await upWithPack(stack, programEnv({ SHOP_QA_RULE: "swapped" satisfies QaRule }));
    expect(up.code, up.output).not.toBe(0);

    // At the first preview the rule's target group ARNs are unknown: which color gets 90 is judged after the update.
    expect(up.preview).toContain(
      "- [advisory]  traffic-requires-promotion-gate  (pulumi:pulumi:Stack: bluegreen-routes)",
    );
    expect(up.preview).toMatch(
      /can't run policy 'traffic-requires-promotion-gate' from policy pack 'bluegreen@v[\d.]+' during preview: [^\n]*which share listener rule shop-qa-rule gives each color \(its target group ARNs\)[^\n]*: unknown until `pulumi up` creates what they depend on, so this rule judges them then \(after the update's changes are made: a violation then fails the update and its message says what to undo\)/,
    );
    expect(up.preview).not.toContain("[mandatory]");

    // The gates passed (they probed the stand-in), the rule was created, and then the stack policy failed the update.
    expect(app.hits("/green/healthz")).toBeGreaterThan(0);
    expect(up.update).toContain(`+  aws:lb:ListenerRule ${QA_RULE} created`);
    expect(up.update).toContain(
      `- [mandatory]  traffic-requires-promotion-gate  (aws:lb/listenerRule:ListenerRule: ${QA_RULE})`,
    );
    expect(up.update).toContain(
      `Listener rule ${QA_RULE} must give green no more of its traffic than green's promotion gate was judged for: ` +
        "it sends green 90 % (weight 90 of 100), but the gate shop-green-gate-check judged green for 10 % (weight 10 of 100).",
    );
    expect(up.update).toContain(
      "It sits outside the app's components; if it sends to a color on purpose, state why in the tag `bluegreen:security-exception`.",
    );
    // It names the rule, says it sends that traffic already, and how to undo it: a rule of the user's, not the app's weights.
    expect(up.update).toContain(
      "Stack policies run after an update's changes: if this fails `pulumi up` after its preview passed (a value unknown at preview), " +
        `${QA_RULE} already sends that traffic: remove it, or make it wait for each color's gate at no larger share than the gate judged, and run \`pulumi up\`.`,
    );
    expect(up.update).toContain("error: update failed");
    // The app's own rule gives each color what its gate judged.
    expect(up.update).not.toContain("Listener rule shop-traffic-rule must");

    // It has: the rule is in the stack's state, sending green 90 of 100.
    const state = await stateOf(stack);
    const rule = state.find((r) => nameOf(r) === QA_RULE);
    const arnOf = (name: string) => state.find((r) => nameOf(r) === name)?.outputs?.arn;
    expect(rule?.outputs?.actions[0].forward.targetGroups).toEqual([
      { arn: arnOf("shop-blue-tg"), weight: SHOP_TRAFFIC.green },
      { arn: arnOf("shop-green-tg"), weight: SHOP_TRAFFIC.blue },
    ]);
  }, 180_000);
});

describe("a route of the user's program to a color, at preview with its target group ARN known", () => {
  const stack = "routes";
  let greenArn: string;

  beforeAll(async () => {
    // The correct program (the QA rule with the app's own weights), up: after the test above this is the
    // move back its message asks for, and it passes the pack at update.
    const stacks = JSON.parse((await project.ok(["stack", "ls", "--json"])).stdout) as { name: string }[];
    if (!stacks.some((s) => s.name === stack)) await initStack(stack);
    await project.ok(
      ["up", "--stack", stack, "--yes", "--skip-preview", ...packArgs()],
      programEnv({ SHOP_QA_RULE: "matching" satisfies QaRule }),
    );
    const ids = JSON.parse((await project.ok(["stack", "output", "--stack", stack, "resourceIds", "--json"])).stdout);
    greenArn = ids["green.targetGroupArn"];
  }, 300_000);

  const preview = async (rule: QaRule) => {
    const result = await project.pulumi(
      ["preview", "--stack", stack, ...packArgs()],
      programEnv({ SHOP_QA_RULE: rule, SHOP_GREEN_TG_ARN: greenArn }),
    );
    return { ...result, output: `${result.stdout}\n${result.stderr}` };
  };

  it("refuses a rule sending all of it to green that waits for no gate (mandatory)", async () => {
    const result = await preview("green-only");
    expect(result.code, result.output).not.toBe(0);
    expect(result.stdout).toContain(
      `- [mandatory]  traffic-requires-promotion-gate  (aws:lb/listenerRule:ListenerRule: ${QA_RULE})`,
    );
    expect(result.stdout).toContain(
      `Listener rule ${QA_RULE} must wait for the promotion gate of green, which it sends weight 1: ` +
        "it depends on no promotion gate for green, so traffic could reach green before its health is proven.",
    );
    expect(result.stdout).toContain("state why in the tag `bluegreen:security-exception`");
    expect(result.stdout).not.toContain("can't run");
  }, 180_000);

  it("passes the same rule with its reason stated in `bluegreen:security-exception`", async () => {
    const result = await preview("green-only-excepted");
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/Policies:\n\s+✅ bluegreen@v/);
    expect(result.stdout).toContain(`~  aws:lb:ListenerRule ${QA_RULE} update [diff: +tags~actions]`);
  }, 180_000);

  it("refuses the rule behind the gates when it gives green more than green's gate judged", async () => {
    const result = await preview("green-only-gated");
    expect(result.code, result.output).not.toBe(0);
    expect(result.stdout).toContain(
      `Listener rule ${QA_RULE} must give green no more of its traffic than green's promotion gate was judged for: ` +
        "it sends green 100 % (weight 1 of 1), but the gate shop-green-gate-check judged green for 10 % (weight 10 of 100).",
    );
    expect(result.stdout).not.toContain("must wait for the promotion gate");
    expect(result.stdout).not.toContain("can't run");
  }, 180_000);
});
