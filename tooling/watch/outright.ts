/**
 * The breaches that need no share of requests, pure: a candidate with no
 * healthy backend, and a CloudWatch alarm of `watch.alarms` in ALARM. Each
 * is a breach in the round it is seen, whatever else the round holds.
 */
import { HEALTH_CHECK_KEY, WATCH_KEYS } from "./evidence";
import type { Draft } from "./findings";
import { AlarmReading, hasNoData, RoundSamples } from "./samples";

/**
 * A candidate none of whose backends is healthy is dead: a breach that needs
 * no request. None at all (no task running, no endpoint) is dead too.
 */
export function judgeBackends(round: RoundSamples, out: Draft): void {
  const { color, backends } = round.candidate;
  if (backends === undefined || hasNoData(backends)) return;
  const { healthy, total, detail } = backends;
  if (healthy !== 0) return;
  out.breaches.push({
    color,
    measure: "no healthy backend",
    observed: total,
    limit: total,
    key: HEALTH_CHECK_KEY,
    atLimit: true,
    text: `${color} has no healthy backend: 0 of ${total} pass the health check of ${HEALTH_CHECK_KEY} (${detail}); its users' requests fail or go elsewhere, whatever its counts say`,
  });
}

/**
 * The alarms of `bluegreen:watch.alarms` judge the whole release, not a
 * color: one in ALARM is a breach; one whose state is unknown (unreadable,
 * INSUFFICIENT_DATA, deleted since the start) proves nothing either way.
 */
export function judgeAlarms(round: RoundSamples, out: Draft): void {
  const { alarms } = round;
  if (alarms === undefined) return;
  if (hasNoData(alarms)) {
    out.inconclusive.push(`CloudWatch alarms of ${WATCH_KEYS.alarms}: ${alarms.noData}`);
    return;
  }
  const quoted = (alarm: AlarmReading) =>
    `CloudWatch alarm ${JSON.stringify(alarm.name)} is ${alarm.state} (${alarm.reason})`;
  const firing = alarms.filter((alarm) => alarm.state === "ALARM");
  for (const alarm of alarms) {
    if (alarm.state !== "ALARM" && alarm.state !== "OK") out.inconclusive.push(quoted(alarm));
  }
  if (firing.length === 0) {
    if (alarms.length > 0)
      out.observations.push(`CloudWatch alarms of ${WATCH_KEYS.alarms}: none of ${alarms.length} in ALARM`);
    return;
  }
  out.breaches.push({
    color: round.candidate.color,
    measure: "alarm",
    observed: firing.length,
    limit: 0,
    key: WATCH_KEYS.alarms,
    atLimit: false,
    text: `${firing.map(quoted).join("; ")}: an alarm of ${WATCH_KEYS.alarms} in ALARM rolls the release back`,
  });
}
