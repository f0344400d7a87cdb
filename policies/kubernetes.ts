/**
 * Kubernetes rules: pods get traffic only once ready, cannot starve their neighbours, and meet the Pod Security
 * Standards. Every pod the app creates is judged, found by its group and kind (any version), never by a label.
 */
import { type ResourceValidationArgs, type ResourceValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { KUBERNETES_ANNOTATIONS, KUBERNETES_LABELS } from "./contracts/markers";
import { COMPONENT_TYPES } from "./contracts/resourceTypes";
import { colorIn, configOf, known, shown } from "./shared";

const TEMPLATE = ["spec", "template", "spec"];
/** Pod-bearing kinds: the API groups that serve them, where the pod spec is, whether they keep pods running. */
const POD_KINDS: Record<string, [groups: string[], path: string[], serving: boolean]> = {
  Pod: [["core"], ["spec"], false],
  ReplicationController: [["core"], TEMPLATE, true],
  Deployment: [["apps", "extensions"], TEMPLATE, true],
  ReplicaSet: [["apps", "extensions"], TEMPLATE, true],
  DaemonSet: [["apps", "extensions"], TEMPLATE, true],
  StatefulSet: [["apps"], TEMPLATE, true],
  Job: [["batch"], TEMPLATE, false],
  CronJob: [["batch"], ["spec", "jobTemplate", ...TEMPLATE], false],
};
/**
 * `kubernetes:<group>/<version>:<Kind>` of a pod-bearing kind in any version (`extensions/v1beta1`, `batch/v1beta1`)
 * or its `<Kind>Patch`; a custom resource with a pod template where a Deployment has one (a Rollout) too.
 */
export function podBearer(type: string, props: Record<string, any>) {
  const [, group, kind, patch = ""] = /^kubernetes:([^/:]+)\/[^/:]+:(\w+?)(Patch)?$/.exec(type) ?? [];
  if (kind === undefined) return undefined;
  const [groups, path, serving] = POD_KINDS[kind] ?? [[], TEMPLATE, false];
  const template = known(() => props.spec?.template?.spec);
  const custom = !(kind in POD_KINDS) && typeof template === "object" && template !== null;
  return groups.includes(group) || custom ? { kind: kind + patch, path, serving } : undefined;
}

/** Runs `read`; an unknown value it meets at preview is noted in `unknowns` (the rule runs again at update). */
function judged<T>(unknowns: unknown[], read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof UnknownValueError)) throw error;
    return void unknowns.push(error);
  }
}
/** The items of a list that may be unknown at preview, as a whole or item by item (the unknown ones noted). */
function items(unknowns: unknown[], read: () => unknown): any[] {
  const list = judged(unknowns, read);
  if (!Array.isArray(list)) return [];
  return Array.from({ length: list.length }, (_, i) => judged(unknowns, () => list[i])).filter((x) => x != null);
}
/** Once everything known is judged: anything unknown makes the SDK report "can't run during preview" (advisory). */
function deferUnknowns(unknowns: any[], kind: string, name: string): void {
  if (unknowns.length === 0) return;
  const paths = [...new Set(unknowns.map((error) => `\`${error.props.join(".")}\``))];
  const [is, it] = paths.length === 1 ? ["is", "it"] : ["are", "them"];
  const what = `${paths.join(", ")} of ${kind} ${name} ${is} unknown until \`pulumi up\``;
  unknowns[0].message = `${what}: this rule judges ${it} then, before the ${kind} is created or changed`;
  throw unknowns[0];
}
/** The pod spec at `path`: `{}` when absent (judged, so found wanting), undefined when unknown (noted). */
const podOf = (path: readonly string[], props: any, unknowns: unknown[]): Record<string, any> | undefined =>
  judged(unknowns, () => path.reduce((v: any, key) => v?.[key], props) ?? {});
const named = (c: any, i: number): string => `container ${known(() => c.name) ?? `#${i}`}`;

/** Calls `judge` on each container of a serving workload (Deployment, StatefulSet, DaemonSet, ReplicaSet...). */
function eachServingContainer(args: ResourceValidationArgs, judge: (kind: string, container: string, c: any) => void) {
  const bearer = podBearer(args.type, args.props);
  if (bearer === undefined || !bearer.serving) return;
  const unknowns: unknown[] = [];
  const containers = items(unknowns, () => podOf(bearer.path, args.props, unknowns)?.containers);
  containers.forEach((c, i) => judged(unknowns, () => judge(bearer.kind, named(c, i), c)));
  deferUnknowns(unknowns, bearer.kind, args.name);
}

export const kubernetesReadinessProbes: ResourceValidationPolicy = {
  name: "kubernetes-readiness-probes",
  description: "Checks whether every container of the app's serving workloads (Deployment-like) has a readiness probe.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) =>
    eachServingContainer(args, (kind, container, spec) => {
      if (spec.readinessProbe != null) return;
      reportViolation(
        `${kind} ${args.name} must give every container a readiness probe: ${container} has none, so its Service sends traffic to pods that are still starting. ` +
          "Add readinessProbe.httpGet on `bluegreen:app.healthPath` and the app port.",
      );
    }),
};

export const kubernetesResourceLimits: ResourceValidationPolicy = {
  name: "kubernetes-resource-limits",
  description: "Checks whether every container of the app's serving workloads has resource limits.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      requiredLimits: {
        type: "array",
        items: { type: "string" },
        default: ["cpu", "memory"],
        description: "Resources every container must limit.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    const schema = kubernetesResourceLimits.configSchema!;
    const { requiredLimits } = configOf<{ requiredLimits: string[] }>(schema, args.getConfig());
    eachServingContainer(args, (kind, container, spec) => {
      const missing = requiredLimits.filter((resource) => spec.resources?.limits?.[resource] == null);
      if (missing.length === 0) return;
      reportViolation(
        `${kind} ${args.name} must limit ${requiredLimits.join(" and ")} on every container: ${container} has no limit for ${missing.join(" or ")}, ` +
          "so one color can starve the other on a shared node. Set `bluegreen:kubernetes.resources` (cpu, memory).",
      );
    });
  },
};

/** The two a stack file relaxes itself, with `bluegreen:<color>.securityException` (which the workload carries). */
const STACK_RELAXABLE = ["runAsNonRoot", "readOnlyRootFilesystem"] as const;
const RESTRICTED = ["allowPrivilegeEscalation", "capabilities.drop", "seccompProfile", "volumeTypes"] as const;
/** The settings a workload can be exempted from, by the names `exemptions` uses; nothing exempts the others. */
export const POD_SECURITY_CHECKS = [...STACK_RELAXABLE, ...RESTRICTED, "automountServiceAccountToken"] as const;
export type PodSecurityCheck = (typeof POD_SECURITY_CHECKS)[number];
const checkOf = (setting: string) => POD_SECURITY_CHECKS.find((check) => check === setting);
const relaxable = (check: PodSecurityCheck) => (STACK_RELAXABLE as readonly string[]).includes(check);
/** A broken setting: what the pod must do and what it has; `check` undefined when nothing exempts it, then `why`. */
export type PodSecurityFinding = { check: PodSecurityCheck | undefined; problem: string; why?: string };
/** A setting, what the pod must do, its allowed values (the exemption check of the same name, if any, relaxes it). */
type Rule = [setting: string, must: string, ok: (value: any) => boolean];
const unset = (v: unknown) => v == null || v === false;
const none = (v: unknown[] | undefined) => v == null || v.length === 0;
const SELINUX = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
const selinuxOk = (v: any) => !v || (SELINUX.includes(v.type ?? "") && !v.user && !v.role);
const POD_RULES: Rule[] = [
  ["automountServiceAccountToken", "not mount a service account token", (v) => v === false],
  ...["hostNetwork", "hostPID", "hostIPC"].map((key): Rule => [key, "share no namespace with its node", unset]),
];
/** On each container: its securityContext's setting over the pod's, its host ports and its probes' hosts. */
const CONTAINER_RULES: Rule[] = [
  ["readOnlyRootFilesystem", "keep the root filesystem read-only", (v) => v === true],
  ["allowPrivilegeEscalation", "forbid privilege escalation", (v) => v === false],
  ["capabilities.drop", "drop every capability", (v) => Array.isArray(v) && v.includes("ALL")],
  ["seccompProfile", "use the runtime's default seccomp profile", (v) => v?.type === "RuntimeDefault"],
  ["privileged", "never run a privileged container", unset],
  ["capabilities.add", "add no capability", none],
  ["procMount", "keep the default /proc masks", (v) => v == null || v === "Default"],
  ["windowsOptions.hostProcess", "run no Windows HostProcess container", unset],
  ["seLinuxOptions", "keep the default SELinux options", selinuxOk],
  ["appArmorProfile.type", "keep an AppArmor profile", (v) => v !== "Unconfined"],
  ["hostPort", "publish no port on its node", none],
  ["probe host", "probe and hook only its own pod", none],
];
const WHY: Record<string, string> = {
  hostPort: "users would reach the pod on the node's address, around the route and its promotion gates",
  "probe host": "the kubelet would send requests to another host, whose answers could make the pod look ready",
};
const HANDLERS = ["livenessProbe", "readinessProbe", "startupProbe", "lifecycle.postStart", "lifecycle.preStop"];
const at = (from: any, dotted: string): any => dotted.split(".").reduce((v, key) => v?.[key], from);
const given = (values: unknown[]) => values.filter((v) => v != null && v !== 0 && v !== "");
/** A container's value of a setting: its host ports, its probes' hosts, else its securityContext's over the pod's. */
function setting(c: any, pod: any, key: string): any {
  if (key === "hostPort") return given((c.ports ?? []).map((port: any) => port?.hostPort));
  if (key === "probe host")
    return given(HANDLERS.flatMap((h) => [at(c, `${h}.httpGet.host`), at(c, `${h}.tcpSocket.host`)]));
  return at(c.securityContext, key) ?? at(pod.securityContext, key);
}
/** Baseline: the sysctls Kubernetes (1.32) deems safe, namespaced and isolated from other pods. */
const IPV4 = "ip_local_port_range ip_unprivileged_port_start tcp_syncookies ping_group_range ip_local_reserved_ports";
const IPV4_TCP = "tcp_keepalive_time tcp_fin_timeout tcp_keepalive_intvl tcp_keepalive_probes tcp_rmem tcp_wmem";
const SAFE_SYSCTLS = ["kernel.shm_rmid_forced", ...`${IPV4} ${IPV4_TCP}`.split(" ").map((key) => `net.ipv4.${key}`)];
/** Restricted: the volume types a pod may use (hostPath is Baseline's, and never exempt). */
const VOLUME_TYPES = "configMap csi downwardAPI emptyDir ephemeral persistentVolumeClaim projected secret".split(" ");
const VOLUME_KEYS = ["name", "hostPath", ...VOLUME_TYPES];
const NODE = "it gives the pod power over its node";

/**
 * Every setting the pod breaks: its own, its volumes' and sysctls', then each container's (init and ephemeral
 * ones included). A value unknown at preview is noted in `unknowns` and leaves out only the checks that read it.
 */
export function podSecurityFindings(pod: Record<string, any>, unknowns: unknown[] = []): PodSecurityFinding[] {
  const findings: PodSecurityFinding[] = [];
  const judge = (key: string, problem: () => string | false, why = "it gives the container power over the node") =>
    judged(unknowns, () => {
      const [found, check] = [problem(), checkOf(key)];
      if (found !== false) findings.push({ check, problem: found, ...(check ? {} : { why }) });
    });
  for (const [key, must, ok] of POD_RULES)
    judge(key, () => !ok(pod[key]) && `${must}: ${key} is ${shown(pod[key])}`, NODE);
  items(unknowns, () => pod.volumes).forEach((volume, i) => {
    const name = `volume ${known(() => volume.name) ?? `#${i}`}`;
    judge("hostPath", () => volume.hostPath != null && `mount no directory of its node: ${name} is hostPath`, NODE);
    judge("volumeTypes", () => {
      const other = Object.keys(volume).filter((type) => volume[type] != null && !VOLUME_KEYS.includes(type));
      return other.length > 0 && `use only core volume types (${VOLUME_TYPES.join(", ")}): ${name} is ${other}`;
    });
  });
  for (const name of items(unknowns, () => pod.securityContext?.sysctls?.map((sysctl: any) => sysctl.name))) {
    judge("sysctls", () => !SAFE_SYSCTLS.includes(name) && `set only safe sysctls: it sets ${shown(name)}`, NODE);
  }
  const lists = ["initContainers", "containers", "ephemeralContainers"];
  for (const [index, c] of lists.flatMap((list) => items(unknowns, () => pod[list])).entries()) {
    judge("runAsNonRoot", () => {
      const [nonRoot, uid] = [setting(c, pod, "runAsNonRoot"), setting(c, pod, "runAsUser")];
      const has = `${named(c, index)} has runAsNonRoot ${shown(nonRoot)}${uid == null ? "" : `, runAsUser ${uid}`}`;
      return (nonRoot !== true || uid === 0) && `run as a non-root user: ${has}`;
    });
    for (const [key, must, ok] of CONTAINER_RULES) {
      const value = () => setting(c, pod, key);
      judge(key, () => !ok(value()) && `${must}: ${named(c, index)} has ${key} ${shown(value())}`, WHY[key]);
    }
  }
  return findings;
}

type Exemption = { readonly resource: string; readonly checks: readonly PodSecurityCheck[]; readonly reason: string };
type PodSecurityConfig = { exemptions: Exemption[]; allowStackExceptions: boolean };
/**
 * An exemption names a resource exactly, or by prefix with a trailing `*` (a Job's name changes with each
 * migration). The engine refuses one without a reason; a runner that skips the schema gets no exemption from it.
 */
const covers = ({ resource, reason }: Exemption, name: string) =>
  (resource.endsWith("*") ? name.startsWith(resource.slice(0, -1)) : resource === name) && /\S/.test(reason ?? "");

/**
 * Whose workload it is, by the component that created it (its URN): only a color's or the migration's honour the
 * stack file's exception (the annotation the program sets there) and name its keys (color: label or name).
 */
export function appWorkload(urn: string, name: string, props: Record<string, any>) {
  const owners = (urn.split("::")[2] ?? "").split("$").slice(0, -1);
  const { kubernetesColorWorkload: color, kubernetesMigrationJob: migration } = COMPONENT_TYPES;
  const role = owners.includes(color) ? "color" : owners.includes(migration) ? "migration" : "other";
  const exception = known(() => props.metadata?.annotations?.[KUBERNETES_ANNOTATIONS.securityException]);
  const label = known(() => props.metadata?.labels?.[KUBERNETES_LABELS.color]);
  const stated = role !== "other" && typeof exception === "string" && exception.trim() !== "" ? exception : undefined;
  return { role, color: colorIn(label) ?? colorIn(name), exception: stated } as const;
}

/** How to fix a finding: the stack-file keys for what a color's stack file may relax, the exemptions for the rest. */
function remedy(workload: ReturnType<typeof appWorkload>, finding: PodSecurityFinding, allowStack: boolean): string {
  const { check } = finding;
  if (check === undefined) return `Remove it: no exemption applies, as ${finding.why}.`;
  const exempt = "or exempt the workload in this policy's `exemptions` with a reason";
  const restoreIt = `Restore it (components/kubernetes/podSecurity.ts sets it), ${exempt}.`;
  if (!relaxable(check) || workload.role === "other") return restoreIt;
  const color = (workload.role === "color" && workload.color) || "<color>";
  const whose = workload.role === "migration" ? "The Job runs as the color whose version it prepares: s" : "S";
  const restore =
    check === "runAsNonRoot"
      ? `${whose}et \`bluegreen:${color}.user\` to a non-root numeric uid such as "10001" (the default)`
      : `${whose}et \`bluegreen:${color}.readOnlyRootFilesystem\` to true (the default; /tmp stays writable)`;
  return allowStack
    ? `${restore}, or state why the image needs it in \`bluegreen:${color}.securityException\`.`
    : `${restore}, ${exempt} (this pack does not accept a stack file's securityException: allowStackExceptions is false).`;
}

export const kubernetesPodSecurity: ResourceValidationPolicy = {
  name: "kubernetes-pod-security",
  description: "Checks whether every pod the app creates meets the Pod Security Standards (baseline and restricted).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      exemptions: {
        type: "array",
        default: [],
        description: "Workloads exempt from some checks: resource (name, or a prefix ending in *), checks, reason.",
        items: {
          type: "object",
          properties: {
            resource: { type: "string", minLength: 1 },
            checks: { type: "array", minItems: 1, items: { type: "string", enum: [...POD_SECURITY_CHECKS] } },
            reason: { type: "string", pattern: "\\S", description: "Why the workload needs it." },
          },
          required: ["resource", "checks", "reason"],
          additionalProperties: false,
        },
      },
      allowStackExceptions: {
        type: "boolean",
        default: true,
        description: "Accept a color's runAsNonRoot or readOnlyRootFilesystem relaxed with its securityException.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    const bearer = podBearer(args.type, args.props);
    if (bearer === undefined) return;
    const workload = appWorkload(args.urn, args.name, args.props);
    const config = configOf<PodSecurityConfig>(kubernetesPodSecurity.configSchema!, args.getConfig());
    const exempt = (check: PodSecurityCheck | undefined) =>
      check !== undefined &&
      ((config.allowStackExceptions && workload.exception !== undefined && relaxable(check)) ||
        config.exemptions.some((e) => covers(e, args.name) && e.checks.includes(check)));
    const unknowns: unknown[] = [];
    const pod = podOf(bearer.path, args.props, unknowns);
    for (const finding of pod === undefined ? [] : podSecurityFindings(pod, unknowns)) {
      if (exempt(finding.check)) continue;
      const fix = remedy(workload, finding, config.allowStackExceptions);
      reportViolation(`${bearer.kind} ${args.name} must ${finding.problem}. ${fix}`);
    }
    deferUnknowns(unknowns, bearer.kind, args.name);
  },
};
