/**
 * What the Kubernetes rules judge, and how much of the pod, through the real
 * analyzer: every pod-bearing kind the app's components create, in any
 * apiVersion of its group, whatever its labels (a color's Deployment without
 * its color label, the maintenance backend's Deployment); the whole pod
 * against the Pod Security Standards (host namespaces, hostPath, host ports,
 * /proc, sysctls, SELinux, AppArmor, probe hosts, volume types, ephemeral
 * containers), with nothing able to relax the host settings; and what is
 * unknown at preview reported as "can't run during preview" (advisory) while
 * what is known on the same resource stays mandatory. Property-based where
 * an invariant holds for every pod.
 */
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EditableResource, handMade, mutate, runWith, seen } from "../../testkit/analyzerCases";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";
import { POD_SECURITY_CHECKS } from "../../policies/kubernetes";

const RULES = ["kubernetes-pod-security", "kubernetes-readiness-probes", "kubernetes-resource-limits"];
const GREEN = "api-green-deployment";
const MAINTENANCE = "api-maintenance-deployment";
const UNKNOWN = rpc.unknownValue;

let analyzer: PolicyAnalyzer;
let shipped: ProgramRun;
let maintenance: ProgramRun;
let excepted: ProgramRun;

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  // One program at a time: runProgram drives Pulumi's process-wide runtime.
  shipped = await runProgram("kube-staging");
  maintenance = await runWith("kube-staging", "bluegreen:maintenance", { enabled: true });
  excepted = await runWith("kube-staging", "bluegreen:green", {
    readOnlyRootFilesystem: false,
    securityException: "the image unpacks its templates into /app/cache at start",
  });
  analyzer = await starting;
}, 120_000);
afterAll(() => analyzer?.stop());

/** The Kubernetes rules' violations as [policy, level, resource, message], with kube-staging's policy config under `config`. */
async function check(resources: readonly RegisteredResource[], config: Record<string, unknown> = {}) {
  const violations = await analyzer.analyze(resources, { config: { ...readPolicyConfig("kube-staging"), ...config } });
  return seen(violations).filter(([policy]) => RULES.includes(policy));
}

const named = (run: ProgramRun, name: string) => run.resources.find((r) => r.name === name) as EditableResource;
/** The pod spec of a Deployment-like resource. */
const pod = (r: EditableResource) => r.inputs.spec.template.spec;
const container = (r: EditableResource) => pod(r).containers[0];
/** The shipped green pod spec: hardened as the program builds it, with a readiness probe and limits. */
const hardenedPod = (): Record<string, any> => structuredClone(pod(named(shipped, GREEN)));
const NO_EXEMPTION = "Remove it: no exemption applies, as";
const POD_POWER = `${NO_EXEMPTION} it gives the pod power over its node.`;
const CONTAINER_POWER = `${NO_EXEMPTION} it gives the container power over the node.`;
const mandatory = (resource: string, message: string) => ["kubernetes-pod-security", "mandatory", resource, message];

describe("what the Kubernetes rules judge: every pod-bearing kind of the app, by group and kind", () => {
  const template = (spec: object) => ({ metadata: { name: "api-worker" }, spec: { template: { spec } } });
  const KINDS: [type: string, inputs: (spec: object) => Record<string, unknown>, serving: boolean][] = [
    ["kubernetes:apps/v1:Deployment", template, true],
    ["kubernetes:apps/v1beta1:Deployment", template, true],
    ["kubernetes:apps/v1beta2:Deployment", template, true],
    ["kubernetes:extensions/v1beta1:Deployment", template, true],
    ["kubernetes:apps/v1:DeploymentPatch", template, true],
    ["kubernetes:apps/v1:StatefulSet", template, true],
    ["kubernetes:apps/v1beta1:StatefulSet", template, true],
    ["kubernetes:apps/v1:DaemonSet", template, true],
    ["kubernetes:extensions/v1beta1:DaemonSet", template, true],
    ["kubernetes:apps/v1:ReplicaSet", template, true],
    ["kubernetes:extensions/v1beta1:ReplicaSet", template, true],
    ["kubernetes:core/v1:ReplicationController", template, true],
    ["kubernetes:batch/v1:Job", template, false],
    ["kubernetes:batch/v1:CronJob", (spec) => ({ spec: { jobTemplate: template(spec) } }), false],
    ["kubernetes:batch/v1beta1:CronJob", (spec) => ({ spec: { jobTemplate: template(spec) } }), false],
    ["kubernetes:batch/v2alpha1:CronJob", (spec) => ({ spec: { jobTemplate: template(spec) } }), false],
    ["kubernetes:core/v1:Pod", (spec) => ({ metadata: { name: "api-worker" }, spec }), false],
    // A custom resource with a Deployment's pod template (Argo Rollouts): judged as a pod, not as serving.
    ["kubernetes:argoproj.io/v1alpha1:Rollout", template, false],
  ];
  const kindOf = (type: string) => type.split(":")[2];
  const worker = (type: string, spec: object) =>
    handMade(type, "api-worker", KINDS.find(([t]) => t === type)![1](spec));

  it.each(KINDS)("%s: passes the hardened pod, refuses one on the host network", async (type) => {
    expect(await check([worker(type, hardenedPod())])).toEqual([]);
    expect(await check([worker(type, { ...hardenedPod(), hostNetwork: true })])).toEqual([
      mandatory(
        "api-worker",
        `${kindOf(type)} api-worker must share no namespace with its node: hostNetwork is true. ${POD_POWER}`,
      ),
    ]);
  });

  it.each(KINDS)(
    "%s: asks every container for a readiness probe when it keeps pods running",
    async (type, _, serving) => {
      const spec = hardenedPod();
      delete spec.containers[0].readinessProbe;
      const message = `${kindOf(type)} api-worker must give every container a readiness probe: container api has none, so its Service sends traffic to pods that are still starting. Add readinessProbe.httpGet on \`bluegreen:app.healthPath\` and the app port.`;
      expect(await check([worker(type, spec)])).toEqual(
        serving ? [["kubernetes-readiness-probes", "mandatory", "api-worker", message]] : [],
      );
    },
  );

  it("recognises a pod-bearing kind in any version of its group (fast-check)", async () => {
    const version = fc
      .tuple(fc.integer({ min: 1, max: 9 }), fc.constantFrom("", "alpha", "beta"), fc.integer({ min: 1, max: 9 }))
      .map(([major, stage, minor]) => `v${major}${stage}${stage === "" ? "" : minor}`);
    const kinds = fc.constantFrom(
      ["apps", "Deployment"],
      ["extensions", "Deployment"],
      ["apps", "StatefulSet"],
      ["apps", "DaemonSet"],
      ["extensions", "ReplicaSet"],
      ["batch", "Job"],
      ["core", "ReplicationController"],
    );
    await fc.assert(
      fc.asyncProperty(version, kinds, async (v, [group, kind]) => {
        const resource = handMade(
          `kubernetes:${group}/${v}:${kind}`,
          "api-worker",
          template({ ...hardenedPod(), hostIPC: true }),
        );
        const [violation] = await check([resource]);
        expect(violation?.slice(1, 3)).toEqual(["mandatory", "api-worker"]);
        expect(violation?.[3]).toContain(`${kind} api-worker must share no namespace with its node: hostIPC is true`);
      }),
      { numRuns: 25 },
    );
  });

  it("judges nothing that runs no pod, and none of the user's own workloads (they are not the app's)", async () => {
    const users = handMade("kubernetes:apps/v1:Deployment", "metrics-agent", template({ hostNetwork: true }), {
      usersOwn: true,
    });
    const config = handMade("kubernetes:core/v1:ConfigMap", "api-settings", { data: { hostNetwork: "true" } });
    expect(await check([users, config])).toEqual([]);
  });

  it("judges a color's Deployment whose labels were removed, naming its keys from its name", async () => {
    const unlabelled = mutate(shipped.resources, GREEN, (r) => {
      delete r.inputs.metadata.labels["bluegreen/color"];
      delete r.inputs.spec.template.metadata.labels["bluegreen/color"];
      delete container(r).readinessProbe;
      container(r).securityContext.readOnlyRootFilesystem = false;
    });
    expect(await check(unlabelled)).toEqual([
      [
        "kubernetes-pod-security",
        "mandatory",
        GREEN,
        `Deployment ${GREEN} must keep the root filesystem read-only: container api has readOnlyRootFilesystem false. Set \`bluegreen:green.readOnlyRootFilesystem\` to true (the default; /tmp stays writable), or state why the image needs it in \`bluegreen:green.securityException\`.`,
      ],
      [
        "kubernetes-readiness-probes",
        "mandatory",
        GREEN,
        `Deployment ${GREEN} must give every container a readiness probe: container api has none, so its Service sends traffic to pods that are still starting. Add readinessProbe.httpGet on \`bluegreen:app.healthPath\` and the app port.`,
      ],
    ]);
  });
});

describe("the maintenance backend's Deployment is judged like the colors", () => {
  it("passes as the program builds it", async () => {
    expect(named(maintenance, MAINTENANCE).type).toBe("kubernetes:apps/v1:Deployment");
    expect(named(maintenance, MAINTENANCE).inputs.metadata.labels).not.toHaveProperty("bluegreen/color");
    expect(await check(maintenance.resources)).toEqual([]);
  });

  it("is refused when it runs as root, with a remedy that names no color's keys", async () => {
    const root = mutate(maintenance.resources, MAINTENANCE, (r) => (pod(r).securityContext.runAsNonRoot = false));
    expect(await check(root)).toEqual([
      mandatory(
        MAINTENANCE,
        `Deployment ${MAINTENANCE} must run as a non-root user: container maintenance has runAsNonRoot false, runAsUser 101. Restore it (components/kubernetes/podSecurity.ts sets it), or exempt the workload in this policy's \`exemptions\` with a reason.`,
      ),
    ]);
  });

  it("takes no stack-file exception: the program never annotates it, so an annotation there relaxes nothing", async () => {
    const annotated = mutate(maintenance.resources, MAINTENANCE, (r) => {
      r.inputs.metadata.annotations = { "bluegreen/security-exception": "nginx writes its cache" };
      container(r).securityContext.readOnlyRootFilesystem = false;
    });
    const [violation] = await check(annotated);
    expect(violation).toEqual(
      mandatory(
        MAINTENANCE,
        `Deployment ${MAINTENANCE} must keep the root filesystem read-only: container maintenance has readOnlyRootFilesystem false. Restore it (components/kubernetes/podSecurity.ts sets it), or exempt the workload in this policy's \`exemptions\` with a reason.`,
      ),
    );
  });

  it("is asked for readiness probes and limits too", async () => {
    const bare = mutate(maintenance.resources, MAINTENANCE, (r) => {
      delete container(r).readinessProbe;
      delete container(r).resources.limits;
    });
    expect((await check(bare)).map(([policy, level, resource]) => [policy, level, resource])).toEqual([
      ["kubernetes-readiness-probes", "mandatory", MAINTENANCE],
      ["kubernetes-resource-limits", "advisory", MAINTENANCE],
    ]);
  });
});

describe("kubernetes-pod-security judges the whole pod", () => {
  const broken = (change: (r: EditableResource) => void) => mutate(shipped.resources, GREEN, change);
  const gates = `${NO_EXEMPTION} users would reach the pod on the node's address, around the route and its promotion gates.`;
  const probes = `${NO_EXEMPTION} the kubelet would send requests to another host, whose answers could make the pod look ready.`;

  it.each([
    [
      "hostNetwork",
      (r: EditableResource) => (pod(r).hostNetwork = true),
      `must share no namespace with its node: hostNetwork is true. ${POD_POWER}`,
    ],
    [
      "hostPID",
      (r: EditableResource) => (pod(r).hostPID = true),
      `must share no namespace with its node: hostPID is true. ${POD_POWER}`,
    ],
    [
      "hostIPC",
      (r: EditableResource) => (pod(r).hostIPC = true),
      `must share no namespace with its node: hostIPC is true. ${POD_POWER}`,
    ],
    [
      "a hostPath volume",
      (r: EditableResource) => pod(r).volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } }),
      `must mount no directory of its node: volume docker is hostPath. ${POD_POWER}`,
    ],
    [
      "a host port",
      (r: EditableResource) => (container(r).ports[0].hostPort = 8080),
      `must publish no port on its node: container api has hostPort [8080]. ${gates}`,
    ],
    [
      "an unmasked /proc",
      (r: EditableResource) => (container(r).securityContext.procMount = "Unmasked"),
      `must keep the default /proc masks: container api has procMount "Unmasked". ${CONTAINER_POWER}`,
    ],
    [
      "an unsafe sysctl",
      (r: EditableResource) => (pod(r).securityContext.sysctls = [{ name: "kernel.msgmax", value: "65536" }]),
      `must set only safe sysctls: it sets "kernel.msgmax". ${POD_POWER}`,
    ],
    [
      "a custom SELinux type",
      (r: EditableResource) => (container(r).securityContext.seLinuxOptions = { type: "spc_t" }),
      `must keep the default SELinux options: container api has seLinuxOptions {"type":"spc_t"}. ${CONTAINER_POWER}`,
    ],
    [
      "an unconfined AppArmor profile on the pod",
      (r: EditableResource) => (pod(r).securityContext.appArmorProfile = { type: "Unconfined" }),
      `must keep an AppArmor profile: container api has appArmorProfile.type "Unconfined". ${CONTAINER_POWER}`,
    ],
    [
      "a Windows HostProcess container",
      (r: EditableResource) => (container(r).securityContext.windowsOptions = { hostProcess: true }),
      `must run no Windows HostProcess container: container api has windowsOptions.hostProcess true. ${CONTAINER_POWER}`,
    ],
    [
      "a readiness probe sent to another host",
      (r: EditableResource) => (container(r).readinessProbe.httpGet.host = "169.254.169.254"),
      `must probe and hook only its own pod: container api has probe host ["169.254.169.254"]. ${probes}`,
    ],
    [
      "an NFS volume",
      (r: EditableResource) => pod(r).volumes.push({ name: "shared", nfs: { server: "10.0.0.2", path: "/exports" } }),
      "must use only core volume types (configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret): volume shared is nfs. Restore it (components/kubernetes/podSecurity.ts sets it), or exempt the workload in this policy's `exemptions` with a reason.",
    ],
  ])("reports %s, naming the value and the fix", async (_, change, message) => {
    expect(await check(broken(change))).toEqual([mandatory(GREEN, `Deployment ${GREEN} ${message}`)]);
  });

  it("accepts what the profiles allow: safe sysctls, a host port of 0, the default /proc, container_t, RuntimeDefault AppArmor", async () => {
    const allowed = broken((r) => {
      pod(r).securityContext.sysctls = [
        { name: "net.ipv4.ip_local_port_range", value: "1024 65535" },
        { name: "net.ipv4.tcp_keepalive_time", value: "600" },
      ];
      pod(r).securityContext.appArmorProfile = { type: "RuntimeDefault" };
      Object.assign(container(r).securityContext, { procMount: "Default", seLinuxOptions: { type: "container_t" } });
      container(r).ports[0].hostPort = 0;
      pod(r).volumes.push(
        { name: "config", projected: { sources: [] } },
        { name: "data", persistentVolumeClaim: { claimName: "d" } },
      );
    });
    expect(await check(allowed)).toEqual([]);
  });

  it("judges ephemeral containers like the others, the pod's settings included", async () => {
    const debug = broken(
      (r) =>
        (pod(r).ephemeralContainers = [
          { name: "debug", image: "busybox:1.36", securityContext: { privileged: true } },
        ]),
    );
    expect((await check(debug)).map(([, , , message]) => message.split(".")[0])).toEqual([
      `Deployment ${GREEN} must keep the root filesystem read-only: container debug has readOnlyRootFilesystem not set`,
      `Deployment ${GREEN} must forbid privilege escalation: container debug has allowPrivilegeEscalation not set`,
      `Deployment ${GREEN} must drop every capability: container debug has capabilities`,
      `Deployment ${GREEN} must never run a privileged container: container debug has privileged true`,
    ]);
  });

  it("exempts a non-core volume type named in the exemptions, with a reason", async () => {
    const nfs = broken((r) => pod(r).volumes.push({ name: "shared", nfs: { server: "10.0.0.2", path: "/exports" } }));
    const exemptions = [{ resource: GREEN, checks: ["volumeTypes"], reason: "reads the shared reports export" }];
    expect(await check(nfs, { "kubernetes-pod-security": { exemptions } })).toEqual([]);
  });

  it.each(["hostNetwork", "hostPath", "hostPort", "privileged", "sysctls"])(
    "refuses an exemption for %s as a config error: nothing exempts it",
    async (setting) => {
      const exemptions = [{ resource: GREEN, checks: [setting], reason: "the agent needs it" }];
      await expect(check(shipped.resources, { "kubernetes-pod-security": { exemptions } })).rejects.toThrow(
        "kubernetes-pod-security.exemptions.0.checks.0",
      );
    },
  );

  /** One Baseline setting that nothing relaxes, applied to a pod spec. */
  const FORBIDDEN: [string, (spec: Record<string, any>, target: Record<string, any>) => void][] = [
    ["hostNetwork", (spec) => (spec.hostNetwork = true)],
    ["hostPID", (spec) => (spec.hostPID = true)],
    ["hostIPC", (spec) => (spec.hostIPC = true)],
    ["hostPath", (spec) => spec.volumes.push({ name: "node", hostPath: { path: "/" } })],
    ["privileged", (_, target) => (target.securityContext = { ...target.securityContext, privileged: true })],
    [
      "capabilities.add",
      (_, target) =>
        (target.securityContext = { ...target.securityContext, capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } }),
    ],
    ["hostPort", (_, target) => (target.ports = [{ containerPort: 9100, hostPort: 9100 }])],
    ["procMount", (_, target) => (target.securityContext = { ...target.securityContext, procMount: "Unmasked" })],
    ["sysctls", (spec) => (spec.securityContext.sysctls = [{ name: "net.core.somaxconn", value: "1024" }])],
    ["seLinuxOptions", (spec) => (spec.securityContext.seLinuxOptions = { type: "spc_t" })],
  ];

  it("refuses any pod with one forbidden host setting, whatever else it sets and whatever the exemptions and the stack file say (fast-check)", async () => {
    const exemptAll = [{ resource: GREEN, checks: [...POD_SECURITY_CHECKS], reason: "everything is exempt" }];
    const others = fc.record({
      readOnly: fc.boolean(),
      nonRoot: fc.option(fc.boolean(), { nil: undefined }),
      seccomp: fc.constantFrom("RuntimeDefault", "Unconfined", undefined),
      automount: fc.option(fc.boolean(), { nil: undefined }),
      list: fc.constantFrom("containers", "initContainers", "ephemeralContainers"),
      exemptions: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FORBIDDEN), others, async ([setting, apply], o) => {
        const resources = mutate(excepted.resources, GREEN, (r) => {
          const spec = pod(r);
          Object.assign(spec.securityContext, {
            runAsNonRoot: o.nonRoot,
            seccompProfile: o.seccomp && { type: o.seccomp },
          });
          spec.automountServiceAccountToken = o.automount;
          container(r).securityContext.readOnlyRootFilesystem = o.readOnly;
          const target = { ...structuredClone(container(r)), name: "extra" };
          if (o.list === "containers") spec.containers.push(target);
          else spec[o.list] = [target];
          apply(spec, target);
        });
        const config = o.exemptions ? { "kubernetes-pod-security": { exemptions: exemptAll } } : {};
        const refused = (await check(resources, config)).filter(
          ([policy, level, resource, message]) =>
            policy === "kubernetes-pod-security" &&
            level === "mandatory" &&
            resource === GREEN &&
            message.includes(NO_EXEMPTION),
        );
        expect(refused.map(([, , , message]) => message).join("\n")).toContain(
          setting === "hostPath" ? "hostPath" : setting.split(".")[0],
        );
      }),
      { numRuns: 40 },
    );
  });
});

describe("values unknown at preview: judged at `pulumi up`, never passed", () => {
  const preview = (change: (r: EditableResource) => void) => mutate(shipped.resources, GREEN, change);
  const cantRun = (policy: string, what: string) => [
    policy,
    "advisory",
    GREEN,
    expect.stringMatching(
      new RegExp(
        `^can't run policy '${policy}' from policy pack '[^']+' during preview: ${what} of Deployment ${GREEN} is unknown until \`pulumi up\`: this rule judges it then, before the Deployment is created or changed$`,
      ),
    ),
  ];

  it("reports unknown containers as an advisory for each rule, and a known violation on the same Deployment as mandatory", async () => {
    const resources = preview((r) => {
      pod(r).containers = UNKNOWN;
      pod(r).hostNetwork = true;
    });
    expect(await check(resources)).toEqual([
      mandatory(GREEN, `Deployment ${GREEN} must share no namespace with its node: hostNetwork is true. ${POD_POWER}`),
      cantRun("kubernetes-pod-security", "`spec.template.spec.containers`"),
      cantRun("kubernetes-readiness-probes", "`spec.template.spec.containers`"),
      cantRun("kubernetes-resource-limits", "`spec.template.spec.containers`"),
    ]);
  });

  it("reports a whole unknown pod template as an advisory", async () => {
    const resources = preview((r) => (r.inputs.spec.template = UNKNOWN));
    expect((await check(resources)).filter(([policy]) => policy === "kubernetes-pod-security")).toEqual([
      cantRun("kubernetes-pod-security", "`spec.template`"),
    ]);
  });

  it("defers a security setting unknown at preview instead of calling it unset", async () => {
    const resources = preview((r) => (pod(r).securityContext.runAsNonRoot = UNKNOWN));
    expect(await check(resources)).toEqual([
      cantRun("kubernetes-pod-security", "`spec.template.spec.securityContext.runAsNonRoot`"),
    ]);
  });

  it("never passes a hardened pod with any one setting it reads unknown (fast-check)", async () => {
    // Every value of the shipped pod the rule reads (the settings, and the lists and objects that hold them).
    const READ =
      /^(automountServiceAccountToken|volumes(\.\d+(\.\w+)?)?|containers(\.\d+(\.(ports(\.\d+)?|(readiness|liveness|startup)Probe(\.httpGet)?))?)?)$/;
    const leaves: string[][] = [];
    const walk = (value: unknown, path: string[]) => {
      if (path.includes("securityContext") || READ.test(path.join("."))) leaves.push(path);
      if (value !== null && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
      }
    };
    walk(hardenedPod(), []);
    expect(leaves.length).toBeGreaterThan(15);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...leaves), async (path) => {
        const resources = preview((r) => {
          const parent = path.slice(0, -1).reduce((v: any, key) => v[key], pod(r));
          parent[path[path.length - 1]] = UNKNOWN;
        });
        const mine = (await check(resources)).filter(([policy]) => policy === "kubernetes-pod-security");
        expect(mine.length, path.join(".")).toBeGreaterThan(0);
        expect(
          mine.every(([, level]) => level === "advisory"),
          path.join("."),
        ).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});
