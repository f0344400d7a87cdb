/**
 * A release refuses to start when its own rollback would be refused: a shift
 * or a watch that could not fall back is a one-way door. Two things refuse a
 * rollback: the config (the stable color has no tasks, so a weight for it is
 * invalid) and the promotion rule (an irreversible major migration without a
 * restore snapshot). The rollback itself judges the same first, before it
 * writes or moves anything (rollback.ts). Pure, but for one call: on AWS
 * the CloudWatch alarms of `bluegreen:watch.alarms` are read at the start
 * (alarmRefusal), since a name CloudWatch does not have would leave a
 * rollback trigger nobody reads, and a shift started while one is in ALARM
 * would be rolled back by it at once.
 */
import { ConfigError } from "../../components/config/issues";
import { Color, COLORS, otherColor } from "../../components/contracts/colors";
import { decidePromotion } from "../../components/contracts/promotionRule";
import type { StackOutputs } from "../../components/contracts/outputs";
import type { BlueGreenConfig } from "../../components/platforms";
import type { TrafficWeights } from "../../components/traffic";
import { alarmsAtStart } from "../watch/cloudwatchAlarms";
import { alarmSourceOf } from "../watch/cloudwatchTarget";
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
  return putBackRefusal(raw, stack, secretKeys, config, weightsFor(roles.stable, 100), `a rollback to ${roles.stable}`);
}

/**
 * Why putting `to` back (`what`, for the message) would be refused, or
 * undefined when it would go through. Every color with a share in `to` is
 * judged as if it had none before: the worst case, since traffic may have
 * reached the other color when the put-back is needed.
 */
export function putBackRefusal(
  raw: Record<string, string>,
  stack: string,
  secretKeys: readonly string[],
  config: BlueGreenConfig,
  to: TrafficWeights,
  what: string,
): string | undefined {
  try {
    checkStepConfig(raw, stack, trafficValues(to), secretKeys);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return `${what} would be refused by the config check: ${e.issues.map((i) => `${i.key} ${i.message}`).join("; ")}`;
  }
  const release = (color: Color) => ({ version: config[color].version, image: config[color].image });
  const migration = config.migration;
  const total = to.blue + to.green;
  for (const color of COLORS.filter((c) => to[c] > 0)) {
    const decision = decidePromotion({
      color,
      self: release(color),
      other: release(otherColor(color)),
      share: { weight: to[color], total },
      previous: { ...release(color), share: { weight: 0, total: 100 }, verified: release(color) },
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
    if (refused !== undefined) return `${what} would be refused by ${color}'s gate: ${refused.message}`;
  }
  return undefined;
}

/**
 * Why the alarms of `bluegreen:watch.alarms` keep a release from starting,
 * or undefined: they cannot be read (another platform, a stack without its
 * load balancer's ARN, CloudWatch not answering within
 * `gate.requestTimeoutMs`), a name is no alarm of the stack's region, or,
 * for a shift (`refuseInAlarm`), one is in ALARM.
 */
export async function alarmRefusal(
  config: BlueGreenConfig,
  outputs: StackOutputs,
  refuseInAlarm: boolean,
): Promise<string | undefined> {
  const source = alarmSourceOf(config.watch.alarms, outputs);
  if (source === undefined) return undefined;
  if ("problem" in source) return source.problem;
  return alarmsAtStart(source, config.gate.requestTimeoutMs, refuseInAlarm);
}
