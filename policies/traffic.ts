/**
 * Traffic rules: what a weighted route may send where, and that no color
 * gets traffic before its promotion gate has passed for the share it gets.
 * Routes (routes.ts) are the app's own and every other route of the stack
 * that sends to one of its colors: the ALB's listeners and listener rules,
 * Gateway API routes, Ingresses and the HAProxy weights.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { COLORS, Color } from "./contracts/colors";
import { GATEWAY_MAX_WEIGHT, MAX_TRAFFIC_WEIGHT } from "./contracts/limits";
import { AWS_TAGS, KUBERNETES_ANNOTATIONS } from "./contracts/markers";
import { LOAD_BALANCER_TYPES } from "./contracts/resourceTypes";
import { compareShares, Share, sharePercent } from "./contracts/shares";
import { ALLOW_STACK_EXCEPTIONS } from "./exceptions";
import { Forward, forwardTargets, judgedRoutes, resolveTargetGroup, Route, RouteTarget } from "./routes";
import {
  AFTER_THE_UPDATE,
  afterUpdate,
  Deferrals,
  TYPES,
  colorIn,
  configOf,
  dependencyClosure,
  known,
  shown,
} from "./shared";
import { crossWiredTargets } from "./colorTargets";
import { GateView, gatedColors, gatesIn, kubernetesKind } from "./structure";

function isWeight(weight: unknown, max: number): weight is number {
  return typeof weight === "number" && Number.isInteger(weight) && weight >= 0 && weight <= max;
}

function trafficKey(color: Color | undefined): string {
  return color ? `\`bluegreen:traffic.${color}\`` : "`bluegreen:traffic.blue` or `bluegreen:traffic.green`";
}

/** What to undo when the gate rule fails `pulumi up` after its changes: traffic may already reach the color. */
export function undoRoute(name: string, apps: boolean): string {
  return apps
    ? afterUpdate(
        `${name} has already been created or changed`,
        "move traffic back first (`npm run shift -- <stack> --abort`, or the weights set back and `pulumi up`)",
      )
    : afterUpdate(
        `${name} already sends that traffic`,
        "remove it, or make it wait for each color's gate at no larger share than the gate judged, and run `pulumi up`",
      );
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
    const targetGroups = args.resources.filter((r) => LOAD_BALANCER_TYPES.targetGroup.includes(r.type));
    const listeners = judgedRoutes(args.resources).filter((r) => r.kind === "Listener" || r.kind === "Listener rule");
    for (const route of listeners) {
      const listener = route.resource;
      const entries = forwardTargets(
        known(() => (route.kind === "Listener" ? listener.props.defaultActions : listener.props.actions)),
      );
      const report = (message: string) =>
        reportViolation(`${route.kind} ${listener.name} must ${message}`, listener.urn);
      for (const target of entries) {
        // An ARN unknown at preview is one of the target groups the route depends on (routes.ts resolves it).
        const arn = known(target.arn);
        const group = arn === undefined ? undefined : resolveTargetGroup(arn, targetGroups);
        // A route of a larger program may forward to its own target groups too; only the app's own are held to this.
        if (route.apps && arn !== undefined && !group) {
          const ours = targetGroups.map((g) => g.name).join(", ") || "none";
          report(
            `forward only to target groups of this stack: ${shown(arn)} is none of them (this stack's: ${ours}). ` +
              "Forward to the app's own colors only; another app gets its own listener.",
          );
        }
        if (!isWeight(target.weight, maxWeight)) {
          const color = colorIn(known(() => group?.props.tags?.color));
          const what = group ? `target group ${group.name}` : arn === undefined ? "a target group" : shown(arn);
          report(
            `give each target group a whole weight from 0 to ${maxWeight}: ${what} has ${shown(target.weight)}. ` +
              `Set ${trafficKey(color)} to a whole number from 0 to ${maxWeight}.`,
          );
        }
      }
      if (entries.length > 0 && entries.every((entry) => entry.weight === 0)) {
        report(
          `send traffic to at least one target group: every weight is 0, so the load balancer answers 503. Give ${trafficKey(undefined)} a weight above 0.`,
        );
      }
    }
  },
};

/** Whether a resource is a Gateway API route (HTTPRoute, GRPCRoute, ...), whatever its version. */
function isGatewayRoute(type: string): boolean {
  const kind = kubernetesKind(type);
  return kind?.group === "gateway.networking.k8s.io" && kind.kind.endsWith("Route");
}

export const httpRouteBackendWeights: ResourceValidationPolicy = {
  name: "httproute-backend-weights-valid",
  description:
    "Checks whether Gateway API routes' backendRefs have weights from 0 to 1000000 and every rule sends traffic somewhere.",
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
    if (!isGatewayRoute(args.type)) return;
    const kind = kubernetesKind(args.type)!.kind;
    const { maxWeight } = configOf<{ maxWeight: number }>(httpRouteBackendWeights.configSchema!, args.getConfig());
    const rules: any[] = args.props.spec?.rules ?? [];
    rules.forEach((rule, index) => {
      const refs: any[] = rule.backendRefs ?? [];
      // Gateway API: an omitted weight is 1.
      const weights = refs.map((ref) => ref.weight ?? 1);
      refs.forEach((ref, i) => {
        if (!isWeight(weights[i], maxWeight)) {
          reportViolation(
            `${kind} ${args.name} must give each backendRef a whole weight from 0 to ${maxWeight}: ` +
              `${shown(ref.name)} in rule ${index} has ${shown(weights[i])}. Set ${trafficKey(colorIn(ref.name))} to a whole number in that range.`,
          );
        }
      });
      if (refs.length > 0 && weights.every((weight) => weight === 0)) {
        reportViolation(
          `${kind} ${args.name} must send traffic to at least one backend in rule ${index}: every backendRef weight is 0, so the gateway answers 500. ` +
            `Give ${trafficKey(undefined)} a weight above 0.`,
        );
      }
    });
  },
};

const percent = (share: Share) => `${sharePercent(share)} %`;

/** Where a route's stated exception lives, for messages. */
function exceptionMarker(route: Route): string {
  return route.kind === "Listener" || route.kind === "Listener rule"
    ? `the tag \`${AWS_TAGS.securityException}\``
    : `the annotation \`${KUBERNETES_ANNOTATIONS.securityException}\``;
}

/** Whether the rule skips the route: a direct route routes.ts proved by structure, or a reason stated on a route outside the app. */
function skipped(route: Route, allowStackExceptions: boolean): boolean {
  return route.exempt || (!route.apps && allowStackExceptions && route.exception !== undefined);
}

interface ShareFinding {
  readonly color: Color;
  readonly problem: string;
}

/** What is wrong with one forward of a route: targets no gate can vouch for, and colors given more than their gate judged. */
function forwardProblems(route: Route, forward: Forward, gates: readonly GateView[], deferrals: Deferrals): string[] {
  const problems: string[] = [];
  const total = forward.total ?? forward.targets.reduce((sum, t) => sum + t.weight, 0);
  const judged = (t: RouteTarget) => route.apps || t.apps || t.color !== undefined;
  for (const target of forward.targets.filter((t) => t.weight > 0 && t.color === undefined && !t.maintenance)) {
    if (!judged(target)) continue;
    problems.push(
      `send traffic only to a color: ${target.shown} gets weight ${target.weight} but no promotion gate waits for it, so no gate vouches for it ` +
        "(a color's target is what its gate waits for). Route only to the app's colors, as the program builds them.",
    );
  }
  const reachable = dependencyClosure(route.resource);
  const findings: ShareFinding[] = [];
  for (const color of COLORS) {
    const weight = forward.targets.filter((t) => t.color === color).reduce((sum, t) => sum + t.weight, 0);
    if (weight === 0) continue;
    const gated = gates.filter((gate) => gate.color === color && reachable.has(gate.resource));
    if (gated.length === 0) {
      findings.push({
        color,
        problem:
          `wait for the promotion gate of ${color}, which it sends weight ${weight}: ` +
          `it depends on no promotion gate for ${color}, so traffic could reach ${color} before its health is proven. ` +
          (route.apps
            ? `Keep routing behind the gates (BlueGreenApp passes every color's PromotionGate to platform.routing as dependsOn), or set \`bluegreen:traffic.${color}\` to 0.`
            : `Make it wait for the app's component (\`dependsOn\`), whose gates judge each color, and give ${color} no larger share than its gate judged.`),
      });
      continue;
    }
    if (forward.ambiguous) {
      deferrals.add(
        `which share ${route.kind.toLowerCase()} ${route.resource.name} gives each color (its target group ARNs)`,
      );
      continue;
    }
    const share: Share = { weight, total };
    const vouched = gated
      .filter((g) => g.weight !== undefined && g.totalWeight !== undefined)
      .map((g) => ({ gate: g, share: { weight: g.weight!, total: g.totalWeight! } }));
    if (vouched.some((v) => compareShares(share, v.share) <= 0)) continue;
    const best = vouched.sort((a, b) => compareShares(b.share, a.share))[0];
    const judgedWith = best
      ? `the gate ${best.gate.resource.name} judged ${color} for ${percent(best.share)} (weight ${best.share.weight} of ${best.share.total})`
      : `its gate ${gated[0].resource.name} states no share (no whole \`weight\` and \`totalWeight\`), so it vouches for none`;
    findings.push({
      color,
      problem:
        `give ${color} no more of its traffic than ${color}'s promotion gate was judged for: it sends ${color} ${percent(share)} ` +
        `(weight ${weight} of ${total}), but ${judgedWith}. A gate probes a color for the share it will carry; ` +
        (route.apps
          ? `send ${color}'s share through the weighted route the program builds, or set \`bluegreen:traffic.${color}\` so its gate judges that share.`
          : `give ${color} no larger share than that, or send its users through the app's own weighted route.`),
    });
  }
  return [...problems, ...findings.map((f) => f.problem)];
}

interface GateRules {
  gateTypes: string[];
  allowStackExceptions: boolean;
}

export const trafficRequiresPromotionGate: StackValidationPolicy = {
  name: "traffic-requires-promotion-gate",
  description:
    "Checks whether every route to the app's colors, the app's own and any other in the stack, in every forward shape, waits for the promotion gate of each color it sends traffic to, gives it no more than the share that gate judged, and sends none to a target no gate vouches for.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      gateTypes: {
        type: "array",
        items: { type: "string" },
        default: [TYPES.promotionGate],
        description:
          "Resource types that count as a promotion gate; each must have `color`, `weight` and `totalWeight` inputs.",
      },
      allowStackExceptions: {
        ...ALLOW_STACK_EXCEPTIONS,
        description:
          "Accept a route outside the app's components that sends to a color on purpose, with the reason stated on it (the AWS tag bluegreen:security-exception or the Kubernetes annotation bluegreen/security-exception).",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { gateTypes, allowStackExceptions } = configOf<GateRules>(
      trafficRequiresPromotionGate.configSchema!,
      args.getConfig(),
    );
    const gates = gatesIn(args.resources, gateTypes);
    const deferrals = new Deferrals(AFTER_THE_UPDATE);
    for (const route of judgedRoutes(args.resources, { gateTypes })) {
      if (skipped(route, allowStackExceptions)) continue;
      const { resource } = route;
      for (const what of route.unread) deferrals.add(what);
      const problems = [...new Set(route.forwards.flatMap((f) => forwardProblems(route, f, gates, deferrals)))];
      const outside = route.apps
        ? ""
        : ` It sits outside the app's components; if it sends to a color on purpose, state why in ${exceptionMarker(route)}.`;
      for (const problem of problems) {
        reportViolation(
          `${route.kind} ${resource.name} must ${problem}${outside} ${undoRoute(resource.name, route.apps)}`,
          resource.urn,
        );
      }
    }
    // A color's target serves that color only: another color's code behind it would get this color's share.
    for (const { target, problem } of crossWiredTargets(args.resources, gatedColors(gates))) {
      const display = LOAD_BALANCER_TYPES.targetGroup.includes(target.type) ? "Target group" : "Service";
      reportViolation(`${display} ${target.name} must ${problem}.`, target.urn);
    }
    deferrals.settle();
  },
};
