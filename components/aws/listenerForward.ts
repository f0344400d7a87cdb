/**
 * A rollback's direct move on AWS: the weighted forward set on the app's own
 * listener (ModifyListener) or on its rule on a shared listener (ModifyRule),
 * as the WeightedListener's next update sets it (weightedForward.ts), then
 * checked in the ALB's answer. The SDK is required inside the function, so
 * nothing loads it until a rollback on AWS runs; credentials come from its
 * default chain, the region from the ARN, and
 * AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 points it elsewhere (tests).
 */
import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { WeightedForward } from "./weightedForward";

/** The app's own listener, or its rule on a user's listener (which is then the one modified). */
export interface ForwardTarget {
  readonly listenerArn: string;
  readonly ruleArn?: string;
}

/** Per call; the ALB answers a modify in well under a second. */
const REQUEST_TIMEOUT_MS = 5_000;

/** "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/…" → "eu-west-1". */
export function regionOfArn(arn: string): string {
  const region = arn.split(":")[3];
  if (!region) throw new Error(`${arn} is not an ELB ARN with a region (arn:aws:elasticloadbalancing:<region>:…)`);
  return region;
}

/** The forward as the ELB API takes it. */
export function forwardAction(forward: WeightedForward<string>): Action {
  return {
    Type: "forward",
    ForwardConfig: {
      TargetGroups: forward.targetGroups.map((group) => ({ TargetGroupArn: group.arn, Weight: group.weight })),
      TargetGroupStickinessConfig: {
        Enabled: forward.stickiness.enabled,
        DurationSeconds: forward.stickiness.duration,
      },
    },
  };
}

/** Sets the forward; throws naming the ARN when the call fails or the answer shows other weights. */
export async function setWeightedForward(target: ForwardTarget, forward: WeightedForward<string>): Promise<void> {
  const elb: typeof import("@aws-sdk/client-elastic-load-balancing-v2") = require("@aws-sdk/client-elastic-load-balancing-v2");
  const arn = target.ruleArn ?? target.listenerArn;
  // One attempt per call: the rollback retries, and says so each time.
  const client = new elb.ElasticLoadBalancingV2Client({
    region: regionOfArn(arn),
    maxAttempts: 1,
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: REQUEST_TIMEOUT_MS },
  });
  const action = forwardAction(forward);
  let answered: Action[] | undefined;
  try {
    answered =
      target.ruleArn === undefined
        ? (
            await client.send(
              new elb.ModifyListenerCommand({ ListenerArn: target.listenerArn, DefaultActions: [action] }),
            )
          ).Listeners?.[0]?.DefaultActions
        : (await client.send(new elb.ModifyRuleCommand({ RuleArn: target.ruleArn, Actions: [action] }))).Rules?.[0]
            ?.Actions;
  } catch (e) {
    const what = target.ruleArn === undefined ? "ModifyListener" : "ModifyRule";
    throw new Error(`${what} of ${arn} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  } finally {
    client.destroy();
  }
  const weights = (actions: readonly Action[] | undefined) =>
    JSON.stringify(
      (actions ?? [])
        .flatMap((a) => a.ForwardConfig?.TargetGroups ?? [])
        .map((group) => [group.TargetGroupArn, group.Weight ?? 1]),
    );
  if (weights(answered) !== weights([action])) {
    throw new Error(
      `${arn} answered with the forward ${weights(answered)} after setting ${weights([action])}. ` +
        "Fix: check for another process changing this route's weights.",
    );
  }
}
