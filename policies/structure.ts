/**
 * The app's structure, read from the stack as the engine records it, never
 * from a tag, label or name (those are markers, checked against it):
 *
 * - what the app's components created: a bluegreen component type among the
 *   parent types in the URN;
 * - the promotion gates, and the color, share and maintenance state each was
 *   judged with (the gate's own inputs);
 * - the color of a target (a target group, a Service, a container): the gate
 *   that waits for it directly, since a gate probes its own color;
 * - the maintenance backend: a Service the MaintenanceBackend component
 *   created that selects only that component's pods, while the gates say
 *   maintenance is on.
 *
 * Each answer fails closed: a target two colors' gates wait for, or none,
 * has no color.
 */
import type { PolicyResource } from "@pulumi/policy";
import { COLORS, Color } from "./contracts/colors";
import { KUBERNETES_LABELS } from "./contracts/markers";
import { COMPONENT_TYPES, DYNAMIC_TYPES } from "./contracts/resourceTypes";
import { known } from "./shared";

const COMPONENTS: ReadonlySet<string> = new Set(Object.values(COMPONENT_TYPES));
/** The project's own dynamic resources: only its components create them. */
export const OWN_DYNAMIC_TYPES: ReadonlySet<string> = new Set(Object.values(DYNAMIC_TYPES).map((t) => t.token));

/** The parent types in a URN, outermost first (`...::A$B$type::name` gives A, B). */
function parentTypes(urn: string): string[] {
  return (urn.split("::")[2] ?? "").split("$").slice(0, -1);
}

/** Whether the resource with this URN was created inside a bluegreen component. */
export function createdByApp(urn: string): boolean {
  return parentTypes(urn).some((type) => COMPONENTS.has(type));
}

/** Whether the resource with this URN was created inside a component of `componentType`. */
export function createdInside(urn: string, componentType: string): boolean {
  return parentTypes(urn).includes(componentType);
}

/** What a resource waits for directly: its dependencies and its properties' dependencies. */
export function directDependencies(resource: PolicyResource): Set<PolicyResource> {
  return new Set([...resource.dependencies, ...Object.values(resource.propertyDependencies).flat()]);
}

/** A promotion gate as the pack reads it: the gate's own inputs. */
export interface GateView {
  readonly resource: PolicyResource;
  readonly color: Color | undefined;
  /** The color's weight and the sum of both weights the gate judged; undefined when the gate does not say. */
  readonly weight: number | undefined;
  readonly totalWeight: number | undefined;
  readonly maintenance: boolean;
}

function wholeNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}

export function gatesIn(stack: readonly PolicyResource[], gateTypes: readonly string[]): GateView[] {
  return stack
    .filter((r) => gateTypes.includes(r.type))
    .map((resource) => {
      const color = known(() => resource.props.color);
      const weight = wholeNumber(known(() => resource.props.weight));
      const total = wholeNumber(known(() => resource.props.totalWeight));
      return {
        resource,
        color: COLORS.find((c) => c === color),
        weight,
        totalWeight: total !== undefined && weight !== undefined && total >= weight && total > 0 ? total : undefined,
        maintenance: known(() => resource.props.maintenance) === true,
      };
    });
}

/** The color of each resource a gate waits for directly; a resource gates of both colors wait for has none. */
export function gatedColors(gates: readonly GateView[]): Map<PolicyResource, Color | undefined> {
  const colors = new Map<PolicyResource, Color | undefined>();
  for (const gate of gates) {
    for (const target of directDependencies(gate.resource)) {
      const seen = colors.has(target) ? colors.get(target) : gate.color;
      colors.set(target, seen === gate.color ? seen : undefined);
    }
  }
  return colors;
}

/** Maintenance is on when every gate of the app was judged with it on (and there is a gate). */
export function maintenanceOn(gates: readonly GateView[]): boolean {
  return gates.length > 0 && gates.every((gate) => gate.maintenance);
}

const KUBERNETES_TYPE = /^kubernetes:([^/]*)\/[^:]+:(.+)$/;

/** A Kubernetes resource's API group ("" for core) and kind, whatever its version; undefined for other types. */
export function kubernetesKind(type: string): { group: string; kind: string } | undefined {
  const match = KUBERNETES_TYPE.exec(type);
  if (!match) return undefined;
  return { group: match[1] === "core" ? "" : match[1], kind: match[2] };
}

export function isKubernetes(type: string, group: string, kind: string): boolean {
  const found = kubernetesKind(type);
  return found !== undefined && found.group === group && found.kind === kind;
}

/** The labels of the pods a workload runs (its pod template's), when known. */
export function podLabels(workload: PolicyResource): Record<string, unknown> | undefined {
  const labels = known(() => workload.props.spec?.template?.metadata?.labels);
  return labels !== null && typeof labels === "object" ? labels : undefined;
}

/** Whether a Service selector picks the pods with these labels; a Service without a selector picks none it can show. */
export function selects(selector: unknown, labels: Record<string, unknown> | undefined): boolean {
  if (selector === null || typeof selector !== "object" || labels === undefined) return false;
  const entries = Object.entries(selector as Record<string, unknown>);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

const POD_WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

/** Every workload of the stack whose pods a Service can select. */
export function workloads(stack: readonly PolicyResource[]): PolicyResource[] {
  return stack.filter((r) => {
    const kind = kubernetesKind(r.type);
    return kind !== undefined && (POD_WORKLOADS.includes(kind.kind) || kind.kind === "Job");
  });
}

/**
 * The Services that are the maintenance backend: created by the app's
 * MaintenanceBackend component, while maintenance is on, selecting that
 * component's pods, and no pods of any other workload of the stack (a color's
 * above all), and those pods carry no color label.
 */
export function maintenanceBackends(stack: readonly PolicyResource[], gates: readonly GateView[]): Set<PolicyResource> {
  if (!maintenanceOn(gates)) return new Set();
  const inBackend = (r: PolicyResource) => createdInside(r.urn, COMPONENT_TYPES.kubernetesMaintenanceBackend);
  const all = workloads(stack);
  return new Set(
    stack
      .filter((r) => isKubernetes(r.type, "", "Service") && inBackend(r))
      .filter((service) => {
        const selector = known(() => service.props.spec?.selector);
        const picked = all.filter((w) => selects(selector, podLabels(w)));
        return (
          picked.length > 0 &&
          picked.every((w) => inBackend(w) && podLabels(w)?.[KUBERNETES_LABELS.color] === undefined)
        );
      }),
  );
}
