/**
 * What a breach does when traffic may not go back. After an irreversible
 * migration to a new major version (the breaking-migration runbook moves 0 →
 * 100 % inside a maintenance window), the older color cannot run on the
 * migrated schema, and the promotion rule refuses moving traffic to it
 * without a restore snapshot (rule f). When the window closes the new color
 * meets its first users, and the watch judges them; a breach there cannot
 * roll back. Decision: the maintenance page goes back up (users get the 503
 * page instead of a failing app, and stop writing to the migrated database),
 * traffic stays where it is behind it, and the release stops, saying why and
 * that the way back is a restore (docs/runbook-breaking-migration.md, step 7).
 * A rollback refused for any other reason, or with the page already up, stops
 * the watch before it starts, as before. The decision is pure
 * (`breachResponse`); `putUpPage` carries it out.
 */
import { CONFIG_NAMESPACE } from "../../components/config/issues";
import type { Color } from "../../components/contracts/colors";
import { migrationRefusesRollback } from "../../components/contracts/promotionRule";
import type { BlueGreenConfig } from "../../components/platforms";
import { formatSplit, TrafficWeights } from "../../components/traffic";
import type { ReleaseOutcome } from "./outcome";
import { rollbackRefusal } from "./preflight";
import { QUICK_RETRY_MS, tried, UP_RETRY_MS } from "./rollback";
import type { ReleaseRoles } from "./roles";
import { eventBase, recordedUp, ReleaseSession, StackState } from "./session";
import { weightsFor } from "./steps";

export const MAINTENANCE_ENABLED_KEY = `${CONFIG_NAMESPACE}:maintenance.enabled`;
export const RESTORE_RUNBOOK = "docs/runbook-breaking-migration.md, step 7";

export type BreachResponse =
  /** All traffic back to the stable color (rollback.ts). */
  | { readonly kind: "roll-back" }
  /** Rule (f) refuses the way back: the maintenance page goes back up and the release stops. */
  | { readonly kind: "maintenance-page"; readonly refusal: string }
  /** The rollback would be refused and nothing else helps users: the watch does not start. */
  | { readonly kind: "stop"; readonly refusal: string };

/** What the rules answer about sending all traffic back to the stable color. */
export interface RollbackAnswers {
  /** Rule (f)'s refusal (an irreversible migration, an older major, no restore snapshot); undefined when it allows it. */
  readonly migration: string | undefined;
  /** Any refusal, rule (f)'s or the config check's (the stable color has no tasks); undefined when none. */
  readonly any: string | undefined;
  /** `bluegreen:maintenance.enabled` is already true: the page is up. */
  readonly maintenanceOn: boolean;
}

export function breachResponse(answers: RollbackAnswers): BreachResponse {
  // The page is the only thing that still protects users once rule (f) closes the way back.
  if (answers.migration !== undefined && !answers.maintenanceOn) {
    return { kind: "maintenance-page", refusal: answers.migration };
  }
  return answers.any === undefined ? { kind: "roll-back" } : { kind: "stop", refusal: answers.any };
}

/** The rules' answers for this stack's rollback, from its config as the command read it. */
export function rollbackAnswers(
  stack: string,
  state: Pick<StackState, "raw" | "secretKeys" | "config">,
  roles: ReleaseRoles,
): RollbackAnswers {
  const { raw, secretKeys, config } = state;
  const release = (color: Color) => ({ version: config[color].version, image: config[color].image });
  return {
    migration: migrationRefusesRollback(
      roles.stable,
      release(roles.stable),
      release(roles.candidate),
      irreversibleMigration(config),
    ),
    any: rollbackRefusal(raw, stack, secretKeys, config, roles),
    maintenanceOn: config.maintenance.enabled,
  };
}

function irreversibleMigration(config: BlueGreenConfig) {
  const { migration } = config;
  if (migration === undefined || migration.reversible) return undefined;
  return { version: migration.version, restoreConfigured: config.database?.restoreFromSnapshot !== undefined };
}

/** The line a watch logs at its start about what a breach will do. */
export function breachPlan(response: BreachResponse, stable: Color): string {
  return response.kind === "maintenance-page"
    ? `a breach puts the maintenance page back up and stops: traffic cannot go back to ${stable} (${response.refusal})`
    : `a breach sends everything to ${stable}`;
}

export interface PageUp {
  readonly command: "shift" | "watch";
  readonly state: Pick<StackState, "config">;
  readonly roles: ReleaseRoles;
  /** Where traffic is, and stays behind the page. */
  readonly weights: TrafficWeights;
  /** The breach, one line. */
  readonly reason: string;
  /** Rule (f)'s refusal of the rollback. */
  readonly refusal: string;
}

/**
 * The maintenance page back up after a breach rule (f) will not roll back: written to the stack config first (so
 * the next `pulumi up` keeps it), then `pulumi up` (without the policy pack, deaf to Ctrl-C, like a rollback),
 * which switches the route to the page. Each tried again; every failure said.
 */
export async function putUpPage(
  session: ReleaseSession,
  log: (line: string) => void,
  request: PageUp,
): Promise<ReleaseOutcome> {
  const { roles, weights, reason, refusal } = request;
  const { candidate, stable } = roles;
  const stack = session.stack.name;
  const at = formatSplit(weights);
  session.interrupts.enter("restore");
  const base = eventBase(session, request.command, request.state.config, candidate, weights);
  const cannot = `traffic cannot go back to ${stable}: ${refusal}`;
  log(`${cannot} Putting the maintenance page back up instead: stack config, then pulumi up`);

  const written = await tried(session, "writing the stack config", log, QUICK_RETRY_MS, () =>
    session.stack.setConfig({ [MAINTENANCE_ENABLED_KEY]: "true" }),
  );
  if (!written.ok) {
    session.notify({ ...base, type: "rollback-failed", to: weightsFor(stable, 100), error: written.error });
    return {
      end: "rollbackFailed",
      summary:
        `${candidate} breached at ${at}: ${reason}. ${cannot} Putting the maintenance page back up FAILED: writing ${MAINTENANCE_ENABLED_KEY} ` +
        `to the stack config failed (${written.error}). Users still reach ${candidate}: set it to true and run \`pulumi up -s ${stack}\` now.`,
      weights,
    };
  }
  const up = await tried(session, "pulumi up", log, UP_RETRY_MS, async () => {
    const result = await recordedUp(
      session,
      {
        command: request.command,
        target: candidate,
        weights: { before: weights, after: weights },
        watch: { outcome: "breach", reason },
        result: "stopped",
      },
      { policies: false, cancellable: false },
    );
    if (!result.ok) throw new Error(result.reason);
  });
  const page = up.ok
    ? `The maintenance page is back up (${MAINTENANCE_ENABLED_KEY} true) and the release stopped, traffic at ${at} behind it.`
    : `Putting the maintenance page back up FAILED: the stack config says ${MAINTENANCE_ENABLED_KEY} true, but \`pulumi up\` failed (${up.error}). ` +
      `Users still reach ${candidate}: run \`pulumi up -s ${stack}\` now.`;
  session.notify({
    ...base,
    type: "rollback-failed",
    to: weightsFor(stable, 100),
    error: `refused by the promotion rule (f); ${up.ok ? "the maintenance page is back up instead" : `putting the maintenance page back up failed: ${up.error}`}`,
  });
  if (up.ok) log(`maintenance page up, traffic at ${at} behind it`);
  return {
    end: "rollbackFailed",
    summary: `${candidate} breached at ${at}: ${reason}. ${cannot} ${page} Restore from the pre-migration snapshot (${RESTORE_RUNBOOK}).`,
    weights,
  };
}
