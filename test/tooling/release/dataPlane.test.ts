/**
 * A rollback's direct move (tooling/release/dataPlane.ts): what is planned
 * from the stack's `trafficRoute` output and config (pure), and each
 * platform's mover against what answers it on this machine: the HTTPRoute
 * patch against a loopback API server that checks the request and applies
 * the JSON Patch as the API server does (test, replace), through a real
 * kubeconfig; ModifyListener and ModifyRule against moto's ELBv2, with the
 * weights read back from it. The local router's move is tested on real
 * HAProxy in routerEndToEnd.test.ts.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeListenersCommand, DescribeRulesCommand, type Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrafficRoute } from "../../../components/contracts/outputs";
import { haproxyWeights } from "../../../components/docker/haproxyConfig";
import { parseConfig, type BlueGreenConfig } from "../../../components/platforms";
import { readStackConfig, encodeConfigValue } from "../../../tooling/engine/stackFiles";
import { DirectMove, moveDataPlane, plannedMove } from "../../../tooling/release/dataPlane";
import { Alb, createWeightedAlb, startMotoServer, type MotoServer } from "../../../testkit/motoServer";

function stagingConfig(overrides: Record<string, unknown> = {}): BlueGreenConfig {
  const raw = { ...readStackConfig("staging").values };
  for (const [key, value] of Object.entries(overrides)) raw[key] = encodeConfigValue(value);
  return parseConfig(raw, "staging");
}

const HTTP_ROUTE: TrafficRoute = {
  kind: "httproute",
  namespace: "shop",
  name: "api",
  rule: 0,
  services: { blue: "api-blue", green: "api-green" },
};
const ALB: TrafficRoute = {
  kind: "alb",
  listenerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/api/1/2",
  targetGroupArns: {
    blue: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-blue/1",
    green: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-green/2",
  },
};

describe("plannedMove: what the up will set, from the trafficRoute output and the config", () => {
  const config = stagingConfig();
  it("GIVEN the local router THEN its servers' weights as the program sets them (a 0 share is weight 0)", () => {
    const route: TrafficRoute = { kind: "haproxy", admin: { address: "127.0.0.1", port: 9999 }, backend: "api" };
    expect(plannedMove(route, config, { blue: 100, green: 0 })).toEqual({
      move: { kind: "haproxy", admin: route.admin, backend: "api", weights: haproxyWeights({ blue: 100, green: 0 }) },
    });
  });

  it("GIVEN the app's own listener THEN its forward with the stack's stickiness; GIVEN a rule THEN the rule's", () => {
    const forward = {
      targetGroups: [
        { arn: ALB.kind === "alb" ? ALB.targetGroupArns.blue : "", weight: 100 },
        { arn: ALB.kind === "alb" ? ALB.targetGroupArns.green : "", weight: 0 },
      ],
      stickiness: { enabled: true, duration: config.traffic.stickinessSeconds },
    };
    expect(plannedMove(ALB, config, { blue: 100, green: 0 })).toEqual({
      move: { kind: "alb", listenerArn: (ALB as { listenerArn: string }).listenerArn, forward },
    });
    const rule = { ...ALB, ruleArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/x/1/2/3" };
    expect(plannedMove(rule, config, { blue: 100, green: 0 })).toMatchObject({ move: { ruleArn: rule.ruleArn } });
  });

  it("GIVEN maintenance on THEN no direct move where the route serves the page (an ALB rule, an HTTPRoute)", () => {
    const maintenance = stagingConfig({ "bluegreen:maintenance": { enabled: true } });
    const rule = { ...ALB, ruleArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/x/1/2/3" };
    expect(plannedMove(rule, maintenance, { blue: 100, green: 0 })).toHaveProperty("none");
    expect(plannedMove(HTTP_ROUTE, maintenance, { blue: 100, green: 0 })).toHaveProperty("none");
    // The app's own listener keeps its forward in maintenance (the page is a rule in front of it).
    expect(plannedMove(ALB, maintenance, { blue: 100, green: 0 })).toHaveProperty("move");
  });

  it("GIVEN a stack deployed before the output existed THEN no direct move, saying why", () => {
    expect(plannedMove(undefined, config, { blue: 100, green: 0 })).toEqual({
      none: "the stack has no `trafficRoute` output, it was deployed by an earlier version of this program",
    });
  });
});

/** An API server's HTTPRoute endpoint: checks the request as the server does and applies test/replace operations. */
interface RouteServer {
  readonly url: string;
  route: { spec: { rules: { backendRefs: { kind: string; name: string; port: number; weight?: number }[] }[] } };
  readonly requests: { method?: string; url?: string; contentType?: string; authorization?: string }[];
  close(): Promise<void>;
}

async function startRouteServer(): Promise<RouteServer> {
  const state: Pick<RouteServer, "route" | "requests"> = {
    route: {
      spec: {
        rules: [
          {
            backendRefs: [
              { kind: "Service", name: "api-blue", port: 80, weight: 50 },
              { kind: "Service", name: "api-green", port: 80, weight: 50 },
            ],
          },
        ],
      },
    },
    requests: [],
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      state.requests.push({
        method: req.method,
        url: req.url,
        contentType: req.headers["content-type"],
        authorization: req.headers.authorization,
      });
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.url !== "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/api") return answer(404, {});
      if (req.method !== "PATCH") return answer(405, {});
      if (req.headers["content-type"] !== "application/json-patch+json") return answer(415, {});
      const next = structuredClone(state.route);
      const at = (pointer: string) => {
        const keys = pointer.split("/").slice(1);
        const last = keys.pop() as string;
        const parent = keys.reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, next);
        return { parent, last };
      };
      for (const op of JSON.parse(Buffer.concat(chunks).toString()) as { op: string; path: string; value: unknown }[]) {
        const { parent, last } = at(op.path);
        if (op.op === "test" && parent[last] !== op.value) return answer(422, { message: `test failed at ${op.path}` });
        if (op.op === "replace") parent[last] = op.value;
      }
      state.route = next;
      answer(200, next);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

describe("the HTTPRoute move: one JSON Patch through the kubeconfig's API server", () => {
  let server: RouteServer;
  let dir: string;
  const kubeconfigBefore = process.env.KUBECONFIG;
  beforeAll(async () => {
    server = await startRouteServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bluegreen-kube-"));
    const kubeconfig = [
      "apiVersion: v1",
      "kind: Config",
      "current-context: test",
      "clusters: [{ name: test, cluster: { server: " + JSON.stringify(server.url) + " } }]",
      "users: [{ name: test, user: { token: rollback-token } }]",
      "contexts: [{ name: test, context: { cluster: test, user: test } }]",
    ].join("\n");
    fs.writeFileSync(path.join(dir, "config"), kubeconfig);
    process.env.KUBECONFIG = path.join(dir, "config");
  });
  afterAll(async () => {
    if (kubeconfigBefore === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = kubeconfigBefore;
    fs.rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  it("GIVEN the route at 50/50 THEN a PATCH of application/json-patch+json with the user's token sets blue 100 / green 0", async () => {
    const planned = plannedMove(HTTP_ROUTE, stagingConfig(), { blue: 100, green: 0 });
    if (!("move" in planned)) throw new Error(planned.none);
    await moveDataPlane(planned.move);
    expect(server.requests.at(-1)).toEqual({
      method: "PATCH",
      url: "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/api",
      contentType: "application/json-patch+json",
      authorization: "Bearer rollback-token",
    });
    expect(server.route.spec.rules[0].backendRefs.map((ref) => [ref.name, ref.weight])).toEqual([
      ["api-blue", 100],
      ["api-green", 0],
    ]);
  });

  it("GIVEN a route whose rule lists other Services THEN the server refuses the patch whole and the error says how to fix it", async () => {
    server.route.spec.rules[0].backendRefs.reverse();
    const before = structuredClone(server.route);
    const move: DirectMove = {
      kind: "httproute",
      route: { namespace: "shop", name: "api", rule: 0, services: { blue: "api-blue", green: "api-green" } },
      weights: { blue: 100, green: 0 },
    };
    await expect(moveDataPlane(move)).rejects.toThrow(
      /patching HTTPRoute shop\/api answered HTTP 422: .*Fix: its rule 0 no longer lists the colors' Services \(api-blue, api-green\)/,
    );
    expect(server.route).toEqual(before);
  });
});

const weightsOf = (actions: Action[] | undefined) =>
  (actions ?? []).flatMap((a) => a.ForwardConfig?.TargetGroups ?? []).map((g) => g.Weight);

describe("the ALB move against moto's ELBv2: ModifyListener, ModifyRule, read back", () => {
  let moto: MotoServer;
  let alb: Alb;
  const saved = { ...process.env };
  beforeAll(async () => {
    moto = await startMotoServer();
    alb = await createWeightedAlb(moto);
    // As a user's shell would point the SDK elsewhere; the mover takes the region from the ARN.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: moto.endpoint,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
  }, 90_000);
  afterAll(async () => {
    for (const key of ["AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    alb?.client.destroy();
    await moto?.stop();
  });

  it("GIVEN the app's own listener at 50/50 THEN ModifyListener sets blue 100 / green 0 with the stack's stickiness", async () => {
    const config = stagingConfig();
    const route: TrafficRoute = { kind: "alb", listenerArn: alb.listenerArn, targetGroupArns: alb.targetGroupArns };
    const planned = plannedMove(route, config, { blue: 100, green: 0 });
    if (!("move" in planned)) throw new Error(planned.none);
    await moveDataPlane(planned.move);
    const listener = (await alb.client.send(new DescribeListenersCommand({ ListenerArns: [alb.listenerArn] })))
      .Listeners![0];
    expect(weightsOf(listener.DefaultActions)).toEqual([100, 0]);
    expect(listener.DefaultActions![0].ForwardConfig?.TargetGroupStickinessConfig).toEqual({
      Enabled: true,
      DurationSeconds: config.traffic.stickinessSeconds,
    });
  });

  it("GIVEN the app's rule on a shared listener THEN ModifyRule moves the rule and leaves the listener's default alone", async () => {
    const route: TrafficRoute = { kind: "alb", ...alb, ruleArn: alb.ruleArn };
    const planned = plannedMove(route, stagingConfig(), { blue: 0, green: 100 });
    if (!("move" in planned)) throw new Error(planned.none);
    const listenerBefore = (await alb.client.send(new DescribeListenersCommand({ ListenerArns: [alb.listenerArn] })))
      .Listeners![0].DefaultActions;
    await moveDataPlane(planned.move);
    const rule = (await alb.client.send(new DescribeRulesCommand({ RuleArns: [alb.ruleArn] }))).Rules![0];
    expect(weightsOf(rule.Actions)).toEqual([0, 100]);
    const listenerAfter = (await alb.client.send(new DescribeListenersCommand({ ListenerArns: [alb.listenerArn] })))
      .Listeners![0].DefaultActions;
    expect(listenerAfter).toEqual(listenerBefore);
  });

  it("GIVEN a listener that does not exist THEN the failure names the call and the ARN", async () => {
    const route: TrafficRoute = {
      kind: "alb",
      listenerArn: alb.listenerArn.replace(/\/[^/]+$/, "/0000000000000000"),
      targetGroupArns: alb.targetGroupArns,
    };
    const planned = plannedMove(route, stagingConfig(), { blue: 100, green: 0 });
    if (!("move" in planned)) throw new Error(planned.none);
    await expect(moveDataPlane(planned.move)).rejects.toThrow(
      /^ModifyListener of arn:aws:elasticloadbalancing:eu-west-1:.* failed: /,
    );
  });
});
