/**
 * A release refuses to start when its own rollback would be refused: a shift
 * or a watch that could not fall back is a one-way door. Two things refuse a
 * rollback: the config (the stable color has no tasks, so a weight for it is
 * invalid) and the promotion rule (an irreversible major migration without a
 * restore snapshot). Pure.
 */
import { ConfigError } from "../../components/config/issues";
import { decidePromotion } from "../../components/contracts/promotionRule";
import type { BlueGreenConfig } from "../../components/platforms";
import type { ReleaseRoles } from "./roles";
import { checkStepConfig, trafficValues, weightsFor } from "./steps";

/** Why a rollback to the stable color would be refused, or undefined when it would go through. */
export function rollbackRefusal(
  raw: Record<string, string>,
  stack: string,
  secretKeys: readonly string[],
  config: BlueGreenConfig,
  roles: ReleaseRoles,
): string | undefined {
  const { stable, candidate } = roles;
  try {
    checkStepConfig(raw, stack, trafficValues(weightsFor(stable, 100)), secretKeys);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return `a rollback to ${stable} would be refused by the config check: ${e.issues.map((i) => `${i.key} ${i.message}`).join("; ")}`;
  }
  const release = (color: typeof stable) => ({ version: config[color].version, image: config[color].image });
  const migration = config.migration;
  const decision = decidePromotion({
    color: stable,
    self: release(stable),
    other: release(candidate),
    share: { weight: 100, total: 100 },
    // The worst case: the candidate has everything when the rollback is needed.
    previous: { ...release(stable), share: { weight: 0, total: 100 }, verified: release(stable) },
    rollback: false,
    maxStep: config.gate.maxStep,
    allowLargeStep: config.gate.allowLargeStep,
    ...(migration !== undefined && !migration.reversible
      ? {
          irreversibleMigration: {
            version: migration.version,
            restoreConfigured: config.database?.restoreFromSnapshot !== undefined,
          },
        }
      : {}),
  });
  const refused = decision.violations.find((v) => v.kind === "irreversible-migration");
  return refused === undefined ? undefined : `a rollback to ${stable} would be refused by its gate: ${refused.message}`;
}
