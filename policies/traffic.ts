/**
 * Traffic rules: what a weighted route may send where, and that no color
 * gets traffic before its promotion gate has passed. Routes are the ALB's
 * weighted listener (aws), the Gateway API HTTPRoute (kubernetes) and the
 * HAProxy weights (docker).
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { COLORS, Color } from "./contracts/colors";
import { GATEWAY_MAX_WEIGHT, MAX_TRAFFIC_WEIGHT } from "./contracts/limits";
import { KUBERNETES_LABELS, ROUTE_KINDS } from "./contracts/markers";
import { TYPES, colorIn, configOf, dependencyClosure, shown } from "./shared";

export interface ForwardEntry {
  readonly arn: unknown;
  readonly weight: unknown;
}

/** The weighted forward entries of a listener ([] for redirects and single-target forwards such as test listeners). */
export function forwardEntries(listener: Record<string, any>): ForwardEntry[] {
  const actions: any[] = Array.isArray(listener.defaultActions) ? listener.defaultActions : [];
  return actions.flatMap((action) =>
    action.type === "forward" && Array.isArray(action.forward?.targetGroups)
      ? action.forward.targetGroups.map((group: any) => ({ arn: group.arn, weight: group.weight }))
      : [],
  );
}

export interface NamedResource {
  readonly name: string;
  readonly props: Record<string, any>;
}

/**
 * The stack's target group behind a forward ARN: by its `arn` output when
 * known, else by the name in the ARN (`...:targetgroup/<name>/<id>`), which
 * is the explicit `name` or the provider's auto-name `<logical name>-<suffix>`.
 */
export function resolveTargetGroup<T extends NamedResource>(arn: unknown, targetGroups: readonly T[]): T | undefined {
  if (typeof arn !== "string") return undefined;
  const byArn = targetGroups.find((group) => group.props.arn === arn);
  if (byArn) return byArn;
  const name = /:targetgroup\/([^/]+)\//.exec(arn)?.[1];
  if (name === undefined) return undefined;
  const byName = targetGroups.find((group) => group.props.name === name);
  if (byName) return byName;
  const autoNamed = targetGroups.filter((group) => group.props.name === undefined && name.startsWith(`${group.name}-`));
  return autoNamed.sort((a, b) => b.name.length - a.name.length)[0];
}

function isWeight(weight: unknown, max: number): weight is number {
  return typeof weight === "number" && Number.isInteger(weight) && weight >= 0 && weight <= max;
}

function trafficKey(color: Color | undefined): string {
  return color ? `\`bluegreen:traffic.${color}\`` : "`bluegreen:traffic.blue` or `bluegreen:traffic.green`";
}

export const listenerForwardWeights: StackValidationPolicy = {
  name: "listener-forward-weights-valid",
  description:
    "Checks whether weighted listeners forward only to this stack's target groups, with weights from 0 to 999 and at least one above 0.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maxWeight: {
        type: "integer",
        minimum: 1,
        maximum: MAX_TRAFFIC_WEIGHT,
        default: MAX_TRAFFIC_WEIGHT,
        description: "Highest weight one target group may get (the ALB accepts at most 999).",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { maxWeight } = configOf<{ maxWeight: number }>(listenerForwardWeights.configSchema!, args.getConfig());
    const targetGroups = args.resources.filter((r) => r.type === TYPES.targetGroup);
    for (const listener of args.resources.filter((r) => r.type === TYPES.listener)) {
      const entries = forwardEntries(listener.props);
      if (entries.length === 0) continue;
      const report = (message: string) => reportViolation(`Listener ${listener.name} must ${message}`, listener.urn);
      for (const entry of entries) {
        const group = resolveTargetGroup(entry.arn, targetGroups);
        if (!group) {
          const ours = targetGroups.map((g) => g.name).join(", ") || "none";
          report(
            `forward only to target groups of this stack: ${shown(entry.arn)} is none of them (this stack's: ${ours}). ` +
              "Forward to the app's own colors only; another app gets its own listener.",
          );
        }
        if (!isWeight(entry.weight, maxWeight)) {
          const color = colorIn(group?.props.tags?.color);
          const target = group ? `target group ${group.name}` : shown(entry.arn);
          report(
            `give each target group a whole weight from 0 to ${maxWeight}: ${target} has ${shown(entry.weight)}. ` +
              `Set ${trafficKey(color)} to a whole number from 0 to ${maxWeight}.`,
          );
        }
      }
      const weights = entries.map((entry) => entry.weight);
      if (weights.every((weight) => weight === 0)) {
        report(
          `send traffic to at least one target group: every weight is 0, so the load balancer answers 503. Give ${trafficKey(undefined)} a weight above 0.`,
        );
      }
    }
  },
};

export const httpRouteBackendWeights: ResourceValidationPolicy = {
  name: "httproute-backend-weights-valid",
  description:
    "Checks whether HTTPRoute backendRefs have weights from 0 to 1000000 and every rule sends traffic somewhere.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maxWeight: {
        type: "integer",
        minimum: 1,
        maximum: GATEWAY_MAX_WEIGHT,
        default: GATEWAY_MAX_WEIGHT,
        description: "Highest weight one backendRef may get (Gateway API allows 1000000).",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.httpRoute) return;
    const { maxWeight } = configOf<{ maxWeight: number }>(httpRouteBackendWeights.configSchema!, args.getConfig());
    const rules: any[] = args.props.spec?.rules ?? [];
    rules.forEach((rule, index) => {
      const refs: any[] = rule.backendRefs ?? [];
      // Gateway API: an omitted weight is 1.
      const weights = refs.map((ref) => ref.weight ?? 1);
      refs.forEach((ref, i) => {
        if (!isWeight(weights[i], maxWeight)) {
          reportViolation(
            `HTTPRoute ${args.name} must give each backendRef a whole weight from 0 to ${maxWeight}: ` +
              `${shown(ref.name)} in rule ${index} has ${shown(weights[i])}. Set ${trafficKey(colorIn(ref.name))} to a whole number in that range.`,
          );
        }
      });
      if (refs.length > 0 && weights.every((weight) => weight === 0)) {
        reportViolation(
          `HTTPRoute ${args.name} must send traffic to at least one backend in rule ${index}: every backendRef weight is 0, so the gateway answers 500. ` +
            `Give ${trafficKey(undefined)} a weight above 0.`,
        );
      }
    });
  },
};

interface RoutedColor {
  readonly color: Color;
  readonly weight: number;
}

/** What a route sends to each color; undefined when the resource routes nothing by weight. */
function routedColors(
  route: PolicyResource,
  stack: readonly PolicyResource[],
): { kind: string; routed: RoutedColor[] } | undefined {
  const sum = (pairs: { color: Color | undefined; weight: unknown }[]): RoutedColor[] =>
    COLORS.map((color) => ({
      color,
      weight: pairs
        .filter((p) => p.color === color && typeof p.weight === "number")
        .reduce((total, p) => total + (p.weight as number), 0),
    }));
  switch (route.type) {
    case TYPES.listener: {
      const entries = forwardEntries(route.props);
      if (entries.length === 0) return undefined;
      const targetGroups = stack.filter((r) => r.type === TYPES.targetGroup);
      const pairs = entries.map((entry) => ({
        color: colorIn(resolveTargetGroup(entry.arn, targetGroups)?.props.tags?.color),
        weight: entry.weight,
      }));
      return { kind: "Listener", routed: sum(pairs) };
    }
    case TYPES.httpRoute: {
      // A direct route reaches one color for its gate (like an AWS test listener), so it exists before the gate by design.
      if (route.props.metadata?.labels?.[KUBERNETES_LABELS.route] === ROUTE_KINDS.direct) return undefined;
      const services = stack.filter((r) => r.type === TYPES.service);
      const refs: any[] = (route.props.spec?.rules ?? []).flatMap((rule: any) => rule.backendRefs ?? []);
      const pairs = refs.map((ref) => ({ color: serviceColor(ref.name, services), weight: ref.weight ?? 1 }));
      return { kind: "HTTPRoute", routed: sum(pairs) };
    }
    case TYPES.haproxyWeights:
      return {
        kind: "HAProxy weights",
        routed: sum(COLORS.map((color) => ({ color, weight: route.props.weights?.[color] }))),
      };
    default:
      return undefined;
  }
}

/** A backend's color: a label value of the Service it names, else a word of its name. */
function serviceColor(name: unknown, services: readonly PolicyResource[]): Color | undefined {
  const service = services.find((s) => s.props.metadata?.name === name);
  const labels: unknown[] = Object.values(service?.props.metadata?.labels ?? {});
  return labels.map(colorIn).find((color) => color !== undefined) ?? colorIn(name);
}

export const trafficRequiresPromotionGate: StackValidationPolicy = {
  name: "traffic-requires-promotion-gate",
  description: "Checks whether every route waits for the promotion gate of each color it sends traffic to.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      gateTypes: {
        type: "array",
        items: { type: "string" },
        default: [TYPES.promotionGate],
        description: "Resource types that count as a promotion gate; each must have a `color` input.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { gateTypes } = configOf<{ gateTypes: string[] }>(
      trafficRequiresPromotionGate.configSchema!,
      args.getConfig(),
    );
    for (const route of args.resources) {
      const routing = routedColors(route, args.resources);
      if (!routing) continue;
      const gatedColors = new Set(
        [...dependencyClosure(route)]
          .filter((r) => gateTypes.includes(r.type))
          .map((gate) => colorIn(gate.props.color)),
      );
      for (const { color, weight } of routing.routed) {
        if (weight > 0 && !gatedColors.has(color)) {
          reportViolation(
            `${routing.kind} ${route.name} must wait for the promotion gate of ${color}, which it sends weight ${weight}: ` +
              `it depends on no promotion gate for ${color}, so traffic could reach ${color} before its health is proven. ` +
              `Keep routing behind the gates (BlueGreenApp passes every color's PromotionGate to platform.routing as dependsOn), or set \`bluegreen:traffic.${color}\` to 0.`,
            route.urn,
          );
        }
      }
    }
  },
};
