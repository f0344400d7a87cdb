/**
 * HealthGate: the per-color promotion gate as a component. Routing resources
 * `dependsOn` it, so a weight only moves after this color's gate passed (or
 * was skipped because its traffic does not grow).
 */
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../options";
import { childName } from "../naming";
import { PromotionGateInputs, promotionGateProvider } from "./provider";

/** The gate's inputs as the program has them: targets and headers may still be outputs of other resources. */
export interface HealthGateArgs extends Omit<PromotionGateInputs, "targets" | "headers"> {
  readonly targets: pulumi.Input<pulumi.Input<string>[]>;
  readonly headers?: pulumi.Input<Record<string, string>>;
}

type PromotionGateProps = { [K in keyof HealthGateArgs]: pulumi.Input<HealthGateArgs[K]> };

/** The dynamic resource; its type is `pulumi-nodejs:dynamic/bluegreen:PromotionGate`. */
class PromotionGate extends pulumi.dynamic.Resource {
  // `declare`: class fields would otherwise overwrite the outputs Pulumi sets in super().
  declare readonly verdict: pulumi.Output<"passed" | "skipped">;
  declare readonly verifiedAt: pulumi.Output<string>;
  declare readonly p95LatencyMs: pulumi.Output<number>;

  constructor(name: string, props: PromotionGateProps, opts: pulumi.CustomResourceOptions) {
    super(
      promotionGateProvider,
      name,
      { ...props, verdict: undefined, verifiedAt: undefined, p95LatencyMs: undefined },
      opts,
      "bluegreen",
      "PromotionGate",
    );
  }
}

export class HealthGate extends pulumi.ComponentResource {
  /** "passed" when this update probed the color healthy, "skipped" when no probe was needed. */
  readonly verdict: pulumi.Output<"passed" | "skipped">;
  /** When the gate decided (ISO 8601). */
  readonly verifiedAt: pulumi.Output<string>;
  /** p95 latency of the passing window in ms (0 when skipped). */
  readonly p95LatencyMs: pulumi.Output<number>;

  constructor(name: string, args: HealthGateArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("bluegreen:gate:HealthGate", name, {}, opts);
    const { headers, ...rest } = args;
    const check = new PromotionGate(
      childName(name, "check"),
      { ...rest, headers: headers === undefined ? undefined : pulumi.secret(headers) },
      // The provider never returns headers; this covers any future echo of them.
      childOptions(this, opts, { additionalSecretOutputs: ["headers"] }),
    );
    this.verdict = check.verdict;
    this.verifiedAt = check.verifiedAt;
    this.p95LatencyMs = check.p95LatencyMs;
    this.registerOutputs({ verdict: this.verdict, verifiedAt: this.verifiedAt, p95LatencyMs: this.p95LatencyMs });
  }
}
