/**
 * Kubernetes rules: a Deployment's pods get traffic only once ready, and
 * cannot starve their neighbours.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, configOf } from "./shared";

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
