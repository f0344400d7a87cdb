/**
 * Putting weights back: after a breach (all traffic to the stable color) or
 * after a step that failed or was interrupted (the previous weights). Run
 * without the policy pack, so an unrelated violation cannot block it, deaf
 * to Ctrl-C, which could otherwise leave traffic split, and with
 * `gate.allowLargeStep` for that one update: after a failed update the gate
 * of the color that lost share has recorded the loss although routing never
 * changed, so putting it back would look like a jump to that gate. (Moving
 * share to a color that still runs what last passed its gate is never probed
 * anyway unless it runs the newer version.) Notifications are queued, never
 * awaited: a webhook cannot delay it.
 */
import { fullKey } from "../../components/config/issues";
import type { Color } from "../../components/contracts/colors";
import type { BlueGreenConfig } from "../../components/platforms";
import { formatSplit, TrafficWeights } from "../../components/traffic";
import type { ReleaseRecord } from "../history/record";
import type { ReleaseOutcome } from "./outcome";
import { applyWeights, eventBase, ReleaseSession } from "./session";

const ALLOW_LARGE_STEP = fullKey(["gate", "allowLargeStep"]);

export interface PutBack {
  readonly command: "shift" | "watch";
  readonly config: BlueGreenConfig;
  readonly candidate: Color;
  /** Where traffic is now. */
  readonly from: TrafficWeights;
  readonly to: TrafficWeights;
  /** Why, one line. */
  readonly reason: string;
  readonly record: Pick<ReleaseRecord, "step" | "watch" | "gate">;
}

/** Puts `to` back; `done` is the outcome when it worked, else the command ends in rollbackFailed. */
export async function putBack(
  session: ReleaseSession,
  log: (line: string) => void,
  request: PutBack,
  done: ReleaseOutcome,
): Promise<ReleaseOutcome> {
  const { command, config, candidate, from, to, reason } = request;
  session.interrupts.enter("restore");
  const base = (weights: TrafficWeights) => eventBase(session, command, config, candidate, weights);
  session.notify({ ...base(from), type: "rollback-started", to, reason });
  log(`putting ${formatSplit(to)} back (no step limit, policy pack not run): pulumi up`);
  await session.stack.setConfig({ [ALLOW_LARGE_STEP]: "true" });
  const result = await applyWeights(
    session,
    to,
    {
      command: "rollback",
      target: candidate,
      weights: { before: from, after: to },
      result: "rolled-back",
      ...request.record,
    },
    { policies: false, cancellable: false },
  );
  await session.stack.setConfig({ [ALLOW_LARGE_STEP]: String(config.gate.allowLargeStep) });
  if (!result.ok) {
    log(`ROLLBACK FAILED: ${result.reason}`);
    session.notify({ ...base(from), type: "rollback-failed", to, error: result.reason });
    return {
      end: "rollbackFailed",
      summary:
        `${reason}. Putting ${formatSplit(to)} back FAILED: ${result.reason}. Traffic may still be at ${formatSplit(from)}: ` +
        `check \`npm run status -- ${session.stack.name}\` and move it by hand (\`npm run shift -- ${session.stack.name} --abort\`).`,
      weights: from,
    };
  }
  log(`put back: ${formatSplit(to)}`);
  session.notify({ ...base(to), type: "rolled-back", reason });
  return done;
}
