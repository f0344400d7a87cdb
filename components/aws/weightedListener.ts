/**
 * The production listener: one `forward` action over both target groups with
 * the configured weights. It depends on the promotion gates, so a weight moves
 * only after the color gaining traffic has been proven healthy. While
 * maintenance is on, a listener rule above the forward action answers every
 * request with the maintenance page; the forward action and its weights stay
 * as configured, so removing the rule returns users to them.
 *
 * On a user's load balancer the route is either a listener of the app's own
 * on a free port, or one rule on the user's listener (`rule`): the
 * rule's action is the weighted forward, or the maintenance page while
 * maintenance is on, so the app claims one priority on a shared listener and
 * never changes that listener's default action.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { AWS_TAGS, ROUTE_KINDS } from "../contracts/markers";
import { childName } from "../naming";
import type { Color } from "../contracts/colors";
import type { TrafficRouteInput } from "../contracts/outputs";
import type { MaintenanceResponse } from "../maintenance";
import { childOptions } from "../options";
import type { TrafficWeights } from "../traffic";
import type { RuleCondition } from "./infrastructure";
import { weightedForward } from "./weightedForward";

/** A rule on a user's listener, instead of a listener of the app's own. */
export interface ListenerRulePlacement {
  readonly listenerArn: pulumi.Input<string>;
  readonly priority: number;
  readonly conditions: RuleCondition[];
  /** Where users reach the rule (infrastructure.ts, `trafficUrl`). */
  readonly url: pulumi.Input<string>;
}

export interface WeightedListenerArgs {
  /** The app: marks the listener as this app's user-facing route (AWS_TAGS). */
  readonly app: string;
  readonly loadBalancerArn: pulumi.Input<string>;
  readonly loadBalancerDnsName: pulumi.Input<string>;
  readonly targetGroupArns: Record<Color, pulumi.Input<string>>;
  readonly weights: TrafficWeights;
  /** Sticky sessions across the weighted group, in seconds; 0 = off. The config's default: 0. */
  readonly stickinessSeconds: number;
  /** With a certificate the listener is HTTPS on 443, otherwise HTTP on 80. */
  readonly certificateArn?: string;
  readonly sslPolicy: string;
  /** The maintenance page users get while maintenance is on; undefined while it is off. @default undefined */
  readonly maintenance?: MaintenanceResponse;
  /** The own listener's port. @default 443 with a certificate, else 80 */
  readonly port?: number;
  /** A rule on a user's listener instead of a listener. @default undefined: a listener of the app's own */
  readonly rule?: ListenerRulePlacement;
  /**
   * On a user's load balancer, the per-color test ports, declared on this route for the policy pack (a load
   * balancer the app creates declares them itself). @default undefined
   */
  readonly declaredTestPorts?: readonly number[];
}

/** Rules take precedence over the listener's default action; 1 is the first rule evaluated. */
const MAINTENANCE_RULE_PRIORITY = 1;

export class WeightedListener extends pulumi.ComponentResource {
  /** The app's own listener, or the user's listener its rule is on. */
  readonly listenerArn: pulumi.Output<string>;
  /** The app's rule on a user's listener; undefined on its own listener. */
  readonly ruleArn?: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  /** The listener or rule and the target groups, for a rollback's direct move. */
  readonly trafficRoute: TrafficRouteInput;

  constructor(name: string, args: WeightedListenerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsWeightedListener, name, {}, opts);
    if (args.rule !== undefined) {
      const rule = new aws.lb.ListenerRule(
        childName(name, "rule"),
        {
          listenerArn: args.rule.listenerArn,
          priority: args.rule.priority,
          conditions: args.rule.conditions,
          actions: [args.maintenance ? maintenanceAction(args.maintenance) : forwardAction(args)],
          tags: {
            [AWS_TAGS.app]: args.app,
            [AWS_TAGS.route]: args.maintenance ? ROUTE_KINDS.maintenance : ROUTE_KINDS.weighted,
            ...testPortsTag(args),
          },
        },
        childOptions(this, opts.dependsOn),
      );
      this.listenerArn = pulumi.output(args.rule.listenerArn);
      this.ruleArn = rule.arn;
      this.url = pulumi.output(args.rule.url);
      this.trafficRoute = {
        kind: "alb",
        listenerArn: this.listenerArn,
        ruleArn: rule.arn,
        targetGroupArns: args.targetGroupArns,
      };
      this.registerOutputs({ listenerArn: this.listenerArn, ruleArn: this.ruleArn, url: this.url });
      return;
    }
    const https = args.certificateArn !== undefined;
    const port = args.port ?? (https ? 443 : 80);
    const listener = new aws.lb.Listener(
      childName(name, "listener"),
      {
        loadBalancerArn: args.loadBalancerArn,
        port,
        protocol: https ? "HTTPS" : "HTTP",
        ...(https ? { certificateArn: args.certificateArn, sslPolicy: args.sslPolicy } : {}),
        defaultActions: [forwardAction(args)],
        tags: { [AWS_TAGS.app]: args.app, [AWS_TAGS.route]: ROUTE_KINDS.weighted, ...testPortsTag(args) },
      },
      childOptions(this, opts.dependsOn),
    );
    if (args.maintenance) {
      new aws.lb.ListenerRule(
        childName(name, "maintenance"),
        {
          listenerArn: listener.arn,
          priority: MAINTENANCE_RULE_PRIORITY,
          conditions: [{ pathPattern: { values: ["/*"] } }],
          actions: [maintenanceAction(args.maintenance)],
          tags: { [AWS_TAGS.app]: args.app, [AWS_TAGS.route]: ROUTE_KINDS.maintenance },
        },
        childOptions(this, opts.dependsOn),
      );
    }
    this.listenerArn = listener.arn;
    this.trafficRoute = { kind: "alb", listenerArn: listener.arn, targetGroupArns: args.targetGroupArns };
    const portSuffix = port === (https ? 443 : 80) ? "" : `:${port}`;
    this.url = pulumi.interpolate`${https ? "https" : "http"}://${args.loadBalancerDnsName}${portSuffix}`;
    this.registerOutputs({ listenerArn: this.listenerArn, url: this.url });
  }
}

function testPortsTag(args: WeightedListenerArgs): Record<string, string> {
  return args.declaredTestPorts ? { [AWS_TAGS.testPorts]: args.declaredTestPorts.join(",") } : {};
}

/** One forward over both target groups with the configured weights and stickiness. */
function forwardAction(args: WeightedListenerArgs): aws.types.input.lb.ListenerDefaultAction {
  return { type: "forward", forward: weightedForward(args.targetGroupArns, args.weights, args.stickinessSeconds) };
}

/** The maintenance page as a fixed response. A fixed response cannot set headers: no Retry-After on AWS (docs/maintenance.md). */
function maintenanceAction(maintenance: MaintenanceResponse): aws.types.input.lb.ListenerRuleAction {
  return {
    type: "fixed-response",
    fixedResponse: {
      // The ALB takes the media type without parameters; the page declares its charset.
      contentType: "text/html",
      statusCode: String(maintenance.status),
      messageBody: maintenance.body,
    },
  };
}
