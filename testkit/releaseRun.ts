/**
 * One `npm run shift` on a release rig, composed as tooling/release/command.ts
 * composes it: runShift with the real wall-clock watcher (planWatch, the
 * router's counters and the probes, runWatch) and the real notifier built
 * from the stack's `bluegreen:notify`, against a RouterStack. Every line is
 * recorded with its performance.now(), and the watch rounds are read back
 * from them, so a test can count rounds and a bench can time them.
 */
import type { Color } from "../components/contracts/colors";
import type { TrafficWeights } from "../components/traffic";
import { releaseEvent } from "../tooling/notify/events";
import { createNotifier, Notifier } from "../tooling/notify/notifier";
import { moveDataPlane } from "../tooling/release/dataPlane";
import { Interrupts } from "../tooling/release/interrupts";
import type { ReleaseOutcome } from "../tooling/release/outcome";
import type { ReleaseSession } from "../tooling/release/session";
import { runShift } from "../tooling/release/shift";
import type { ShiftRequest } from "../tooling/release/steps";
import { wallClockWatcher } from "../tooling/release/watcher";
import type { RoundKind } from "../tooling/watch";
import type { ReleaseRig } from "./releaseRig";
import { AppliedUpdate, RouterStack, RouterStackOptions } from "./routerStack";

export interface ReleaseRunOptions {
  readonly rig: ReleaseRig;
  readonly deployed: TrafficWeights;
  readonly request: ShiftRequest;
  /** `bluegreen:watch` of the stack. */
  readonly watch: Record<string, number>;
  /** `bluegreen:notify` of the stack. @default no webhooks */
  readonly notify?: {
    readonly webhooks: readonly string[];
    readonly timeoutMs?: number;
    readonly retries?: number;
  };
  /** Called as each watch round is logged, right after its verdict. @default none */
  readonly onRound?: (round: WatchRound) => void;
  /** Called as soon as an update's weights are applied. @default none */
  readonly onApplied?: (update: AppliedUpdate) => void;
  /** Where every config read and write is also made, for its time (RouterStackOptions.alsoThrough). @default none */
  readonly alsoThrough?: RouterStackOptions["alsoThrough"];
}

/** A watch round as the watcher logged it. */
export interface WatchRound {
  /** 1 for the first hold of the release, 2 for the next... */
  readonly hold: number;
  /** The round's number within its hold (1-based). */
  readonly round: number;
  readonly kind: RoundKind;
  readonly color: Color;
  /** performance.now() when the verdict was logged. */
  readonly at: number;
  readonly line: string;
}

export interface ReleaseRun {
  readonly outcome: ReleaseOutcome;
  readonly lines: readonly { readonly at: number; readonly line: string }[];
  readonly rounds: readonly WatchRound[];
  readonly stack: RouterStack;
  /** The notifier, still delivering: drain it. */
  readonly notifier: Notifier;
  /** Its warning lines so far (the array keeps growing until it is drained). */
  readonly warnings: readonly string[];
}

const ROUND_LINE = /^\s*\[round (\d+) \+\S+\] (blue|green) (healthy|probes-failed|inconclusive|breach):/;

export async function runRelease(options: ReleaseRunOptions): Promise<ReleaseRun> {
  const { rig, notify } = options;
  const stack = await RouterStack.deploy({
    host: rig.host,
    ports: rig.ports,
    deployed: options.deployed,
    overrides: {
      "bluegreen:watch": options.watch,
      ...(notify === undefined
        ? {}
        : {
            "bluegreen:notify": {
              webhooks: notify.webhooks.map((url) => ({ url, format: "json" })),
              ...(notify.timeoutMs === undefined ? {} : { timeoutMs: notify.timeoutMs }),
              ...(notify.retries === undefined ? {} : { retries: notify.retries }),
            },
          }),
    },
    ...(options.onApplied === undefined ? {} : { onApplied: options.onApplied }),
    ...(options.alsoThrough === undefined ? {} : { alsoThrough: options.alsoThrough }),
  });
  const lines: { at: number; line: string }[] = [];
  const rounds: WatchRound[] = [];
  let hold = 0;
  const log = (line: string) => {
    const at = performance.now();
    lines.push({ at, line });
    const match = ROUND_LINE.exec(line);
    if (match === null) return;
    const round = Number(match[1]);
    if (round === 1) hold++;
    const watched = { hold, round, color: match[2] as Color, kind: match[3] as RoundKind, at, line };
    rounds.push(watched);
    options.onRound?.(watched);
  };
  const warnings: string[] = [];
  const notifier = createNotifier(stack.config().notify, { warn: (line) => warnings.push(line) });
  const session: ReleaseSession = {
    stack,
    now: () => new Date(),
    log,
    output: () => undefined,
    interrupts: new Interrupts(log),
    watcher: wallClockWatcher(log),
    notify: (event) => notifier.notify(releaseEvent(event, new Date())),
    moveDataPlane,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    who: "release-rig@127.0.0.1",
  };
  const outcome = await runShift(session, options.request);
  return { outcome, lines, rounds, stack, notifier, warnings };
}

/** How a breach went, read from a run whose candidate started failing at `firstFailureAt`. */
export interface BreachTimeline {
  /** The first round whose router log includes the first failed request (its hold's numbering). */
  readonly failingRound: number;
  readonly breachRound: number;
  /** From the first failed request to the breach verdict. */
  readonly detectionMs: number;
  /** From the breach verdict to the stable weights set in HAProxy: by the direct move, else by the recording up. */
  readonly rollbackMs: number;
  /** From the breach verdict to the direct move's weights read back from HAProxy; undefined when there was none. */
  readonly directMoveMs: number | undefined;
  /** From the breach verdict to the recording up's weights applied (its provider Update returned). */
  readonly recordedMs: number;
  /** performance.now() of the breach verdict and of the stable weights set. */
  readonly breachAt: number;
  readonly stableAt: number;
  /** From the first failed request to the stable weights set. */
  readonly backOnStableMs: number;
}

/** The rollback's direct move on the router, as rollback.ts logs it once HAProxy answered with the weights. */
const DIRECT_MOVE_LINE = /data plane: HAProxy backend .* read back/;

/** Undefined when the run did not breach or did not roll back. */
export function breachTimeline(run: ReleaseRun, firstFailureAt: number): BreachTimeline | undefined {
  const breach = run.rounds.find((r) => r.kind === "breach");
  const rollback = run.stack.updates.find((u) => !u.policies);
  if (breach === undefined || rollback === undefined) return undefined;
  // A round's verdict comes right after its counters are read: the first verdict after the failure counts it.
  const failing = run.rounds.find((r) => r.hold === breach.hold && r.at > firstFailureAt);
  if (failing === undefined) return undefined;
  const moved = run.lines.find((l) => l.at > breach.at && DIRECT_MOVE_LINE.test(l.line));
  const stableAt = Math.min(moved?.at ?? Infinity, rollback.at);
  return {
    failingRound: failing.round,
    breachRound: breach.round,
    detectionMs: breach.at - firstFailureAt,
    rollbackMs: stableAt - breach.at,
    directMoveMs: moved === undefined ? undefined : moved.at - breach.at,
    recordedMs: rollback.at - breach.at,
    breachAt: breach.at,
    stableAt,
    backOnStableMs: stableAt - firstFailureAt,
  };
}
