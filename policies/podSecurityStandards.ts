/**
 * The Kubernetes Pod Security Standards as this pack applies them (docs/policies.md, "Kubernetes pod security
 * exemptions"): Baseline in full, which nothing relaxes, and Restricted, whose checks `exemptions` can relax with a
 * reason. Pure: a pod spec in, findings out; values unknown at preview are noted, never taken as unset.
 */
import { UnknownValueError } from "@pulumi/policy";
import { known, shown } from "./shared";

/** Runs `read`; an unknown value it meets at preview is noted in `unknowns` (the rule runs again at update). */
export function judged<T>(unknowns: unknown[], read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof UnknownValueError)) throw error;
    return void unknowns.push(error);
  }
}
/** The items of a list that may be unknown at preview, as a whole or item by item (the unknown ones noted). */
export function items(unknowns: unknown[], read: () => unknown): any[] {
  const list = judged(unknowns, read);
  if (!Array.isArray(list)) return [];
  return Array.from({ length: list.length }, (_, i) => judged(unknowns, () => list[i])).filter((x) => x != null);
}
export const named = (c: any, i: number): string => `container ${known(() => c.name) ?? `#${i}`}`;

/** The two a stack file relaxes itself, with `bluegreen:<color>.securityException` (which the workload carries). */
const STACK_RELAXABLE = ["runAsNonRoot", "readOnlyRootFilesystem"] as const;
const RESTRICTED = ["allowPrivilegeEscalation", "capabilities.drop", "seccompProfile", "volumeTypes"] as const;
/** The settings a workload can be exempted from, by the names `exemptions` uses; nothing exempts the others. */
export const POD_SECURITY_CHECKS = [...STACK_RELAXABLE, ...RESTRICTED, "automountServiceAccountToken"] as const;
export type PodSecurityCheck = (typeof POD_SECURITY_CHECKS)[number];
const checkOf = (setting: string) => POD_SECURITY_CHECKS.find((check) => check === setting);
export const relaxable = (check: PodSecurityCheck) => (STACK_RELAXABLE as readonly string[]).includes(check);
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
