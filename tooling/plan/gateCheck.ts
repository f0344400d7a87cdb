/**
 * What the promotion gates would say about a change, judged offline from a
 * base plan (what is deployed, e.g. the main branch's plan) to this plan,
 * with the gates' own rule (contracts/promotionRule.ts). A pull request that
 * jumps production's weights past gate.maxStep, or gives share to a color
 * redeployed with an older version, fails its plan with the message
 * `pulumi up` would fail with; a hotfix's patch release may jump, as the gate
 * allows (rule g). The base is taken as having passed its gates (what runs
 * was verified when it was deployed). Pure.
 */
import { COLORS, Color, otherColor } from "../../components/contracts/colors";
import { decidePromotion } from "../../components/contracts/promotionRule";
import type { Plan } from "./buildPlan";

export interface GateJudgement {
  readonly color: Color;
  readonly probe: boolean;
  readonly reason: string;
  /** What the gate would refuse the update with, at preview. */
  readonly refusals: readonly string[];
}

export function judgeAgainstBase(base: Plan, plan: Plan): GateJudgement[] {
  const migration = plan.steps.find((step) => step.kind === "migration");
  const release = (p: Plan, color: Color) => ({
    version: p.traffic.colors[color].version,
    image: p.traffic.colors[color].image,
  });
  return COLORS.map((color) => {
    const before = release(base, color);
    const decision = decidePromotion({
      color,
      self: release(plan, color),
      other: release(plan, otherColor(color)),
      share: { weight: plan.traffic.colors[color].weight, total: plan.traffic.total },
      previous: {
        ...before,
        share: { weight: base.traffic.colors[color].weight, total: base.traffic.total },
        verified: before,
        // What served traffic in the base, which a hotfix must be a patch release of (rule g).
        otherVersion: release(base, otherColor(color)).version,
      },
      rollback: plan.traffic.rollback,
      maxStep: plan.gate.settings.maxStep,
      allowLargeStep: plan.gate.settings.allowLargeStep,
      hotfix: plan.hotfix !== undefined,
      ...(migration?.kind === "migration" && !migration.reversible
        ? {
            irreversibleMigration: {
              version: migration.version,
              restoreConfigured: plan.restoreSnapshot !== undefined,
            },
          }
        : {}),
    });
    return {
      color,
      probe: decision.probe,
      reason: decision.reason,
      refusals: decision.violations.map((v) => v.message),
    };
  });
}

export function renderJudgement(judgements: readonly GateJudgement[], base: string): string {
  return [
    `Promotion gates, judged from ${base} as \`pulumi up\` would judge this change:`,
    ...judgements.map((j) => `  ${j.color.padEnd(5)}  ${j.probe ? "probed" : "not probed"}: ${j.reason}`),
    ...judgements.flatMap((j) => j.refusals.map((message) => `  REFUSED (${j.color}): ${message}`)),
  ].join("\n");
}

/** The line the plan ends with when a gate would refuse the change; undefined when none would. */
export function gateBlockingLine(judgements: readonly GateJudgement[]): string | undefined {
  const refused = judgements.filter((j) => j.refusals.length > 0).map((j) => j.color);
  if (refused.length === 0) return undefined;
  return `PLAN BLOCKED: the promotion gate of ${refused.join(" and ")} would refuse this change at \`pulumi preview\` (see REFUSED above). Change it in steps, or as the message says.`;
}
