/**
 * The CloudWatch alarms of `bluegreen:watch.alarms` (AWS) as rollback
 * triggers: one DescribeAlarms a round for all of them (at most 100, the
 * config's bound and one page), metric and composite
 * alarms alike (without `AlarmTypes` CloudWatch answers metric alarms only),
 * followed through its pages, bounded by `gate.requestTimeoutMs`. In a round
 * an alarm in ALARM is a breach and one in INSUFFICIENT_DATA, or gone, is
 * inconclusive (judge.ts); at the start of `shift` or `watch` a name
 * CloudWatch does not have is a config error, and `shift` does not start
 * while one is in ALARM (alarmsAtStart).
 */
import { boundedSignal, cloudWatchClient } from "./cloudwatch";
import { ALARMS_KEY, AlarmSource } from "./cloudwatchTarget";
import type { AlarmReading, NoData } from "./samples";

/** DescribeAlarms' largest page. */
const MAX_RECORDS = 100;

/** The state CloudWatch gives a name it has no alarm of. */
export const MISSING = "MISSING";

/** Every named alarm's state, in the config's order, or why they could not be read; never throws. */
export async function readAlarms(
  source: AlarmSource,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<readonly AlarmReading[] | NoData> {
  const sdk: typeof import("@aws-sdk/client-cloudwatch") = require("@aws-sdk/client-cloudwatch");
  const client = cloudWatchClient(source);
  const bounded = boundedSignal(signal, timeoutMs);
  const found = new Map<string, AlarmReading>();
  try {
    let nextToken: string | undefined;
    do {
      const answer = await client.send(
        new sdk.DescribeAlarmsCommand({
          AlarmNames: [...source.names],
          AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
          MaxRecords: MAX_RECORDS,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
        { abortSignal: bounded.signal },
      );
      for (const alarm of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])]) {
        if (alarm.AlarmName === undefined) continue;
        found.set(alarm.AlarmName, {
          name: alarm.AlarmName,
          state: alarm.StateValue ?? "INSUFFICIENT_DATA",
          reason: alarm.StateReason ?? "no state reason given",
        });
      }
      nextToken = answer.NextToken;
    } while (nextToken !== undefined);
  } catch (error) {
    return { noData: `DescribeAlarms in ${source.region}: ${bounded.why(error)}` };
  } finally {
    client.destroy();
  }
  return source.names.map(
    (name) =>
      found.get(name) ?? {
        name,
        state: MISSING,
        reason: `CloudWatch has no metric or composite alarm of this name in ${source.region}`,
      },
  );
}

/**
 * Why a release must not start, or undefined: the alarms cannot be read, a
 * name is not an alarm (a config error, naming the key), or, for a shift
 * (`refuseInAlarm`), an alarm is in ALARM.
 */
export async function alarmsAtStart(
  source: AlarmSource,
  timeoutMs: number,
  refuseInAlarm: boolean,
): Promise<string | undefined> {
  const alarms = await readAlarms(source, timeoutMs, new AbortController().signal);
  if ("noData" in alarms) {
    return `the alarms of ${ALARMS_KEY} cannot be read (${alarms.noData}): a release whose rollback triggers nobody reads does not start`;
  }
  const missing = alarms.filter((alarm) => alarm.state === MISSING).map((alarm) => JSON.stringify(alarm.name));
  if (missing.length > 0) {
    return (
      `${ALARMS_KEY} names ${missing.join(", ")}, which CloudWatch does not have in ${source.region} ` +
      "(no metric or composite alarm of that name): correct the name in the stack file, or remove it"
    );
  }
  const firing = alarms.filter((alarm) => alarm.state === "ALARM");
  if (!refuseInAlarm || firing.length === 0) return undefined;
  return (
    `${firing.map((alarm) => `CloudWatch alarm ${JSON.stringify(alarm.name)} is in ALARM (${alarm.reason})`).join("; ")}: ` +
    `a shift does not start while an alarm of ${ALARMS_KEY} fires, since it would roll the release back at once. ` +
    "Run it again once the alarm is OK"
  );
}
