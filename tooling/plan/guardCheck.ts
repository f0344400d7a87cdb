/**
 * What the release guard would say about a change, judged offline from a
 * base plan (e.g. the main branch's) taken as deployed: the guard's own Check
 * (components/guard/rules.ts, `checkGuard`) over the state the guard would
 * have once the base's update completed (`deployedGuard`), so every rule the
 * guard enforces applies here too, with its message. A pull request that
 * carries a new migration version as a hotfix, or runs a breaking migration
 * in production without a window already open in the base, fails its plan.
 *
 * `pulumi preview` judges against the deployed state instead: the migration
 * that last completed and the window as the last update left it, which differ
 * from the base plan when main was not deployed as planned. Pure.
 */
import type { CheckFailure } from "../../components/contracts/providerKit";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { checkGuard, deployedGuard, ReleaseGuardInputs } from "../../components/guard/rules";
import type { Plan, PlanResource } from "./buildPlan";

export interface GuardJudgement {
  /** The guard resource, e.g. `api-release-guard`. */
  readonly guard: string;
  /** What the guard judged in the base; undefined when the base has no such guard (judged as its first update). */
  readonly base?: ReleaseGuardInputs;
  readonly head: ReleaseGuardInputs;
  /** What the guard's Check would fail `pulumi preview` with. */
  readonly refusals: readonly CheckFailure[];
}

/** What the guard judges: its inputs from the config, without the record and the provider's code. */
function judged(resource: PlanResource): ReleaseGuardInputs {
  const { __provider: _code, completedMigration: _record, ...inputs } = resource.inputs;
  return inputs as unknown as ReleaseGuardInputs;
}

const guards = (plan: Plan) => plan.resources.filter((r) => r.type === DYNAMIC_TYPES.releaseGuard.token);

/** One judgement per release guard of `plan` (one per app), each against the same guard in `base`. */
export function judgeGuardAgainstBase(base: Plan, plan: Plan): GuardJudgement[] {
  const before = new Map(guards(base).map((r) => [r.key, judged(r)]));
  return guards(plan).map((resource) => {
    const head = judged(resource);
    const deployed = before.has(resource.key) ? deployedGuard(before.get(resource.key)!) : undefined;
    const { failures } = checkGuard(deployed?.olds ?? {}, {
      ...head,
      ...(deployed ? { completedMigration: deployed.completedMigration } : {}),
    });
    return { guard: resource.name, ...(deployed ? { base: before.get(resource.key)! } : {}), head, refusals: failures };
  });
}

function migrationText(inputs: ReleaseGuardInputs | undefined): string {
  const migration = inputs?.migration;
  return migration === undefined ? "none" : `${migration.version}${migration.breaking ? " (breaking)" : ""}`;
}

const window = (inputs: ReleaseGuardInputs | undefined) => (inputs?.maintenance ? "on" : "off");

/** `what A -> B`, or `what A` when it does not change. */
function change(what: string, from: string, to: string): string {
  return from === to ? `${what} ${to}` : `${what} ${from} -> ${to}`;
}

export function renderGuardJudgement(judgements: readonly GuardJudgement[], base: string): string {
  const lines = judgements.map((j) => {
    const from = j.base === undefined ? ` (not in ${base}: judged as its first update)` : "";
    const hotfix = j.head.hotfix === undefined ? "" : `; hotfix "${j.head.hotfix.reason}"`;
    return (
      `  ${j.guard}${from}: ${j.head.environment}; ${change("migration", migrationText(j.base), migrationText(j.head))}; ` +
      `${change("maintenance window", window(j.base), window(j.head))}${hotfix}: ${j.refusals.length === 0 ? "passes" : "refused"}`
    );
  });
  return [
    `Release guard, judged from ${base} as if it were deployed:`,
    ...lines,
    ...judgements.flatMap((j) => j.refusals.map((f) => `  REFUSED (${j.guard}): ${f.reason}`)),
    "  `pulumi preview` judges against the deployed state instead (the migration that last completed, the window as " +
      "the last update left it), which differs from this base when it was not deployed as planned.",
  ].join("\n");
}

/** The line the plan ends with when the guard would refuse the change; undefined when it would not. */
export function guardBlockingLine(judgements: readonly GuardJudgement[]): string | undefined {
  const refused = judgements.filter((j) => j.refusals.length > 0).map((j) => j.guard);
  if (refused.length === 0) return undefined;
  return `PLAN BLOCKED: the release guard ${refused.join(" and ")} would refuse this change at \`pulumi preview\` (see REFUSED above). Change it as the message says.`;
}
