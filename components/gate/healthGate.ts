/**
 * HealthGate: the per-color promotion gate as a component. Routing resources
 * `dependsOn` it, so a weight only moves after this color's gate passed (or
 * was skipped because its traffic does not grow).
 */
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../options";
import { childName, Color } from "../naming";
import { promotionGateProvider } from "./provider";
import type { GateSettings } from "./settings";

export interface HealthGateArgs {
  /** App name, used in the gate's id and failure messages. */
  readonly app: string;
  readonly color: Color;
  /** Version this color runs (semver). */
  readonly version: string;
  /** Version the other color runs (semver), or "" when it runs nothing. */
  readonly otherVersion: string;
  /** This color's traffic weight after the update. */
  readonly weight: number;
  /** Sum of both colors' weights after the update. */
  readonly totalWeight: number;
  /** `bluegreen:traffic.rollback`: moving traffic to an older version is intended. @default false in config */
  readonly rollback: boolean;
  /** URLs that reach this color alone: the platform's, plus `gate.targets.<color>`. */
  readonly targets: pulumi.Input<pulumi.Input<string>[]>;
  /** Parsed `bluegreen:gate` settings (see gateSettingsSchema). */
  readonly settings: GateSettings;
  /** Request headers for the probes (e.g. auth); stored as a secret. @default {} */
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
