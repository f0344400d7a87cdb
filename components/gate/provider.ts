/**
 * The promotion gate's dynamic provider (PromotionGateCheck). It owns nothing in the cloud: its
 * create/update IS the health check, and because the weighted routing depends
 * on it, a thrown error stops the update before any weight moves.
 *
 * `check` runs the promotion rules at preview (too-large step, unmarked
 * rollback, bad inputs); `update` probes only when traffic to the color grows
 * or its version changes, so lowering a weight never waits on the network.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Color } from "../contracts/colors";
import { CheckFailure, isUnknown } from "../contracts/providerKit";
import { runGate } from "./probe";
import { decidePromotion, PreviousPromotion } from "./promotion";
import { buildGateSettingsSchema, isHttpUrl } from "./schema";
import type { GateSettings } from "./settings";

export interface PromotionGateInputs {
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
  /** `bluegreen:traffic.rollback`: moving traffic to an older version is intended. The config's default: false. */
  readonly rollback: boolean;
  /** URLs that reach this color alone: the platform's, plus `gate.targets.<color>`. */
  readonly targets: string[];
  /** Parsed `bluegreen:gate` settings (see gateSettingsSchema). */
  readonly settings: GateSettings;
  /** Request headers for the probes (e.g. auth); secret, so never part of the outputs. @default {} */
  readonly headers?: Record<string, string>;
}

/** What was verified; the inputs less the secret headers. */
export interface PromotionGateOutputs extends Omit<PromotionGateInputs, "headers"> {
  readonly verdict: "passed" | "skipped";
  /** Why the gate probed or skipped (e.g. "weight decrease 50 -> 10: ..."). */
  readonly reason: string;
  readonly verifiedAt: string;
  readonly samples: number;
  readonly p95LatencyMs: number;
  readonly errorRate?: number;
}

/** Fields whose change is an update; totalWeight too, so the recorded share stays true. Headers are not: rotating a token must not re-probe. */
const DIFFED_FIELDS = ["weight", "totalWeight", "version", "otherVersion", "targets", "settings"] as const;

function previousOf(olds: Record<string, unknown>): PreviousPromotion | undefined {
  if (typeof olds.weight !== "number" || typeof olds.version !== "string") return undefined;
  return {
    weight: olds.weight,
    version: olds.version,
    totalWeight: typeof olds.totalWeight === "number" ? olds.totalWeight : undefined,
  };
}

function decisionFor(previous: PreviousPromotion | undefined, inputs: PromotionGateInputs) {
  return decidePromotion(previous, {
    color: inputs.color,
    weight: inputs.weight,
    totalWeight: inputs.totalWeight,
    version: inputs.version,
    otherVersion: inputs.otherVersion,
    rollback: inputs.rollback,
    maxStep: inputs.settings.maxStep,
    allowLargeStep: inputs.settings.allowLargeStep,
  });
}

function inputFailures(news: Record<string, unknown>): CheckFailure[] {
  const semver: typeof import("semver") = require("semver");
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  if (typeof news.app !== "string" || news.app === "") fail("app", "the app name must be a non-empty string");
  if (news.color !== "blue" && news.color !== "green")
    fail("color", `must be "blue" or "green", got ${JSON.stringify(news.color)}`);
  if (typeof news.version !== "string" || semver.valid(news.version) === null) {
    fail("version", `must be a semver version such as 1.4.2, got ${JSON.stringify(news.version)}`);
  }
  if (typeof news.otherVersion !== "string" || (news.otherVersion !== "" && semver.valid(news.otherVersion) === null)) {
    fail(
      "otherVersion",
      `must be a semver version, or "" when the other color runs nothing; got ${JSON.stringify(news.otherVersion)}`,
    );
  }
  const { weight, totalWeight } = news;
  if (!Number.isInteger(totalWeight) || (totalWeight as number) <= 0) {
    fail(
      "totalWeight",
      `must be a whole number above 0 (the sum of both colors' weights), got ${JSON.stringify(totalWeight)}`,
    );
  }
  if (!Number.isInteger(weight) || (weight as number) < 0 || (weight as number) > (totalWeight as number)) {
    fail(
      "weight",
      `must be a whole number from 0 to totalWeight (${JSON.stringify(totalWeight)}), got ${JSON.stringify(weight)}`,
    );
  }
  if (typeof news.rollback !== "boolean")
    fail("rollback", `must be true or false, got ${JSON.stringify(news.rollback)}`);
  const { targets } = news;
  // Unknown at preview (the platform's URL is computed): checked again at update.
  if (isUnknown(targets)) return failures;
  if (!Array.isArray(targets)) return [...failures, { property: "targets", reason: "must be a list of URLs" }];
  targets.forEach((url, i) => {
    if (!isUnknown(url) && (typeof url !== "string" || !isHttpUrl(url))) {
      fail(
        `targets[${i}]`,
        `must be an absolute http(s) URL such as "https://app.example.com/health", got ${JSON.stringify(url)}`,
      );
    }
  });
  if (targets.length === 0 && typeof weight === "number" && weight > 0) {
    fail(
      "targets",
      `no URL to probe while ${String(news.color)} would receive traffic (weight ${weight}): the gate cannot prove it healthy. ` +
        `Give the platform a per-color URL or set bluegreen:gate.targets.${String(news.color)}.`,
    );
  }
  return failures;
}

/** Order-insensitive deep equality for plain JSON values (state round-trips may reorder keys). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

async function verify(
  previous: PreviousPromotion | undefined,
  inputs: PromotionGateInputs,
): Promise<PromotionGateOutputs> {
  const decision = decisionFor(previous, inputs);
  const { headers: _secret, ...recorded } = inputs;
  const base = { ...recorded, reason: decision.reason, verifiedAt: new Date().toISOString() };
  if (!decision.probeRequired) return { ...base, verdict: "skipped", samples: 0, p95LatencyMs: 0 };
  const passed = await runGate({
    targets: inputs.targets,
    settings: inputs.settings,
    headers: inputs.headers ?? {},
    context: {
      app: inputs.app,
      color: inputs.color,
      version: inputs.version,
      fromWeight: previous?.weight,
      toWeight: inputs.weight,
      totalWeight: inputs.totalWeight,
    },
  });
  const outs = { ...base, verdict: "passed" as const, samples: passed.samples, p95LatencyMs: passed.p95LatencyMs };
  return passed.errorRate === undefined ? outs : { ...outs, errorRate: passed.errorRate };
}

export const promotionGateProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds, news) {
    const { z }: typeof import("zod") = require("zod");
    const parsedSettings = buildGateSettingsSchema(z).safeParse(news.settings);
    const failures = inputFailures(news);
    if (!parsedSettings.success) {
      for (const issue of parsedSettings.error.issues) {
        failures.push({ property: ["settings", ...issue.path].join("."), reason: issue.message });
      }
    }
    if (failures.length > 0) return { inputs: news, failures };
    const inputs = { ...news, settings: parsedSettings.data } as PromotionGateInputs;
    const violations = decisionFor(previousOf(olds), inputs).violations;
    return { inputs, failures: violations.map((v) => ({ property: v.property, reason: v.message })) };
  },

  async diff(_id, olds, news) {
    const changes = DIFFED_FIELDS.some((field) => !sameJson(olds[field], news[field]));
    return { changes, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs) {
    const outs = await verify(undefined, inputs as PromotionGateInputs);
    return { id: `${outs.app}-${outs.color}-gate`, outs };
  },

  async update(_id, olds, news) {
    return { outs: await verify(previousOf(olds), news as PromotionGateInputs) };
  },
};
