/**
 * `npm run watch`: watches a deployed stack for a while without moving
 * traffic. The candidate is the color running the newer version (when both
 * run one version, the one with the smaller share: see roles.ts). A breach
 * rolls all traffic back to the stable color, as during a shift, unless
 * `--no-rollback` asks for a report only. The outcome is recorded in the
 * stack's history with a record-only update.
 */
import { formatSplit } from "../../components/traffic";
import { WatchPlanError } from "../watch";
import type { ReleaseOutcome } from "./outcome";
import { alarmRefusal } from "./preflight";
import { breachPlan, breachResponse, putUpPage, rollbackAnswers } from "./breachResponse";
import { watchRoles } from "./roles";
import { putBack } from "./rollback";
import { eventBase, progressLog, readState, recordOnly, ReleaseSession } from "./session";
import { formatDuration, weightsFor } from "./steps";
import type { WatchCommand } from "./watchArgs";
import { notifiedBreaches } from "./watcher";

export async function runWatchCommand(session: ReleaseSession, command: WatchCommand): Promise<ReleaseOutcome> {
  const log = progressLog(session);
  const state = await readState(session.stack);
  if ("reason" in state) return { end: "failed", summary: state.reason };
  const { config, deployed, outputs } = state;
  const roles = watchRoles(config, deployed);
  const { candidate, stable } = roles;
  const onBreach = command.rollback ? breachResponse(rollbackAnswers(session.stack.name, state, roles)) : undefined;
  if (onBreach?.kind === "stop") {
    return { end: "failed", summary: `not starting: ${onBreach.refusal}. Watch with --no-rollback to only report.` };
  }
  const alarmed = await alarmRefusal(config, outputs, false);
  if (alarmed !== undefined) return { end: "failed", summary: `not starting: ${alarmed}` };
  let holder;
  try {
    holder = session.watcher(config, outputs, candidate);
  } catch (e) {
    if (e instanceof WatchPlanError) return { end: "failed", summary: `not starting: ${e.message}` };
    throw e;
  }
  const base = eventBase(session, "watch", config, candidate, deployed);
  const record = { command: "watch", target: candidate, weights: { before: deployed, after: deployed } } as const;
  log(
    `watch stack ${session.stack.name} for ${formatDuration(command.durationMs)}: ${roles.basis}; traffic ${formatSplit(deployed)}` +
      (onBreach ? `; ${breachPlan(onBreach, stable)}` : "; a breach is only reported (--no-rollback)"),
  );
  session.interrupts.enter("hold");
  const outcome = await holder({
    label: `watch ${formatDuration(command.durationMs)}`,
    durationMs: command.durationMs,
    roles,
    weights: deployed,
    signal: session.interrupts.signal,
  });
  switch (outcome.kind) {
    case "held":
    case "approved":
    case "aborted": {
      const reason = `${outcome.kind === "held" ? outcome.rounds : "every"} healthy rounds over ${formatDuration(command.durationMs)}`;
      const closed = await recordOnly(session, {
        ...record,
        watch: { outcome: "healthy", reason },
        result: "deployed",
      });
      if (!closed.ok) log(`the watch passed, but recording it in the stack's history failed: ${closed.reason}`);
      return {
        end: "done",
        summary: `${candidate} healthy for ${formatDuration(command.durationMs)} at ${formatSplit(deployed)}`,
        weights: deployed,
      };
    }
    case "breach": {
      log(`BREACH: ${outcome.reason}`);
      session.notify({ ...base, type: "breach", breaches: notifiedBreaches(outcome.breaches) });
      if (!command.rollback) {
        await recordOnly(session, {
          ...record,
          watch: { outcome: "breach", reason: outcome.reason },
          result: "stopped",
        });
        return {
          end: "breach",
          summary: `${candidate} breached at ${formatSplit(deployed)}: ${outcome.reason}. Reported only (--no-rollback): traffic stays where it is.`,
          weights: deployed,
        };
      }
      if (onBreach?.kind === "maintenance-page") {
        const page = { command: "watch", state, roles, weights: deployed, reason: outcome.reason } as const;
        return putUpPage(session, log, { ...page, refusal: onBreach.refusal });
      }
      const to = weightsFor(stable, 100);
      return putBack(
        session,
        log,
        {
          command: "watch",
          state,
          candidate,
          from: deployed,
          to,
          reason: outcome.reason,
          record: { watch: { outcome: "breach", reason: outcome.reason } },
        },
        {
          end: "breach",
          summary: `${candidate} breached at ${formatSplit(deployed)}: ${outcome.reason}. Traffic was rolled back to ${formatSplit(to)}.`,
          weights: to,
        },
      );
    }
    case "inconclusive":
      session.notify({ ...base, type: "inconclusive-stop", rounds: outcome.rounds, reason: outcome.reason });
      await recordOnly(session, {
        ...record,
        watch: { outcome: "inconclusive", reason: outcome.reason },
        result: "stopped",
      });
      return {
        end: "inconclusive",
        summary: `no data is not a pass: ${outcome.rounds} inconclusive rounds in a row (${outcome.reason}). Traffic stays at ${formatSplit(deployed)}.`,
        weights: deployed,
      };
    case "interrupted":
      session.notify({ ...base, type: "interrupted", signal: "SIGINT" });
      return {
        end: "interrupted",
        summary: `interrupted: traffic stays at ${formatSplit(deployed)}.`,
        weights: deployed,
      };
  }
}
