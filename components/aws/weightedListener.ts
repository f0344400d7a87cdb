/**
 * The production listener: one `forward` action over both target groups with
 * the configured weights. It depends on the promotion gates, so a weight moves
 * only after the color gaining traffic has been proven healthy. While
 * maintenance is on, a listener rule above the forward action answers every
 * request with the maintenance page; the forward action and its weights stay
 * as configured, so removing the rule returns users to them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { AWS_TAGS, ROUTE_KINDS } from "../contracts/markers";
import { childName } from "../naming";
import { Color, COLORS } from "../contracts/colors";
import type { MaintenanceResponse } from "../maintenance";
import { childOptions } from "../options";
import type { TrafficWeights } from "../traffic";

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
}

/** Rules take precedence over the listener's default action; 1 is the first rule evaluated. */
const MAINTENANCE_RULE_PRIORITY = 1;

export class WeightedListener extends pulumi.ComponentResource {
  readonly listenerArn: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: WeightedListenerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsWeightedListener, name, {}, opts);
    const https = args.certificateArn !== undefined;
    const listener = new aws.lb.Listener(
      childName(name, "listener"),
      {
        loadBalancerArn: args.loadBalancerArn,
        port: https ? 443 : 80,
        protocol: https ? "HTTPS" : "HTTP",
        ...(https ? { certificateArn: args.certificateArn, sslPolicy: args.sslPolicy } : {}),
        defaultActions: [
          {
            type: "forward",
            forward: {
              targetGroups: COLORS.map((color) => ({ arn: args.targetGroupArns[color], weight: args.weights[color] })),
              stickiness: { enabled: args.stickinessSeconds > 0, duration: Math.max(args.stickinessSeconds, 1) },
            },
          },
        ],
        tags: { [AWS_TAGS.app]: args.app, [AWS_TAGS.route]: ROUTE_KINDS.weighted },
      },
      childOptions(this, opts.dependsOn),
    );
    if (args.maintenance) {
      // A fixed response cannot set headers: no Retry-After on AWS (docs/maintenance.md).
      new aws.lb.ListenerRule(
        childName(name, "maintenance"),
        {
          listenerArn: listener.arn,
          priority: MAINTENANCE_RULE_PRIORITY,
          conditions: [{ pathPattern: { values: ["/*"] } }],
          actions: [
            {
              type: "fixed-response",
              fixedResponse: {
                // The ALB takes the media type without parameters; the page declares its charset.
                contentType: "text/html",
                statusCode: String(args.maintenance.status),
                messageBody: args.maintenance.body,
              },
            },
          ],
          tags: { [AWS_TAGS.app]: args.app, [AWS_TAGS.route]: ROUTE_KINDS.maintenance },
        },
        childOptions(this, opts.dependsOn),
      );
    }
    this.listenerArn = listener.arn;
    this.url = pulumi.interpolate`${https ? "https" : "http"}://${args.loadBalancerDnsName}`;
    this.registerOutputs({ listenerArn: this.listenerArn, url: this.url });
  }
}
