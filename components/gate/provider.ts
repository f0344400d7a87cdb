/**
 * The promotion gate's dynamic provider (PromotionGateCheck). It owns
 * nothing in the cloud: its create/update IS the health check, and because
 * the weighted routing depends on it, a thrown error stops the update before
 * any weight moves.
 *
 * `check` runs the promotion rule (contracts/promotionRule.ts) at preview
 * and refuses what it refuses; `create`/`update` probe exactly when the rule
 * says so, so a rollback never waits on the network. During a maintenance
 * window the state records a color passed on probes alone (userTraffic.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { decidePromotion, verifiedAfter } from "../contracts/promotionRule";
import { inputFailures, previousGate, PromotionGateInputs, promotionInput } from "./inputs";
import { runGate } from "./probe";
import { buildGateSettingsSchema } from "./schema";
import { userTrafficAfter, UserTrafficRecord } from "./userTraffic";

/** What was verified; the inputs less the secret headers. */
export interface PromotionGateOutputs extends Omit<PromotionGateInputs, "headers"> {
  readonly verdict: "passed" | "skipped";
  /** Why the gate probed or skipped (e.g. "rollback to 1.4.2, unchanged since it last passed its gate"). */
  readonly reason: string;
  readonly verifiedAt: string;
  readonly samples: number;
  readonly p95LatencyMs: number;
  readonly errorRate?: number;
  /** Why the configured Prometheus check did not run ("skipped: maintenance"). */
  readonly prometheus?: string;
  /** USER_TRAFFIC_PENDING while the color's last pass was during a maintenance window, on probes alone. */
  readonly userTraffic?: UserTrafficRecord;
}

/** Fields whose change is an update; totalWeight too, so the recorded share stays true. Headers are not: rotating a token must not re-probe. */
const DIFFED_FIELDS = [
  "weight",
  "totalWeight",
  "version",
  "image",
  "otherVersion",
  "otherImage",
  "targets",
  "settings",
  "irreversibleMigration",
  "hotfix",
  "verified",
] as const;

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

/** `olds`: the gate's previous outputs ({} on create). */
async function verify(olds: Record<string, unknown>, inputs: PromotionGateInputs): Promise<PromotionGateOutputs> {
  const previous = previousGate(olds);
  const decision = decidePromotion(promotionInput(inputs, previous));
  const { headers: _secret, ...recorded } = inputs;
  const userTraffic = userTrafficAfter({
    maintenance: inputs.maintenance === true,
    weight: inputs.weight,
    probed: decision.probe,
    previous: olds.userTraffic,
  });
  const base = {
    ...recorded,
    reason: decision.reason,
    verifiedAt: new Date().toISOString(),
    ...(userTraffic === undefined ? {} : { userTraffic }),
  };
  if (!decision.probe) return { ...base, verdict: "skipped", samples: 0, p95LatencyMs: 0 };
  if (inputs.targets.length === 0) {
    // Check refuses this too; a probe with nothing to probe must never count as healthy.
    throw new Error(
      `Promotion gate blocked traffic to ${inputs.color} of app "${inputs.app}": no URL to probe, so it cannot be proven healthy. Set bluegreen:gate.targets.${inputs.color}.`,
    );
  }
  const passed = await runGate({
    targets: inputs.targets,
    // A hotfix outside a maintenance window passes on one healthy round; the Prometheus check still runs.
    settings: decision.oneHealthyRound ? { ...inputs.settings, consecutiveSuccesses: 1 } : inputs.settings,
    headers: inputs.headers ?? {},
    maintenance: inputs.maintenance === true,
    context: {
      app: inputs.app,
      color: inputs.color,
      version: inputs.version,
      fromWeight: previous?.share.weight,
      toWeight: inputs.weight,
      totalWeight: inputs.totalWeight,
    },
  });
  const outs = { ...base, verdict: "passed" as const, samples: passed.samples, p95LatencyMs: passed.p95LatencyMs };
  return {
    ...outs,
    ...(passed.errorRate === undefined ? {} : { errorRate: passed.errorRate }),
    ...(passed.prometheus === undefined ? {} : { prometheus: passed.prometheus }),
  };
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
    const { verified: _set, ...given } = news;
    const checked = { ...given, settings: parsedSettings.data } as PromotionGateInputs;
    const previous = previousGate(olds);
    const decision = decidePromotion(promotionInput(checked, previous));
    const verified = verifiedAfter({ version: checked.version, image: checked.image ?? "" }, previous, decision.probe);
    return {
      inputs: verified === undefined ? checked : { ...checked, verified },
      failures: decision.violations.map((v) => ({ property: v.property, reason: v.message })),
    };
  },

  async diff(_id, olds, news) {
    const changes = DIFFED_FIELDS.some((field) => !sameJson(olds[field], news[field]));
    return { changes, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs) {
    const outs = await verify({}, inputs as PromotionGateInputs);
    return { id: `${outs.app}-${outs.color}-gate`, outs };
  },

  async update(_id, olds, news) {
    return { outs: await verify(olds, news as PromotionGateInputs) };
  },
};
