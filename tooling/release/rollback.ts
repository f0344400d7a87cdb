/**
 * Putting weights back: after a breach or `--abort` (all traffic to the
 * stable color) or after a step that failed or was interrupted (the previous
 * weights). In this order, so that users are back within a second and a
 * crash at any point leaves a config the next `pulumi up` cannot undo the
 * rollback with:
 *   1. the promotion rule, the only thing that may refuse a rollback (rule
 *      (f): back to an older major after an irreversible migration needs a
 *      restore snapshot): judged first on the config the command read, and
 *      nothing is written when it refuses;
 *   2. the weights written to the stack config, while the config is read
 *      again and the rule judged on it (what the up will run with: a person
 *      may have changed it); refused there, the write is undone;
 *   3. the data plane moved directly (dataPlane.ts), exactly as the up will
 *      set it;
 *   4. `pulumi up`, which records it (state and config agree again) and moves
 *      traffic itself where there was no direct move or it failed.
 * Each write and move is tried again a few times and every failure is said,
 * never hidden. The up runs without the policy pack, so an unrelated
 * violation cannot block it, deaf to Ctrl-C, and with `gate.allowLargeStep`
 * for that one update: after a failed update the gate of the color that lost
 * share has recorded the loss although routing never changed, so putting it
 * back would look like a jump to that gate. Notifications are queued, never
 * awaited: a webhook cannot delay it.
 */
import { fullKey } from "../../components/config/issues";
import type { Color } from "../../components/contracts/colors";
import { parseConfig } from "../../components/platforms";
import { formatSplit, TrafficWeights } from "../../components/traffic";
import type { ReleaseRecord } from "../history/record";
import { describeMove, plannedMove } from "./dataPlane";
import type { ReleaseOutcome } from "./outcome";
import { putBackRefusal } from "./preflight";
import { eventBase, recordedUp, ReleaseSession, StackState } from "./session";
import { trafficValues } from "./steps";
import { failureReason } from "./updateFailed";

const ALLOW_LARGE_STEP = fullKey(["gate", "allowLargeStep"]);
/** Pauses before the second and third attempt of the config write and of the direct move: users are waiting. */
export const QUICK_RETRY_MS = [100, 400];
/** Pauses before the second and third `pulumi up`. */
export const UP_RETRY_MS = [1_000, 3_000];

export interface PutBack {
  readonly command: "shift" | "watch";
  /** The stack as the command read it: the config judged and written, the outputs saying where the route lives. */
  readonly state: Pick<StackState, "raw" | "secretKeys" | "config" | "outputs">;
  readonly candidate: Color;
  /** Where traffic is now. */
  readonly from: TrafficWeights;
  readonly to: TrafficWeights;
  /** Why, one line. */
  readonly reason: string;
  readonly record: Pick<ReleaseRecord, "step" | "watch" | "gate">;
}

type Tried = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** Runs `work` until it succeeds, pausing `pausesMs` between attempts; logs each failure. */
export async function tried(
  session: Pick<ReleaseSession, "sleep">,
  what: string,
  log: (line: string) => void,
  pausesMs: readonly number[],
  work: () => Promise<void>,
): Promise<Tried> {
  for (let attempt = 1; ; attempt++) {
    try {
      await work();
      return { ok: true };
    } catch (e) {
      const error = failureReason(e);
      const pause = pausesMs[attempt - 1];
      const next = pause === undefined ? "giving up" : `trying again in ${pause} ms`;
      log(`${what} FAILED (attempt ${attempt} of ${pausesMs.length + 1}, ${next}): ${error}`);
      if (pause === undefined) return { ok: false, error };
      await session.sleep(pause);
    }
  }
}

/**
 * The stack config the up will run with, read now: a person may have changed it since the command started. When it
 * cannot be read or no longer passes the program's rules (the up then fails and says why), the command's own is judged
 * (already judged: the rollback then goes ahead).
 */
async function configNow(
  session: ReleaseSession,
  started: PutBack["state"],
  log: (line: string) => void,
): Promise<Pick<StackState, "raw" | "secretKeys" | "config">> {
  try {
    const { values, secretKeys } = await session.stack.readConfig();
    return { raw: values, secretKeys, config: parseConfig(values, session.stack.name, secretKeys) };
  } catch (e) {
    log(`reading the stack config failed (${failureReason(e)}): judging with the config the command started with`);
    return started;
  }
}

/** Puts `to` back; `done` is the outcome when it worked, else the command ends in rollbackFailed. */
export async function putBack(
  session: ReleaseSession,
  log: (line: string) => void,
  request: PutBack,
  done: ReleaseOutcome,
): Promise<ReleaseOutcome> {
  const { command, candidate, from, to, reason } = request;
  const stack = session.stack.name;
  session.interrupts.enter("restore");
  const base = (weights: TrafficWeights) => eventBase(session, command, request.state.config, candidate, weights);
  const started = session.now().getTime();
  // What the recording up's gate.allowLargeStep is put back to (a config read again may already hold this one's "true").
  const allowLargeStep = request.state.config.gate.allowLargeStep;
  const since = () => {
    const ms = session.now().getTime() - started;
    return ms < 10_000 ? `+${ms} ms` : `+${(ms / 1000).toFixed(1)} s`;
  };

  const refusalIn = (state: Pick<StackState, "raw" | "secretKeys" | "config">) =>
    putBackRefusal(state.raw, stack, state.secretKeys, state.config, to, `putting ${formatSplit(to)} back`);
  const refused = (refusal: string, configNote: string): ReleaseOutcome => {
    log(`ROLLBACK REFUSED, nothing moved: ${refusal}${configNote}`);
    session.notify({ ...base(from), type: "rollback-failed", to, error: refusal });
    return {
      end: "rollbackFailed",
      summary: `${reason}. Nothing was moved: ${refusal}${configNote}. Traffic is still at ${formatSplit(from)}: decide what users get by hand (README, "Restoring").`,
      weights: from,
    };
  };
  // Judged on the config the command read first: refused there, nothing is written.
  const startedRefusal = refusalIn(request.state);
  if (startedRefusal !== undefined) return refused(startedRefusal, "");
  session.notify({ ...base(from), type: "rollback-started", to, reason });
  log(`putting ${formatSplit(to)} back: stack config, then the data plane directly, then pulumi up to record it`);

  // The config is read again while the weights are written (each a CLI start: side by side, users wait for one),
  // and judged again before anything moves: a person may have changed it since the command read it.
  const [current, written] = await Promise.all([
    configNow(session, request.state, log),
    tried(session, "writing the stack config", log, QUICK_RETRY_MS, () =>
      session.stack.setConfig({ ...trafficValues(to), [ALLOW_LARGE_STEP]: "true" }),
    ),
  ]);
  const currentRefusal = refusalIn(current);
  if (currentRefusal !== undefined) {
    if (!written.ok) return refused(currentRefusal, "");
    const undone = await tried(session, "putting the stack config back", log, QUICK_RETRY_MS, () =>
      session.stack.setConfig({ ...trafficValues(from), [ALLOW_LARGE_STEP]: String(allowLargeStep) }),
    );
    return refused(
      currentRefusal,
      undone.ok
        ? ` (the stack config was put back to ${formatSplit(from)})`
        : ` (the stack config says ${formatSplit(to)} and could not be put back: ${undone.error}; set bluegreen:traffic to ${formatSplit(from)} before any \`pulumi up\`)`,
    );
  }
  const { config } = current;
  if (written.ok) log(`stack config: ${formatSplit(to)} (${since()})`);

  const planned = plannedMove(request.state.outputs.trafficRoute, config, to);
  let moved: Tried | undefined;
  if ("move" in planned) {
    moved = await tried(session, "the direct move", log, QUICK_RETRY_MS, () => session.moveDataPlane(planned.move));
    if (moved.ok) log(`data plane: ${describeMove(planned.move)}, read back (${since()})`);
  } else {
    log(`data plane: no direct move: ${planned.none}. pulumi up moves traffic`);
  }

  if (!written.ok) {
    // Any up now would set the old weights again: none is run.
    session.notify({ ...base(from), type: "rollback-failed", to, error: `stack config: ${written.error}` });
    const notRecorded =
      `writing it to the stack config FAILED: ${written.error}. So it was not recorded, and a \`pulumi up\` now would send traffic ` +
      `back to ${formatSplit(from)}: fix access to the stack config, then \`npm run shift -- ${stack} --abort\``;
    return moved?.ok
      ? {
          end: "rollbackFailed",
          summary: `${reason}. Traffic was moved to ${formatSplit(to)} directly, but ${notRecorded}.`,
          weights: to,
        }
      : {
          end: "rollbackFailed",
          summary: `${reason}. Putting ${formatSplit(to)} back FAILED: ${notRecorded}. Traffic is still at ${formatSplit(from)}${moved ? ` (the direct move failed too: ${moved.error})` : ""}.`,
          weights: from,
        };
  }

  if (moved !== undefined && !moved.ok) log(`the direct move failed: pulumi up moves traffic instead`);
  log(`recording ${formatSplit(to)}: pulumi up (no step limit, policy pack not run)`);
  const record: ReleaseRecord = {
    command: "rollback",
    target: candidate,
    weights: { before: from, after: to },
    result: "rolled-back",
    ...request.record,
  };
  const recorded = await tried(session, "pulumi up", log, UP_RETRY_MS, async () => {
    const result = await recordedUp(session, record, { policies: false, cancellable: false });
    if (!result.ok) throw new Error(result.reason);
  });
  const allowed = String(allowLargeStep);
  const reset = await tried(session, `setting ${ALLOW_LARGE_STEP} back to ${allowed}`, log, QUICK_RETRY_MS, () =>
    session.stack.setConfig({ [ALLOW_LARGE_STEP]: allowed }),
  );
  // Left on, the next promotion would skip gate.maxStep: said at the end of whatever the outcome.
  const stillAllowed = reset.ok
    ? ""
    : ` ${ALLOW_LARGE_STEP} is still true in the stack config (${reset.error}): set it back with \`pulumi config set --path gate.allowLargeStep ${allowed} --stack ${stack}\`.`;
  if (!recorded.ok) {
    session.notify({ ...base(from), type: "rollback-failed", to, error: recorded.error });
    if (moved?.ok) {
      return {
        end: "rollbackFailed",
        summary:
          `${reason}. Traffic was moved to ${formatSplit(to)} directly and the stack config says so, but recording it with \`pulumi up\` FAILED: ${recorded.error}. ` +
          `Run \`pulumi up\` on stack ${stack} to record it; until then \`npm run status -- ${stack}\` shows the split it had.${stillAllowed}`,
        weights: to,
      };
    }
    return {
      end: "rollbackFailed",
      summary:
        `${reason}. Putting ${formatSplit(to)} back FAILED: ${recorded.error}${moved ? ` (the direct move failed too: ${moved.error})` : ""}. ` +
        `Traffic may still be at ${formatSplit(from)}: check \`npm run status -- ${stack}\` and move it by hand (\`npm run shift -- ${stack} --abort\`).${stillAllowed}`,
      weights: from,
    };
  }
  log(`put back: ${formatSplit(to)}, recorded (${since()})`);
  session.notify({ ...base(to), type: "rolled-back", reason });
  const directFailed =
    moved === undefined || moved.ok ? "" : ` The direct move failed (${moved.error}): pulumi up moved traffic.`;
  return directFailed === "" && stillAllowed === ""
    ? done
    : { ...done, summary: `${done.summary}${directFailed}${stillAllowed}` };
}
