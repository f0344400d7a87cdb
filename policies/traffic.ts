/**
 * Traffic rules: what a weighted route may send where, and that no color
 * gets traffic before its promotion gate has passed. Routes are the ALB's
 * weighted listener (aws), the Gateway API HTTPRoute (kubernetes) and the
 * HAProxy weights (docker).
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { COLORS, Color } from "./contracts/colors";
import { GATEWAY_MAX_WEIGHT, MAX_TRAFFIC_WEIGHT } from "./contracts/limits";
import { appRoutes, forwardTargets, known, resolveTargetGroup } from "./routes";
import { TYPES, colorIn, configOf, dependencyClosure, shown } from "./shared";

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
    for (const route of appRoutes(args.resources).filter((r) => r.kind === "Listener" || r.kind === "Listener rule")) {
      const listener = route.resource;
      const entries = forwardTargets(
        known(() => (route.kind === "Listener" ? listener.props.defaultActions : listener.props.actions)),
      );
      const report = (message: string) =>
        reportViolation(`${route.kind} ${listener.name} must ${message}`, listener.urn);
      for (const target of entries) {
        // An ARN unknown at preview is one of the target groups the route depends on (appRoutes resolves it).
        const entry = { arn: known(target.arn), weight: target.weight };
        const group = entry.arn === undefined ? undefined : resolveTargetGroup(entry.arn, targetGroups);
        if (entry.arn !== undefined && !group) {
          const ours = targetGroups.map((g) => g.name).join(", ") || "none";
          report(
            `forward only to target groups of this stack: ${shown(entry.arn)} is none of them (this stack's: ${ours}). ` +
              "Forward to the app's own colors only; another app gets its own listener.",
          );
        }
        if (!isWeight(entry.weight, maxWeight)) {
          const color = colorIn(known(() => group?.props.tags?.color));
          const target = group
            ? `target group ${group.name}`
            : entry.arn === undefined
              ? "a target group"
              : shown(entry.arn);
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

export const trafficRequiresPromotionGate: StackValidationPolicy = {
  name: "traffic-requires-promotion-gate",
  description:
    "Checks whether every route of the app, in every forward shape, waits for the promotion gate of each color it sends traffic to, and sends none to a target whose color is unknown.",
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
    for (const route of appRoutes(args.resources)) {
      if (route.exempt) continue;
      const { resource } = route;
      const gatedColors = new Set(
        [...dependencyClosure(resource)]
          .filter((r) => gateTypes.includes(r.type))
          .map((gate) => colorIn(known(() => gate.props.color))),
      );
      // The maintenance backend answers the page: it carries no color's traffic (routes.ts recognises it by its marker).
      for (const target of route.targets.filter((t) => t.weight > 0 && t.color === undefined && !t.maintenance)) {
        reportViolation(
          `${route.kind} ${resource.name} must send traffic only to a color: ${target.shown} gets weight ${target.weight} but has no color ` +
            "(a `color` tag or label of blue or green), so no promotion gate can vouch for it. Route only to the app's colors, tagged as the program tags them.",
          resource.urn,
        );
      }
      for (const color of COLORS) {
        const weight = route.targets.filter((t) => t.color === color).reduce((total, t) => total + t.weight, 0);
        if (weight > 0 && !gatedColors.has(color)) {
          reportViolation(
            `${route.kind} ${resource.name} must wait for the promotion gate of ${color}, which it sends weight ${weight}: ` +
              `it depends on no promotion gate for ${color}, so traffic could reach ${color} before its health is proven. ` +
              `Keep routing behind the gates (BlueGreenApp passes every color's PromotionGate to platform.routing as dependsOn), or set \`bluegreen:traffic.${color}\` to 0.`,
            resource.urn,
          );
        }
      }
    }
  },
};
