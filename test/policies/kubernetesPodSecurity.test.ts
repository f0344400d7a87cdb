/**
 * `kubernetes-pod-security` through the real analyzer, on the program's own
 * registrations for Pulumi.kube-staging.yaml: the shipped stack passes, each
 * secure default broken on its own is reported with the key that fixes it,
 * privileged containers and added capabilities are never exempt, and the
 * escape hatches (a stack file's stated `securityException`, the pack's
 * `exemptions` with a reason) accept exactly what they name.
 */
import type { ResourceValidation } from "@pulumi/policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EditableResource, handMade, mutate, runWith, seen } from "../../testkit/analyzerCases";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";
import { kubernetesPodSecurity } from "../../policies/kubernetes";

const POLICY = "kubernetes-pod-security";
const GREEN = "api-green-deployment";
const JOB = "api-migration-job-2026-11-20-orders-index";

let analyzer: PolicyAnalyzer;
let shipped: ProgramRun;
let writableGreen: ProgramRun;
let rootGreen: ProgramRun;

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  // One program at a time: runProgram drives Pulumi's process-wide runtime.
  shipped = await runProgram("kube-staging");
  writableGreen = await runWith("kube-staging", "bluegreen:green", {
    readOnlyRootFilesystem: false,
    securityException: "the image unpacks its templates into /app/cache at start",
  });
  rootGreen = await runWith("kube-staging", "bluegreen:green", {
    user: "0",
    securityException: "the vendor image binds port 80 as root",
  });
  analyzer = await starting;
}, 120_000);
afterAll(() => analyzer?.stop());

/** This policy's violations as [level, resource, message], with kube-staging's policy config under `config`. */
async function check(resources: readonly RegisteredResource[], config: Record<string, unknown> = {}) {
  const violations = await analyzer.analyze(resources, { config: { ...readPolicyConfig("kube-staging"), ...config } });
  return seen(violations)
    .filter(([policy]) => policy === POLICY)
    .map(([, level, resource, message]) => [level, resource, message]);
}

const pod = (r: EditableResource) => r.inputs.spec.template.spec;
const container = (r: EditableResource) => pod(r).containers[0];
const broken = (name: string, change: (r: EditableResource) => void) => mutate(shipped.resources, name, change);
const shippedGreen = () => shipped.resources.find((r) => r.name === GREEN) as EditableResource;
const only = (resource: string, message: string) => [["mandatory", resource, message]];
const EXEMPT = "or exempt the workload in this policy's `exemptions` with a reason.";

describe("kubernetes-pod-security on kube-staging", () => {
  it("is served as a mandatory policy, and passes the shipped stack: both colors and the Job are hardened", async () => {
    expect(analyzer.policies.find((p) => p.name === POLICY)?.enforcementLevel).toBe("mandatory");
    expect(await check(shipped.resources)).toEqual([]);
  });

  it.each([
    [
      "runAsNonRoot not set",
      (r: EditableResource) => delete pod(r).securityContext.runAsNonRoot,
      'must run as a non-root user: container api has runAsNonRoot not set, runAsUser 10001. Set `bluegreen:green.user` to a non-root numeric uid such as "10001" (the default), or state why the image needs it in `bluegreen:green.securityException`.',
    ],
    [
      "runAsUser 0 on the container, over the pod's",
      (r: EditableResource) => (container(r).securityContext.runAsUser = 0),
      'must run as a non-root user: container api has runAsNonRoot true, runAsUser 0. Set `bluegreen:green.user` to a non-root numeric uid such as "10001" (the default), or state why the image needs it in `bluegreen:green.securityException`.',
    ],
    [
      "a writable root filesystem",
      (r: EditableResource) => (container(r).securityContext.readOnlyRootFilesystem = false),
      "must keep the root filesystem read-only: container api has readOnlyRootFilesystem false. Set `bluegreen:green.readOnlyRootFilesystem` to true (the default; /tmp stays writable), or state why the image needs it in `bluegreen:green.securityException`.",
    ],
    [
      "privilege escalation allowed",
      (r: EditableResource) => delete container(r).securityContext.allowPrivilegeEscalation,
      `must forbid privilege escalation: container api has allowPrivilegeEscalation not set. Restore it (components/kubernetes/podSecurity.ts sets it), ${EXEMPT}`,
    ],
    [
      "capabilities kept",
      (r: EditableResource) => (container(r).securityContext.capabilities.drop = ["NET_RAW"]),
      `must drop every capability: container api has capabilities.drop ["NET_RAW"]. Restore it (components/kubernetes/podSecurity.ts sets it), ${EXEMPT}`,
    ],
    [
      "an unconfined seccomp profile",
      (r: EditableResource) => (pod(r).securityContext.seccompProfile = { type: "Unconfined" }),
      `must use the runtime's default seccomp profile: container api has seccompProfile {"type":"Unconfined"}. Restore it (components/kubernetes/podSecurity.ts sets it), ${EXEMPT}`,
    ],
    [
      "a mounted service account token",
      (r: EditableResource) => delete pod(r).automountServiceAccountToken,
      `must not mount a service account token: automountServiceAccountToken is not set. Restore it (components/kubernetes/podSecurity.ts sets it), ${EXEMPT}`,
    ],
    [
      "a privileged container",
      (r: EditableResource) => (container(r).securityContext.privileged = true),
      "must never run a privileged container: container api has privileged true. Remove it: no exemption applies, as it gives the container power over the node.",
    ],
    [
      "an added capability",
      (r: EditableResource) => (container(r).securityContext.capabilities.add = ["NET_ADMIN"]),
      'must add no capability: container api has capabilities.add ["NET_ADMIN"]. Remove it: no exemption applies, as it gives the container power over the node.',
    ],
  ])("reports a Deployment with %s, naming the value and the fix", async (_, change, message) => {
    expect(await check(broken(GREEN, change))).toEqual(only(GREEN, `Deployment ${GREEN} ${message}`));
  });

  it("judges init containers and the migration Job too", async () => {
    const init = broken(GREEN, (r) => {
      pod(r).initContainers = [{ ...structuredClone(container(r)), name: "warm-up" }];
      pod(r).initContainers[0].securityContext.privileged = true;
    });
    expect(await check(init)).toEqual(
      only(
        GREEN,
        `Deployment ${GREEN} must never run a privileged container: container warm-up has privileged true. Remove it: no exemption applies, as it gives the container power over the node.`,
      ),
    );
    const job = broken(JOB, (r) => (container(r).securityContext.readOnlyRootFilesystem = false));
    expect(await check(job)).toEqual(
      only(
        JOB,
        `Job ${JOB} must keep the root filesystem read-only: container api-migrate has readOnlyRootFilesystem false. ` +
          "The Job runs as the color whose version it prepares: set `bluegreen:<color>.readOnlyRootFilesystem` to true (the default; /tmp stays writable), or state why the image needs it in `bluegreen:<color>.securityException`.",
      ),
    );
  });

  it("judges the app's workloads whatever their labels, and only those: the user's own privileged Deployment is not judged, the same one inside the app is", async () => {
    const privilegedAgent = { ...structuredClone(container(shippedGreen())), name: "agent" };
    privilegedAgent.securityContext.privileged = true;
    const agent = (usersOwn: boolean) =>
      handMade(
        "kubernetes:apps/v1:Deployment",
        "metrics-agent",
        {
          metadata: { name: "metrics-agent", labels: { app: "metrics-agent" } },
          spec: { template: { spec: { ...structuredClone(pod(shippedGreen())), containers: [privilegedAgent] } } },
        },
        { usersOwn },
      );
    expect(await check([...shipped.resources, agent(true)])).toEqual([]);
    expect(await check([...shipped.resources, agent(false)])).toEqual(
      only(
        "metrics-agent",
        "Deployment metrics-agent must never run a privileged container: container agent has privileged true. Remove it: no exemption applies, as it gives the container power over the node.",
      ),
    );
  });
});

describe("kubernetes-pod-security escape hatches", () => {
  it("accepts a color whose stack file relaxes readOnlyRootFilesystem with a stated reason, carried on the Deployment", async () => {
    const green = writableGreen.resources.find((r) => r.name === GREEN) as EditableResource;
    expect(green.inputs.metadata.annotations).toEqual({
      "bluegreen/security-exception": "the image unpacks its templates into /app/cache at start",
    });
    expect(await check(writableGreen.resources)).toEqual([]);
  });

  it("accepts a color, and the migration Job it prepares, running as root with a stated reason", async () => {
    expect(await check(rootGreen.resources)).toEqual([]);
    expect(pod(rootGreen.resources.find((r) => r.name === JOB) as EditableResource).securityContext).toMatchObject({
      runAsNonRoot: false,
      runAsUser: 0,
    });
  });

  it("accepts the stated reason for what the stack file may relax only: a dropped seccomp profile is still reported", async () => {
    const unconfined = mutate(writableGreen.resources, GREEN, (r) => delete pod(r).securityContext.seccompProfile);
    expect((await check(unconfined)).map(([, , message]) => message!.split(":")[0])).toEqual([
      `Deployment ${GREEN} must use the runtime's default seccomp profile`,
    ]);
  });

  it("with allowStackExceptions false, refuses the stack file's reason and points to the exemptions", async () => {
    const refused =
      " or exempt the workload in this policy's `exemptions` with a reason (this pack does not accept a stack file's securityException: allowStackExceptions is false).";
    // green is the candidate: the migration Job runs with its settings, and its reason.
    expect(await check(writableGreen.resources, { [POLICY]: { allowStackExceptions: false } })).toEqual([
      [
        "mandatory",
        GREEN,
        `Deployment ${GREEN} must keep the root filesystem read-only: container api has readOnlyRootFilesystem false. ` +
          `Set \`bluegreen:green.readOnlyRootFilesystem\` to true (the default; /tmp stays writable),${refused}`,
      ],
      [
        "mandatory",
        JOB,
        `Job ${JOB} must keep the root filesystem read-only: container api-migrate has readOnlyRootFilesystem false. ` +
          `The Job runs as the color whose version it prepares: set \`bluegreen:<color>.readOnlyRootFilesystem\` to true (the default; /tmp stays writable),${refused}`,
      ],
    ]);
  });

  it("exempts the checks an exemption names, for the resource it names (a trailing * matches every migration's Job)", async () => {
    const unconfined = (r: EditableResource) => (pod(r).securityContext.seccompProfile = { type: "Unconfined" });
    const both = mutate(broken(GREEN, unconfined), JOB, unconfined);
    const exemptions = [
      { resource: "api-migration-job-*", checks: ["seccompProfile"], reason: "the migration tool uses io_uring" },
      { resource: GREEN, checks: ["automountServiceAccountToken"], reason: "reads its ConfigMaps through the API" },
    ];
    expect((await check(both, { [POLICY]: { exemptions } })).map(([, resource]) => resource)).toEqual([GREEN]);
    exemptions[1].checks.push("seccompProfile");
    expect(await check(both, { [POLICY]: { exemptions } })).toEqual([]);
  });

  it("never exempts a privileged container", async () => {
    const privileged = broken(GREEN, (r) => (container(r).securityContext.privileged = true));
    const exemptions = [{ resource: GREEN, checks: ["runAsNonRoot"], reason: "vendor image" }];
    expect(await check(privileged, { [POLICY]: { exemptions } })).toHaveLength(1);
  });

  it("exempts nothing for an exemption without a reason when a runner skips the schema (the rule itself, called directly)", () => {
    const resource = broken(GREEN, (r) => delete pod(r).automountServiceAccountToken).find((r) => r.name === GREEN)!;
    const messages: string[] = [];
    const rule = kubernetesPodSecurity.validateResource as ResourceValidation;
    const validate = (reason: string) =>
      rule(
        {
          type: resource.type,
          urn: resource.urn,
          name: GREEN,
          props: resource.inputs,
          getConfig: () => ({ exemptions: [{ resource: GREEN, checks: ["automountServiceAccountToken"], reason }] }),
        } as never,
        (message: string) => messages.push(message),
      );
    void validate(" ");
    expect(messages).toHaveLength(1);
    void validate("reads its ConfigMaps through the API");
    expect(messages).toHaveLength(1);
  });

  it.each([
    [{ resource: GREEN, checks: ["seccompProfile"] }, "kubernetes-pod-security.exemptions.0.reason"],
    [{ resource: GREEN, checks: ["seccompProfile"], reason: "  " }, "kubernetes-pod-security.exemptions.0.reason"],
    [
      { resource: GREEN, checks: ["privileged"], reason: "needs the GPU" },
      "kubernetes-pod-security.exemptions.0.checks.0",
    ],
    [{ resource: GREEN, checks: [], reason: "nothing" }, "kubernetes-pod-security.exemptions.0.checks"],
  ])("refuses the exemption %j as a config error naming %s", async (exemption, key) => {
    await expect(check(shipped.resources, { [POLICY]: { exemptions: [exemption] } })).rejects.toThrow(key);
  });
});
