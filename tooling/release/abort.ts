/**
 * The answers to a running shift: `--continue` approves the step it waits
 * for, `--abort` stops it and sends all traffic back to the stable color at
 * once. Both work from any machine: the wait and the decision are stack tags.
 * A rollback to a color that still runs what last passed its gate is neither
 * probed nor step-limited, so the jump needs no permission.
 */
import { COLORS, otherColor } from "../../components/contracts/colors";
import { ConfigError } from "../../components/config/issues";
import { releaseView } from "../../components/release";
import { formatSplit } from "../../components/traffic";
import { decide, readWait } from "./approval";
import type { ReleaseOutcome } from "./outcome";
import { putBack } from "./rollback";
import { progressLog, readState, ReleaseSession } from "./session";
import { checkStepConfig, trafficValues, weightsFor } from "./steps";

export async function runContinue(session: ReleaseSession): Promise<ReleaseOutcome> {
  const wait = await readWait(session.stack);
  if (wait === undefined) {
    return {
      end: "failed",
      summary: `no shift of stack ${session.stack.name} waits for an approval (no \`bluegreen:approval-waiting\` tag). Start one with \`--steps ...,approve,...\`.`,
    };
  }
  await decide(session.stack, { id: wait.id, decision: "continue", by: session.who, at: session.now().toISOString() });
  return {
    end: "done",
    summary: `approved: the shift waiting since ${wait.since} (started by ${wait.by}, at ${formatSplit(wait.weights)}) goes on to ${wait.before}`,
    weights: wait.weights,
  };
}

export async function runAbort(session: ReleaseSession): Promise<ReleaseOutcome> {
  const log = progressLog(session);
  session.interrupts.enter("restore");
  // A waiting shift stops first, so that it never moves traffic after the abort.
  const wait = await readWait(session.stack);
  if (wait !== undefined) {
    await decide(session.stack, { id: wait.id, decision: "abort", by: session.who, at: session.now().toISOString() });
    log(`told the shift waiting since ${wait.since} (started by ${wait.by}) to stop`);
  }
  const state = await readState(session.stack);
  if ("reason" in state) return { end: "failed", summary: state.reason };
  const { raw, secretKeys, config, deployed } = state;
  const stable = releaseView(config).stable;
  const weights = weightsFor(stable, 100);
  if (deployed[otherColor(stable)] === 0 && COLORS.every((c) => config.traffic[c] === weights[c])) {
    return {
      end: "done",
      summary: `nothing to abort: ${stable} (${config[stable].version}) already has 100 %`,
      weights: deployed,
    };
  }
  try {
    checkStepConfig(raw, session.stack.name, trafficValues(weights), secretKeys);
  } catch (e) {
    if (e instanceof ConfigError) {
      return { end: "failed", summary: `the stack config would be invalid after the abort: ${e.message}` };
    }
    throw e;
  }
  const candidate = otherColor(stable);
  log(
    `abort: ${formatSplit(deployed)} -> ${formatSplit(weights)}: all traffic back to stable ${stable} (${config[stable].version}) at once`,
  );
  const reason = `aborted by ${session.who}`;
  return putBack(
    session,
    log,
    { command: "shift", state, candidate, from: deployed, to: weights, reason, record: {} },
    { end: "done", summary: `aborted: ${formatSplit(weights)}`, weights },
  );
}
