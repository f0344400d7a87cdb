/**
 * Kubernetes rules: a Deployment's pods get traffic only once ready, cannot
 * starve their neighbours, and run with the platform's secure defaults.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { Color } from "./contracts/colors";
import { KUBERNETES_ANNOTATIONS, KUBERNETES_LABELS } from "./contracts/markers";
import { known } from "./routes";
import { TYPES, colorIn, configOf, shown } from "./shared";

/** The Deployment's (non-init) containers with their names. */
function containers(props: Record<string, any>): { name: string; spec: Record<string, any> }[] {
  const list: any[] = props.spec?.template?.spec?.containers ?? [];
  return list.map((spec, index) => ({ name: typeof spec.name === "string" ? spec.name : `#${index}`, spec }));
}

export const kubernetesReadinessProbes: ResourceValidationPolicy = {
  name: "kubernetes-readiness-probes",
  description:
    "Checks whether every container of a Deployment has a readiness probe, so a color gets traffic only from ready pods.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.deployment) return;
    for (const { name, spec } of containers(args.props)) {
      if (spec.readinessProbe === undefined) {
        reportViolation(
          `Deployment ${args.name} must give every container a readiness probe: container ${name} has none, so its Service sends traffic to pods that are still starting. ` +
            "Add readinessProbe.httpGet on `bluegreen:app.healthPath` and the app port.",
        );
      }
    }
  },
};

export const kubernetesResourceLimits: ResourceValidationPolicy = {
  name: "kubernetes-resource-limits",
  description: "Checks whether every container of a Deployment has resource limits.",
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
    if (args.type !== TYPES.deployment) return;
    const { requiredLimits } = configOf<{ requiredLimits: string[] }>(
      kubernetesResourceLimits.configSchema!,
      args.getConfig(),
    );
    for (const { name, spec } of containers(args.props)) {
      const limits = spec.resources?.limits ?? {};
      const missing = requiredLimits.filter((resource) => limits[resource] === undefined);
      if (missing.length > 0) {
        reportViolation(
          `Deployment ${args.name} must limit ${requiredLimits.join(" and ")} on every container: container ${name} has no limit for ${missing.join(" or ")}, ` +
            "so one color can starve the other on a shared node. Set `bluegreen:kubernetes.resources` (cpu, memory).",
        );
      }
    }
  },
};

/** The secure defaults a workload can be exempted from, by the names `exemptions` uses. */
export const POD_SECURITY_CHECKS = [
  "runAsNonRoot",
  "readOnlyRootFilesystem",
  "allowPrivilegeEscalation",
  "capabilities.drop",
  "seccompProfile",
  "automountServiceAccountToken",
] as const;
export type PodSecurityCheck = (typeof POD_SECURITY_CHECKS)[number];

/** The two a stack file relaxes itself, with `bluegreen:<color>.securityException` (which the workload carries). */
const STACK_RELAXABLE: readonly PodSecurityCheck[] = ["runAsNonRoot", "readOnlyRootFilesystem"];

/** A broken default: what the workload must do and what it has; `check` undefined when no exemption can apply. */
export interface PodSecurityFinding {
  readonly check: PodSecurityCheck | undefined;
  readonly problem: string;
}

/** A Deployment of one of the app's colors, or its migration Job (as the platform labels them). */
export interface AppWorkload {
  readonly kind: "Deployment" | "Job";
  readonly color: Color | undefined;
  readonly pod: Record<string, any>;
  /** The reason the stack file states for relaxing a default (annotation), if any. */
  readonly exception: string | undefined;
}

/** Reads `path` under `from`; undefined when absent or unknown at preview (never a throw). */
const at = (from: unknown, ...path: string[]): any => known(() => path.reduce((v: any, key) => v?.[key], from));

export function appWorkload(type: string, props: Record<string, any>): AppWorkload | undefined {
  const kind = type === TYPES.deployment ? "Deployment" : type === TYPES.job ? "Job" : undefined;
  if (kind === undefined) return undefined;
  const label = (key: string) =>
    at(props, "metadata", "labels", key) ?? at(props, "spec", "template", "metadata", "labels", key);
  const marker = kind === "Deployment" ? KUBERNETES_LABELS.color : KUBERNETES_LABELS.migration;
  if (label(marker) === undefined) return undefined;
  const exception = at(props, "metadata", "annotations", KUBERNETES_ANNOTATIONS.securityException);
  return {
    kind,
    color: kind === "Deployment" ? colorIn(label(marker)) : undefined,
    pod: at(props, "spec", "template", "spec") ?? {},
    exception: typeof exception === "string" && exception.trim() !== "" ? exception : undefined,
  };
}

/** Every secure default the pod breaks, per container (init containers included) where the setting is per container. */
export function podSecurityFindings(pod: Record<string, any>): PodSecurityFinding[] {
  const findings: PodSecurityFinding[] = [];
  const add = (check: PodSecurityCheck | undefined, problem: string) => findings.push({ check, problem });
  const automount = at(pod, "automountServiceAccountToken");
  if (automount !== false) {
    add(
      "automountServiceAccountToken",
      `not mount a service account token: automountServiceAccountToken is ${shown(automount)}`,
    );
  }
  const list = [...(at(pod, "initContainers") ?? []), ...(at(pod, "containers") ?? [])];
  for (const [index, container] of list.entries()) {
    const name = `container ${at(container, "name") ?? `#${index}`}`;
    // Container settings override the pod's where both exist.
    const effective = (key: string) => at(container, "securityContext", key) ?? at(pod, "securityContext", key);
    const nonRoot = effective("runAsNonRoot");
    const uid = effective("runAsUser");
    if (nonRoot !== true || uid === 0) {
      const user = uid === undefined ? "" : `, runAsUser ${uid}`;
      add("runAsNonRoot", `run as a non-root user: ${name} has runAsNonRoot ${shown(nonRoot)}${user}`);
    }
    const readOnly = at(container, "securityContext", "readOnlyRootFilesystem");
    if (readOnly !== true) {
      add(
        "readOnlyRootFilesystem",
        `keep the root filesystem read-only: ${name} has readOnlyRootFilesystem ${shown(readOnly)}`,
      );
    }
    const escalation = at(container, "securityContext", "allowPrivilegeEscalation");
    if (escalation !== false) {
      add(
        "allowPrivilegeEscalation",
        `forbid privilege escalation: ${name} has allowPrivilegeEscalation ${shown(escalation)}`,
      );
    }
    const drop = at(container, "securityContext", "capabilities", "drop");
    if (!Array.isArray(drop) || !drop.includes("ALL")) {
      add("capabilities.drop", `drop every capability: ${name} has capabilities.drop ${shown(drop)}`);
    }
    const seccomp = effective("seccompProfile");
    if (at(seccomp, "type") !== "RuntimeDefault") {
      add("seccompProfile", `use the runtime's default seccomp profile: ${name} has seccompProfile ${shown(seccomp)}`);
    }
    if (at(container, "securityContext", "privileged") === true) {
      add(undefined, `never run a privileged container: ${name} has privileged true`);
    }
    const added = at(container, "securityContext", "capabilities", "add");
    if (Array.isArray(added) && added.length > 0) {
      add(undefined, `add no capability: ${name} adds ${shown(added)}`);
    }
  }
  return findings;
}

interface Exemption {
  readonly resource: string;
  readonly checks: readonly PodSecurityCheck[];
  readonly reason: string;
}

/**
 * An exemption names a resource exactly, or by prefix with a trailing `*` (a
 * Job's name changes with each migration). The engine refuses one without a
 * reason; a runner that does not validate the config gets no exemption from it.
 */
const covers = (exemption: Exemption, resource: string) =>
  String(exemption.reason ?? "").trim() !== "" &&
  (exemption.resource.endsWith("*")
    ? resource.startsWith(exemption.resource.slice(0, -1))
    : exemption.resource === resource);

/** How to fix a finding: the stack-file keys for what the stack file may relax, the exemptions for the rest. */
function remedy(workload: AppWorkload, check: PodSecurityCheck | undefined, allowStackExceptions: boolean): string {
  if (check === undefined) return "Remove it: no exemption applies, as it gives the container power over the node.";
  const exempt = "or exempt the workload in this policy's `exemptions` with a reason";
  if (!STACK_RELAXABLE.includes(check)) {
    return `Restore it (components/kubernetes/podSecurity.ts sets it), ${exempt}.`;
  }
  const color = workload.color ?? "<color>";
  const whose = workload.kind === "Job" ? "The Job runs as the color whose version it prepares: s" : "S";
  const restore =
    check === "runAsNonRoot"
      ? `${whose}et \`bluegreen:${color}.user\` to a non-root numeric uid such as "10001" (the default)`
      : `${whose}et \`bluegreen:${color}.readOnlyRootFilesystem\` to true (the default; /tmp stays writable)`;
  return allowStackExceptions
    ? `${restore}, or state why the image needs it in \`bluegreen:${color}.securityException\`.`
    : `${restore}, ${exempt} (this pack does not accept a stack file's securityException: allowStackExceptions is false).`;
}

export const kubernetesPodSecurity: ResourceValidationPolicy = {
  name: "kubernetes-pod-security",
  description:
    "Checks whether the app's Deployments and migration Job run with the secure defaults: non-root, read-only root filesystem, no privilege escalation, every capability dropped, RuntimeDefault seccomp, no service account token, never privileged, no added capability.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      exemptions: {
        type: "array",
        default: [],
        description:
          "Workloads exempt from some checks, each with the reason: resource (the Pulumi resource name, or a prefix ending in *), checks, reason.",
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
        description:
          "Accept a workload's runAsNonRoot or readOnlyRootFilesystem relaxed by its stack file with a stated reason (bluegreen:<color>.securityException).",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    const workload = appWorkload(args.type, args.props);
    if (workload === undefined) return;
    const { exemptions, allowStackExceptions } = configOf<{ exemptions: Exemption[]; allowStackExceptions: boolean }>(
      kubernetesPodSecurity.configSchema!,
      args.getConfig(),
    );
    const exempt = (check: PodSecurityCheck | undefined) =>
      check !== undefined &&
      ((allowStackExceptions && workload.exception !== undefined && STACK_RELAXABLE.includes(check)) ||
        exemptions.some((e) => covers(e, args.name) && e.checks.includes(check)));
    for (const { check, problem } of podSecurityFindings(workload.pod)) {
      if (exempt(check)) continue;
      reportViolation(
        `${workload.kind} ${args.name} must ${problem}. ${remedy(workload, check, allowStackExceptions)}`,
      );
    }
  },
};
