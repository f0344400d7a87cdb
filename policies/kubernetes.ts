/**
 * Kubernetes rules: pods get traffic only once ready, cannot starve their neighbours, and meet the Pod Security
 * Standards. Every pod the app creates is judged, found by its group and kind (any version), never by a label.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { KUBERNETES_ANNOTATIONS, KUBERNETES_LABELS } from "./contracts/markers";
import { COMPONENT_TYPES } from "./contracts/resourceTypes";
import { colorIn, configOf, known } from "./shared";
import { createdInside, kubernetesKind } from "./structure";
import {
  items,
  judged,
  named,
  POD_SECURITY_CHECKS,
  PodSecurityCheck,
  PodSecurityFinding,
  podSecurityFindings,
  relaxable,
} from "./podSecurityStandards";

export { POD_SECURITY_CHECKS };

const TEMPLATE = ["spec", "template", "spec"];
/** Pod-bearing kinds: the API groups that serve them, where the pod spec is, whether they keep pods running. */
const POD_KINDS: Record<string, [groups: string[], path: string[], serving: boolean]> = {
  Pod: [[""], ["spec"], false],
  ReplicationController: [[""], TEMPLATE, true],
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
  const { group, kind: fullKind } = kubernetesKind(type) ?? {};
  if (group === undefined || fullKind === undefined) return undefined;
  const [, kind, patch = ""] = /^(\w+?)(Patch)?$/.exec(fullKind) ?? [];
  if (kind === undefined) return undefined;
  const [groups, path, serving] = POD_KINDS[kind] ?? [[], TEMPLATE, false];
  const template = known(() => props.spec?.template?.spec);
  const custom = !(kind in POD_KINDS) && typeof template === "object" && template !== null;
  return groups.includes(group) || custom ? { kind: kind + patch, path, serving } : undefined;
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
  const { kubernetesColorWorkload: color, kubernetesMigrationJob: migration } = COMPONENT_TYPES;
  const role = createdInside(urn, color) ? "color" : createdInside(urn, migration) ? "migration" : "other";
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
