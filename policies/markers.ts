/**
 * The app's markers, checked both ways. A routing resource the app's
 * components created carries the marker that says what it is (a route's
 * kind, a target's color, the maintenance backend): one without it is a
 * violation of its own, and the traffic rules judge it as the most exposed
 * thing it could be. A marker is then checked against what it marks: a color
 * tag or label against the gate that waits for the target, a maintenance mark
 * against the structure of the maintenance backend, which exists only while
 * maintenance is on.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { COLORS, Color } from "./contracts/colors";
import { AWS_TAGS, KUBERNETES_LABELS, ROUTE_KINDS } from "./contracts/markers";
import { COMPONENT_TYPES, LOAD_BALANCER_TYPES } from "./contracts/resourceTypes";
import { BEFORE_THE_RESOURCE, TYPES, judgeAtUpdate, known, reading, shown } from "./shared";
import {
  createdByApp,
  createdInside,
  gatedColors,
  gatesIn,
  kubernetesKind,
  maintenanceBackends,
  maintenanceOn,
  podLabels,
} from "./structure";

const KINDS: readonly string[] = Object.values(ROUTE_KINDS);
const isColor = (value: unknown): value is Color => COLORS.includes(value as Color);

interface MarkerRule {
  /** The resource's kind, for messages. */
  readonly display: string;
  /** Where the marker is and what it may say, for messages. */
  readonly marker: string;
  readonly read: (props: Record<string, any>) => unknown;
  readonly valid: (value: unknown) => boolean;
}

function routeMarker(display: string, aws: boolean): MarkerRule {
  return {
    display,
    marker: `${aws ? `tag \`${AWS_TAGS.route}\`` : `label \`${KUBERNETES_LABELS.route}\``} (${KINDS.join(", ")})`,
    read: aws ? (props) => props.tags?.[AWS_TAGS.route] : (props) => props.metadata?.labels?.[KUBERNETES_LABELS.route],
    valid: (value) => KINDS.includes(value as string),
  };
}

/** The marker a routing resource of the app must carry; undefined for resources that carry none. */
export function markerRule(type: string): MarkerRule | undefined {
  if (LOAD_BALANCER_TYPES.listener.includes(type)) return routeMarker("Listener", true);
  if (LOAD_BALANCER_TYPES.listenerRule.includes(type)) return routeMarker("Listener rule", true);
  if (LOAD_BALANCER_TYPES.targetGroup.includes(type)) {
    return {
      display: "Target group",
      marker: `tag \`${AWS_TAGS.color}\` (${COLORS.join(", ")})`,
      read: (props) => props.tags?.[AWS_TAGS.color],
      valid: isColor,
    };
  }
  const kind = kubernetesKind(type);
  if (kind === undefined) return undefined;
  if (kind.group === "gateway.networking.k8s.io" && kind.kind.endsWith("Route")) return routeMarker(kind.kind, false);
  if (kind.kind === "Ingress") return routeMarker(kind.kind, false);
  if (kind.group === "" && kind.kind === "Service") {
    return {
      display: "Service",
      marker: `label \`${KUBERNETES_LABELS.color}\` (a color's Service) or \`${KUBERNETES_LABELS.route}: ${ROUTE_KINDS.maintenance}\` (the maintenance backend's)`,
      read: (props) => props.metadata?.labels,
      valid: (labels: any) =>
        isColor(labels?.[KUBERNETES_LABELS.color]) || labels?.[KUBERNETES_LABELS.route] === ROUTE_KINDS.maintenance,
    };
  }
  return undefined;
}

export const appRoutingMarked: ResourceValidationPolicy = {
  name: "app-routing-marked",
  description:
    "Checks whether every routing resource the app's components create (listener, listener rule, Gateway API route, Ingress, Service, target group) carries the marker that says what it is.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const rule = markerRule(args.type);
    if (rule === undefined) return;
    const value = reading(() => rule.read(args.props));
    if (!value.known) judgeAtUpdate(`the ${rule.marker} of ${args.name}`, BEFORE_THE_RESOURCE);
    if (rule.valid(value.value)) return;
    reportViolation(
      `${rule.display} ${args.name} must carry the ${rule.marker} that says what it is: it has ${shown(value.value)}. ` +
        "The app's components created it; without its marker the pack cannot tell what it is for, so the traffic rules judge it as the most exposed thing it could be. " +
        "The program sets the marker: restore it (components/aws/colorService.ts, weightedListener.ts; components/kubernetes/names.ts).",
    );
  },
};

interface Structure {
  readonly colors: Map<PolicyResource, Color | undefined>;
  readonly maintenanceOn: boolean;
  readonly backends: Set<PolicyResource>;
}

/** A color marker that names a color whose gate does not wait for the target: a sentence following "must". */
function colorClaim(what: string, marked: unknown, structural: Color | undefined): string[] {
  if (!isColor(marked) || marked === structural) return [];
  const actual = structural ? `the gate that waits for it is ${structural}'s` : "no promotion gate waits for it";
  return [
    `carry the color whose promotion gate waits for it: its ${what} says ${marked}, but ${actual}, so the marker names a color whose gate never probed it. ` +
      "Keep the marker the program sets, on the target the program builds for that color",
  ];
}

/** What a resource's markers claim beyond what the structure bears out: each a sentence following "must". */
function mismatches(resource: PolicyResource, structure: Structure): string[] {
  const structural = structure.colors.get(resource);
  if (LOAD_BALANCER_TYPES.targetGroup.includes(resource.type)) {
    return colorClaim(
      `tag \`${AWS_TAGS.color}\``,
      known(() => resource.props.tags?.[AWS_TAGS.color]),
      structural,
    );
  }
  const kind = kubernetesKind(resource.type);
  const inBackend = createdInside(resource.urn, COMPONENT_TYPES.kubernetesMaintenanceBackend);
  const problems: string[] = [];
  if (inBackend && !structure.maintenanceOn) {
    problems.push(
      "exist only while maintenance is on: it is part of the app's maintenance backend, but the gates say `bluegreen:maintenance` is off. " +
        "The program removes the backend when maintenance ends; remove it the same way",
    );
  }
  if (inBackend && kind !== undefined && podLabels(resource)?.[KUBERNETES_LABELS.color] !== undefined) {
    problems.push(
      `run pods that carry no color: it is the maintenance backend's workload, but its pods are labelled \`${KUBERNETES_LABELS.color}\`, so a color's Service could send users to it`,
    );
  }
  if (kind?.group !== "" || kind.kind !== "Service") return problems;
  const labels = known(() => resource.props.metadata?.labels) ?? {};
  problems.push(...colorClaim(`label \`${KUBERNETES_LABELS.color}\``, labels[KUBERNETES_LABELS.color], structural));
  if (
    labels[KUBERNETES_LABELS.route] === ROUTE_KINDS.maintenance &&
    !structure.backends.has(resource) &&
    structure.maintenanceOn
  ) {
    problems.push(
      "be the maintenance backend to be marked as one: it is not the Service of the app's MaintenanceBackend that selects only that component's pods (pods that carry no color), " +
        "so a route marked maintenance could send users through it to a color no gate vouches for",
    );
  }
  return problems;
}

export const appMarkersMatchStructure: StackValidationPolicy = {
  name: "app-markers-match-structure",
  description:
    "Checks whether the app's markers say what its structure is: a target's color is the color of the gate that waits for it, and the maintenance backend is marked so, selects only its own colorless pods, and exists only while maintenance is on.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const gates = gatesIn(args.resources, [TYPES.promotionGate]);
    const structure: Structure = {
      colors: gatedColors(gates),
      maintenanceOn: maintenanceOn(gates),
      backends: maintenanceBackends(args.resources, gates),
    };
    for (const resource of args.resources.filter((r) => createdByApp(r.urn))) {
      for (const problem of mismatches(resource, structure)) {
        const display = markerRule(resource.type)?.display ?? kubernetesKind(resource.type)?.kind ?? resource.type;
        reportViolation(`${display} ${resource.name} must ${problem}.`, resource.urn);
      }
    }
  },
};
