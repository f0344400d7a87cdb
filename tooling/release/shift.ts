/**
 * `npm run shift`: a progressive rollout. Each step sets the weights and runs
 * `pulumi up`, whose gates probe before any weight moves; between steps and
 * for a bake after the last one the candidate is watched, and a breach rolls
 * everything back to the stable color at once. A failed or interrupted step
 * puts the previous weights back. Deployed weights are read first, so a
 * rerun resumes where traffic actually is.
 */
import { describeRehearsal } from "../../components/contracts/rehearsalReport";
import { ConfigError } from "../../components/config/issues";
import { sharePercent } from "../../components/contracts/shares";
import { formatSplit, shareOf, TrafficWeights } from "../../components/traffic";
import type { ReleaseRecord } from "../history/record";
import { decisionFor, startWaiting, stopWaiting } from "./approval";
import type { ReleaseOutcome } from "./outcome";
import { alarmRefusal, rollbackRefusal } from "./preflight";
import { putBack } from "./rollback";
import { shiftRoles } from "./roles";
import {
  applyWeights,
  eventBase,
  Holder,
  HoldOutcome,
  progressLog,
  readState,
  recordOnly,
  ReleaseSession,
} from "./session";
import { WatchPlanError } from "../watch";
import { notifiedBreaches } from "./watcher";
import {
  checkStepConfig,
  formatDuration,
  planShift,
  PlannedStep,
  ShiftPlan,
  ShiftPlanError,
  ShiftRequest,
  trafficValues,
  weightsFor,
} from "./steps";

export async function runShift(session: ReleaseSession, request: ShiftRequest): Promise<ReleaseOutcome> {
  const log = progressLog(session);
  const commandStarted = session.now().getTime();
  const state = await readState(session.stack);
  if ("reason" in state) return { end: "failed", summary: state.reason };
  const { raw, secretKeys, config, deployed } = state;
  const { target } = request;
  const roles = shiftRoles(target);

  let plan: ShiftPlan;
  try {
    plan = planShift(deployed, config, request);
    // Every step's config is checked with the program's rules before the first one runs.
    for (const step of plan.steps) checkStepConfig(raw, session.stack.name, trafficValues(step.weights), secretKeys);
  } catch (e) {
    if (e instanceof ShiftPlanError || e instanceof ConfigError) return { end: "failed", summary: e.message };
    throw e;
  }
  const refusal = rollbackRefusal(raw, session.stack.name, secretKeys, config, roles);
  if (refusal !== undefined) {
    return {
      end: "failed",
      summary: `not starting: ${refusal}. A release that could not roll back is a one-way door.`,
    };
  }
  const alarmed = await alarmRefusal(config, state.outputs, true);
  if (alarmed !== undefined) return { end: "failed", summary: `not starting: ${alarmed}` };
  // Whatever will watch the holds is set up first: a release nobody can measure does not start.
  const holds =
    (request.bakeMs ?? 0) > 0 ||
    (request.pauseMs > 0 && plan.steps.length > 1) ||
    plan.steps.some((step) => step.approval);
  let holder: Holder | undefined;
  try {
    holder = holds ? session.watcher(config, state.outputs, target) : undefined;
  } catch (e) {
    if (e instanceof WatchPlanError) return { end: "failed", summary: `not starting: ${e.message}` };
    throw e;
  }

  const total = plan.steps.length;
  const stepName = (i: number) => `step ${i + 1}/${total}`;
  log(`shift stack ${session.stack.name} to ${target} (${config[target].version}): deployed ${formatSplit(deployed)}`);
  if (plan.skipped.length > 0) log(`already reached: ${plan.skipped.map((s) => `${s} %`).join(", ")} (skipped)`);
  for (const line of plan.splits) log(`step ${line}`);
  // What the migration this release runs on did to a copy of the real data: the locks users will wait behind.
  const rehearsal = state.outputs.rehearsal;
  if (rehearsal && rehearsal.migrationVersion === state.outputs.migrationVersion) log(describeRehearsal(rehearsal));
  if (total === 0 && !(request.bakeMs ?? 0)) {
    return {
      end: "done",
      summary: `nothing to do: ${target} already has ${sharePercent(shareOf(deployed, target))} %`,
      weights: deployed,
    };
  }

  const base = (weights: TrafficWeights) => eventBase(session, "shift", config, target, weights);
  const record = (step: string, before: TrafficWeights, after: TrafficWeights, result: ReleaseRecord["result"]) =>
    ({ command: "shift", step, target, weights: { before, after }, result }) satisfies ReleaseRecord;
  /** What a hold's outcome means for the release, or undefined to go on. */
  const afterHold = async (outcome: HoldOutcome, at: TrafficWeights, step: string) => {
    switch (outcome.kind) {
      case "held":
      case "approved":
        return undefined;
      case "breach": {
        log(`BREACH: ${outcome.reason}`);
        session.notify({ ...base(at), type: "breach", breaches: notifiedBreaches(outcome.breaches) });
        const stable = weightsFor(roles.stable, 100);
        const summary = `${target} breached at ${formatSplit(at)}: ${outcome.reason}. Traffic was rolled back to ${formatSplit(stable)}.`;
        return putBack(
          session,
          log,
          {
            command: "shift",
            state,
            candidate: target,
            from: at,
            to: stable,
            reason: outcome.reason,
            record: { step, watch: { outcome: "breach", reason: outcome.reason } },
          },
          { end: "breach", summary, weights: stable },
        );
      }
      case "inconclusive":
        log(`STOPPED: ${outcome.rounds} inconclusive rounds in a row: ${outcome.reason}`);
        session.notify({ ...base(at), type: "inconclusive-stop", rounds: outcome.rounds, reason: outcome.reason });
        return {
          end: "inconclusive",
          summary: `no data is not a pass: ${outcome.rounds} inconclusive rounds in a row (${outcome.reason}). Traffic stays at ${formatSplit(at)}; fix what had no data, then run the same command to resume.`,
          weights: at,
        } satisfies ReleaseOutcome;
      case "aborted":
        log(`aborted by \`npm run shift -- ${session.stack.name} --abort\`: it sends traffic back to the stable color`);
        session.notify({ ...base(at), type: "aborted", reason: "--abort from a person" });
        return {
          end: "interrupted",
          summary: `aborted while holding at ${formatSplit(at)}: \`--abort\` sends all traffic to ${roles.stable}; check \`npm run status -- ${session.stack.name}\`.`,
          weights: at,
        } satisfies ReleaseOutcome;
      case "interrupted":
        session.notify({ ...base(at), type: "interrupted", signal: "SIGINT" });
        return {
          end: "interrupted",
          summary: `interrupted while holding: traffic stays at ${formatSplit(at)}. Run the same command again to resume from there.`,
          weights: at,
        } satisfies ReleaseOutcome;
    }
  };
  const hold = async (label: string, durationMs: number, at: TrafficWeights, step: PlannedStep | undefined) => {
    session.interrupts.enter("hold");
    if (step?.approval) return approvalHold(session, holder!, log, { label, durationMs, at, next: step, roles, base });
    log(`${label}, watching ${roles.candidate} every ${config.watch.intervalSeconds} s`);
    return holder!({ label, durationMs, roles, weights: at, signal: session.interrupts.signal });
  };

  let previous = deployed;
  for (const [i, step] of plan.steps.entries()) {
    // Before the first step only an approval holds; between steps the pause (none with --pause 0).
    if (step.approval || (i > 0 && request.pauseMs > 0)) {
      const label = i > 0 ? `hold ${formatDuration(request.pauseMs)} before ${stepName(i)}` : `before ${stepName(i)}`;
      const ended = await afterHold(
        await hold(label, i > 0 ? request.pauseMs : 0, previous, step),
        previous,
        `${i}/${total}`,
      );
      if (ended !== undefined) return ended;
    }
    session.interrupts.enter("step");
    log(`${stepName(i)}: ${formatSplit(step.weights)}: pulumi up (the gate probes ${target} first)`);
    session.notify({
      ...base(previous),
      type: "step-started",
      step: { number: i + 1, of: total, weights: step.weights },
    });
    const started = session.now().getTime();
    const result = await applyWeights(
      session,
      step.weights,
      record(
        `${i + 1}/${total}`,
        previous,
        step.weights,
        i + 1 === total && !request.bakeMs ? "completed" : "progressing",
      ),
      { policies: true, cancellable: true },
    );
    if (!result.ok) {
      const took = formatDuration(session.now().getTime() - started);
      if (result.locked) {
        // The update never started: only the stack config moved; put it back.
        await session.stack.setConfig(trafficValues(previous));
        return { end: "locked", summary: result.reason, weights: previous };
      }
      const interrupted = session.interrupts.interrupted;
      const why = interrupted ? "interrupted (Ctrl-C)" : `FAILED after ${took}: ${result.reason}`;
      log(`${stepName(i)} ${why}`);
      const failure = `${stepName(i)} (${formatSplit(step.weights)}) ${interrupted ? "was interrupted" : `failed: ${result.reason}`}`;
      return putBack(
        session,
        log,
        {
          command: "shift",
          state,
          candidate: target,
          from: previous,
          to: previous,
          reason: failure,
          record: { step: `${i + 1}/${total}` },
        },
        {
          end: interrupted ? "interrupted" : "failed",
          summary: `${failure}. Traffic was set back to ${formatSplit(previous)}.`,
          weights: previous,
        },
      );
    }
    const durationMs = session.now().getTime() - started;
    log(`${stepName(i)} done in ${formatDuration(durationMs)}: ${formatSplit(step.weights)}`);
    session.notify({
      ...base(step.weights),
      type: "step-done",
      step: { number: i + 1, of: total, weights: step.weights },
      durationMs,
    });
    previous = step.weights;
  }

  const bakeMs = request.bakeMs ?? 0;
  if (bakeMs > 0) {
    const ended = await afterHold(
      await hold(`bake ${formatDuration(bakeMs)}`, bakeMs, previous, undefined),
      previous,
      "bake",
    );
    if (ended !== undefined) return ended;
    // The bake's verdict goes into the stack's history with a record-only update.
    const closed = await recordOnly(session, {
      ...record("bake", previous, previous, "completed"),
      watch: { outcome: "healthy", reason: `baked ${formatDuration(bakeMs)}` },
    });
    if (!closed.ok) log(`the bake passed, but recording it in the stack's history failed: ${closed.reason}`);
  }
  session.notify({ ...base(previous), type: "completed", durationMs: session.now().getTime() - commandStarted });
  return { end: "done", summary: `shift complete: ${formatSplit(previous)}`, weights: previous };
}

/** Holds (watching) until a person decides, from any machine: `--continue` or `--abort`. */
async function approvalHold(
  session: ReleaseSession,
  holder: Holder,
  log: (line: string) => void,
  wait: {
    label: string;
    durationMs: number;
    at: TrafficWeights;
    next: PlannedStep;
    roles: ReturnType<typeof shiftRoles>;
    base: (weights: TrafficWeights) => ReturnType<typeof eventBase>;
  },
): Promise<HoldOutcome> {
  const approval = {
    id: `${session.now().getTime().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    before: `${wait.next.percent} %`,
    weights: wait.at,
    since: session.now().toISOString(),
    by: session.who,
  };
  await startWaiting(session.stack, approval);
  log(
    `${wait.label}: waiting for approval before ${formatSplit(wait.next.weights)}, watching ${wait.roles.candidate}. ` +
      `Approve with \`npm run shift -- ${session.stack.name} --continue\`, or \`--abort\` to send everything back to ${wait.roles.stable}`,
  );
  session.notify({ ...wait.base(wait.at), type: "approval-waiting", next: wait.next.weights });
  try {
    const outcome = await holder({
      label: wait.label,
      durationMs: wait.durationMs,
      roles: wait.roles,
      weights: wait.at,
      until: () => decisionFor(session.stack, approval),
      signal: session.interrupts.signal,
    });
    if (outcome.kind === "approved") {
      log(`approved: going on to ${formatSplit(wait.next.weights)}`);
      session.notify({ ...wait.base(wait.at), type: "approved", next: wait.next.weights });
    }
    return outcome;
  } finally {
    await stopWaiting(session.stack);
  }
}
