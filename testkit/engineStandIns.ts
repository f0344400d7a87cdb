/**
 * What the fake cloud cannot give the real engine: something to probe and a
 * data plane. For each shipped stack, the `pulumi config set --path` values
 * that point its gates at loopback stand-ins (a healthy app, Prometheus) and
 * make them quick, and the environment that sends the AWS SDK to the fake
 * ECS endpoint. The stack files stay as shipped; these values are set with
 * the real CLI on the test's copy.
 */
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
