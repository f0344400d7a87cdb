/**
 * What the fake cloud cannot give the real engine: something to probe and a
 * data plane. For each shipped stack, the `pulumi config set --path` values
 * that point its gates at loopback stand-ins (a healthy app, Prometheus) and
 * make them quick, and the environment that sends the AWS SDK to the fake
 * ECS endpoint. The stack files stay as shipped; these values are set with
 * the real CLI on the test's copy.
 */
import { createServer } from "node:net";
import { COLORS } from "../components/contracts/colors";
import { cloudWatchSourceOf } from "../tooling/watch/cloudwatchTarget";
import { CloudWatchServer } from "./cloudwatchServer";
import type { EngineProject } from "./engine";
import type { FaultServer } from "./faultServer";
import type { Router } from "./haproxy";

export interface StandIns {
  /** Answers `/<any>/healthz` and `/healthy` as a healthy app, and Prometheus queries. */
  readonly app: FaultServer;
  /** Real HAProxy with two color backends, for the local stack. */
  readonly router?: Router;
}

/** Gate settings that decide in well under a second against loopback. */
export const QUICK_GATE: readonly [string, string][] = [
  ["bluegreen:gate.intervalMs", "50"],
  ["bluegreen:gate.consecutiveSuccesses", "2"],
  ["bluegreen:gate.failureThreshold", "2"],
  ["bluegreen:gate.requestTimeoutMs", "1000"],
  ["bluegreen:gate.p95LatencyMs", "800"],
  ["bluegreen:gate.deadlineSeconds", "30"],
];

/** Config values (`--path` keys) that point `stack`'s probes at the stand-ins. */
export function loopbackConfig(stack: string, standIns: StandIns): [string, string][] {
  const { app, router } = standIns;
  switch (stack) {
    case "staging":
    case "production":
      return [
        ...QUICK_GATE,
        // The test listeners are out of reach (no cloud): the gate probes gate.targets only.
        ["bluegreen:gate.targets.blue[0]", app.url("/blue/healthz")],
        ["bluegreen:gate.targets.green[0]", app.url("/green/healthz")],
        ...(stack === "production"
          ? ([
              ["bluegreen:gate.prometheus.url", app.url("")],
              ["bluegreen:gate.prometheus.query", "low errors of {color}"],
            ] as [string, string][])
          : []),
      ];
    case "kube-staging":
      return [...QUICK_GATE, ["bluegreen:kubernetes.gateUrlTemplate", app.url("/{color}")]];
    case "local":
      if (router === undefined) throw new Error("the local stack needs a router stand-in (real HAProxy)");
      return [
        ["bluegreen:docker.colorPorts.blue", String(router.spec.servers.blue.port)],
        ["bluegreen:docker.colorPorts.green", String(router.spec.servers.green.port)],
        ["bluegreen:docker.adminPort", String(router.spec.admin.port)],
      ];
    default:
      throw new Error(`no loopback stand-ins for stack ${stack}`);
  }
}

/** Keys to remove with `pulumi config rm --path` before loopbackConfig: AWS test listeners nobody can reach here. */
export function loopbackRemovals(stack: string): string[] {
  return stack === "staging" || stack === "production" ? ["bluegreen:listener.testIngressCidrs"] : [];
}

/**
 * `pulumi stack init` of a shipped stack in the project copy, its probes pointed at the stand-ins
 * (`pulumi config set-all --path`, as a user would), then `extra` values on top.
 */
export async function initLoopbackStack(
  project: EngineProject,
  stack: string,
  standIns: StandIns,
  extra: readonly [string, string][] = [],
): Promise<void> {
  await project.ok(["stack", "init", stack, "--secrets-provider", "passphrase"]);
  await project.removeConfig(stack, loopbackRemovals(stack));
  await project.setConfig(stack, [...loopbackConfig(stack, standIns), ...extra]);
}

/**
 * The AWS APIs a release command calls besides ECS, for a deployed AWS stack:
 * CloudWatch as a stand-in where each color's target group serves 120
 * healthy requests a minute on 2 healthy hosts, and ELBv2 at a port that
 * refuses connections (the fake cloud's listener exists nowhere), so that a
 * rollback's direct move fails, is reported, and `pulumi up` moves traffic.
 */
export interface AwsReleaseStandIns {
  readonly cloudWatch: CloudWatchServer;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startAwsReleaseStandIns(project: EngineProject, stack: string): Promise<AwsReleaseStandIns> {
  const outputs = JSON.parse((await project.ok(["stack", "output", "--stack", stack, "--json"])).stdout);
  const source = cloudWatchSourceOf(outputs);
  if ("problem" in source) throw new Error(`stack ${stack}: ${source.problem}`);
  const cloudWatch = await CloudWatchServer.start(source.region);
  const requests = Array.from({ length: 120 }, () => ({ status: 200, ms: 20 }));
  for (const color of COLORS) {
    cloudWatch.steady(source.loadBalancer, source.targetGroups[color], { requests, healthy: 2, unhealthy: 0 });
  }
  return {
    cloudWatch,
    env: {
      AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.endpoint,
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: `http://127.0.0.1:${await refusedPort()}`,
    },
    stop: () => cloudWatch.stop(),
  };
}

/** A loopback port nothing listens on: bound, then released. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
