/**
 * PromotionGate: a color's promotion gate as a component. Routing
 * `dependsOn` it, so a weight only moves after this color's gate passed (or
 * was skipped because its traffic does not grow). Its one child, the
 * PromotionGateCheck dynamic resource, is the check itself (provider.ts).
 * A color it passed during a maintenance window on probes alone is named in
 * a warning while the window is off (userTraffic.ts): at `pulumi preview`
 * and `pulumi up` of the update that closes it, until the gate runs again.
 */
import * as pulumi from "@pulumi/pulumi";
import { otherColor } from "../contracts/colors";
import { migrationRefusesRollback } from "../contracts/promotionRule";
import { COMPONENT_TYPES, DYNAMIC_TYPES, FORMER_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";
import type { PromotionGateInputs } from "./inputs";
import { promotionGateProvider } from "./provider";
import { afterWindowNotice, UserTrafficRecord, USER_TRAFFIC_PENDING } from "./userTraffic";

/** The gate's inputs as the program has them: targets and headers may still be outputs of other resources. */
export interface PromotionGateArgs extends Omit<PromotionGateInputs, "targets" | "headers" | "verified"> {
  readonly targets: pulumi.Input<pulumi.Input<string>[]>;
  readonly headers?: pulumi.Input<Record<string, string>>;
}

type PromotionGateCheckProps = { [K in keyof PromotionGateArgs]: pulumi.Input<PromotionGateArgs[K]> };

export type GateVerdict = "passed" | "skipped";

/** The dynamic resource that probes; see provider.ts. */
class PromotionGateCheck extends pulumi.dynamic.Resource {
  // `declare`: class fields would otherwise overwrite the outputs Pulumi sets in super().
  declare readonly verdict: pulumi.Output<GateVerdict>;
  declare readonly verifiedAt: pulumi.Output<string>;
  declare readonly p95LatencyMs: pulumi.Output<number>;
  declare readonly userTraffic: pulumi.Output<UserTrafficRecord>;

  constructor(name: string, props: PromotionGateCheckProps, opts: pulumi.CustomResourceOptions) {
    const { module, name: type } = DYNAMIC_TYPES.promotionGateCheck;
    super(
      promotionGateProvider,
      name,
      { ...props, verdict: undefined, verifiedAt: undefined, p95LatencyMs: undefined, userTraffic: undefined },
      { ...opts, aliases: [{ type: FORMER_TYPES.promotionGateCheck }] },
      module,
      type,
    );
  }
}

export class PromotionGate extends pulumi.ComponentResource {
  /** "passed" when this update probed the color healthy, "skipped" when no probe was needed. */
  readonly verdict: pulumi.Output<GateVerdict>;
  /** When the gate decided (ISO 8601). */
  readonly verifiedAt: pulumi.Output<string>;
  /** p95 latency of the passing window in ms (0 when skipped). */
  readonly p95LatencyMs: pulumi.Output<number>;

  constructor(name: string, args: PromotionGateArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(
      COMPONENT_TYPES.promotionGate,
      name,
      {},
      { ...opts, aliases: [{ type: FORMER_TYPES.promotionGate }, ...(opts.aliases ?? [])] },
    );
    const { headers, ...rest } = args;
    const check = new PromotionGateCheck(
      childName(name, "check"),
      { ...rest, headers: headers === undefined ? undefined : pulumi.secret(headers) },
      // The provider never returns headers; this covers any future echo of them.
      childOptions(this, opts.dependsOn, { additionalSecretOutputs: ["headers"] }),
    );
    this.verdict = check.verdict;
    this.verifiedAt = check.verifiedAt;
    this.p95LatencyMs = check.p95LatencyMs;
    if (args.maintenance !== true) {
      check.userTraffic.apply((mark) => {
        if (mark === USER_TRAFFIC_PENDING) void pulumi.log.warn(afterWindowNotice(afterWindow(args)), this);
      });
    }
    this.registerOutputs({ verdict: this.verdict, verifiedAt: this.verifiedAt, p95LatencyMs: this.p95LatencyMs });
  }
}

/** What the notice about a color the window left unjudged says, from the gate's arguments. */
function afterWindow(args: PromotionGateArgs) {
  const other = { color: otherColor(args.color), version: args.otherVersion };
  const rollbackRefused = migrationRefusesRollback(
    other.color,
    { version: args.otherVersion, image: args.otherImage },
    { version: args.version, image: args.image },
    args.irreversibleMigration,
  );
  return {
    stack: pulumi.getStack(),
    color: args.color,
    version: args.version,
    weight: args.weight,
    totalWeight: args.totalWeight,
    other,
    ...(rollbackRefused === undefined ? {} : { rollbackRefused }),
  };
}
