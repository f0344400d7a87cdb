/**
 * A color's target serves that color only. The gate of a color probes its
 * own target group or Service; if another color's tasks register in that
 * target group, or its Service selects another color's pods, that code gets
 * this color's share of users without its own gate ever judging it. What
 * serves a target: the ECS services registered in a target group and any
 * target group attachment, or the workloads a Service selects; each must be
 * the target's color by structure (the gate that waits for it).
 */
import type { PolicyResource } from "@pulumi/policy";
import type { Color } from "./contracts/colors";
import { LOAD_BALANCER_TYPES } from "./contracts/resourceTypes";
import { TYPES, known } from "./shared";
import { isKubernetes, podLabels, selects, workloads } from "./structure";

/** What serves a target group or a Service; [] for anything else. */
function servedBy(target: PolicyResource, stack: readonly PolicyResource[]): PolicyResource[] {
  if (LOAD_BALANCER_TYPES.targetGroup.includes(target.type)) {
    return stack.filter(
      (r) =>
        (r.type === TYPES.ecsService && (r.propertyDependencies.loadBalancers ?? []).includes(target)) ||
        (LOAD_BALANCER_TYPES.targetGroupAttachment.includes(r.type) &&
          (r.propertyDependencies.targetGroupArn ?? []).includes(target)),
    );
  }
  if (!isKubernetes(target.type, "", "Service")) return [];
  const selector = known(() => target.props.spec?.selector);
  return workloads(stack).filter((w) => selects(selector, podLabels(w)));
}

/** Each color target served by something that is not that color: sentences following "must". */
export function crossWiredTargets(
  stack: readonly PolicyResource[],
  colors: ReadonlyMap<PolicyResource, Color | undefined>,
): { target: PolicyResource; problem: string }[] {
  return [...colors].flatMap(([target, color]) => {
    if (color === undefined) return [];
    return servedBy(target, stack)
      .filter((server) => colors.get(server) !== color)
      .map((server) => {
        const whose = colors.get(server) ? `${colors.get(server)}'s` : "no color's (no gate waits for it)";
        return {
          target,
          problem:
            `serve only ${color}, whose gate waits for it: ${server.type.split(":").pop()} ${server.name} (${whose}) serves it too, ` +
            `so that code gets ${color}'s share of users without its own gate judging it. Keep each color's tasks or pods behind its own target`,
        };
      });
  });
}
