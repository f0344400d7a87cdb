/**
 * Runs a progressive shift (or an abort) against "a stack": anything that can
 * read its config and deployed weights, set config by path and run
 * `pulumi up`. The Automation API is one such stack (automation.ts); tests
 * use an in-memory one with scripted failures. Each step sets the weights and
 * runs `pulumi up`, whose gates probe before any weight moves; a failed step
 * puts the previous weights back. Deployed weights are read first, so a rerun
 * after a crash resumes where traffic actually is.
 */
import { ConfigError } from "../../components/config/issues";
import { BlueGreenConfig, parseConfig } from "../../components/platforms";
import { COLORS, otherColor } from "../../components/contracts/colors";
import { releaseView } from "../../components/release";
import { sharePercent } from "../../components/contracts/shares";
import { formatSplit, shareOf, TrafficWeights } from "../../components/traffic";
import {
  checkStepConfig,
  formatDuration,
  planShift,
  ShiftPlanError,
  ShiftRequest,
  trafficValues,
  weightsFor,
} from "./steps";
import { failureReason } from "./updateFailed";

export interface ShiftStack {
  readonly name: string;
  /** Full key → value as the engine passes it to the program (objects as JSON text). */
  readConfig(): Promise<Record<string, string>>;
  /** The `weights` output of the last successful update; undefined before the first one. */
  readDeployedWeights(): Promise<TrafficWeights | undefined>;
  /** Sets values by path (`bluegreen:traffic.green`), like `pulumi config set --path`. */
  setConfig(values: Record<string, string>): Promise<void>;
  /** `pulumi up`; rejects with the engine's error when the update fails. */
  up(onOutput: (text: string) => void): Promise<void>;
}

export interface ShiftIo {
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** Progress lines. */
  log(line: string): void;
  /** Raw engine output of `pulumi up` (shown with --verbose). */
  output(text: string): void;
}

export type ShiftOutcome =
  { readonly ok: true; readonly weights: TrafficWeights } | { readonly ok: false; readonly reason: string };

export async function runShift(stack: ShiftStack, request: ShiftRequest, io: ShiftIo): Promise<ShiftOutcome> {
  const clock = progressClock(io);
  const state = await readState(stack);
  if ("reason" in state) return { ok: false, reason: state.reason };
  const { raw, config, deployed } = state;

  let plan;
  try {
    plan = planShift(deployed, config, request);
    // Every step's config is checked with the program's rules before the first one runs.
    for (const step of plan.steps) checkStepConfig(raw, stack.name, trafficValues(step.weights));
  } catch (e) {
    if (e instanceof ShiftPlanError || e instanceof ConfigError) return { ok: false, reason: e.message };
    throw e;
  }

  const { target } = request;
  const total = plan.steps.length;
  clock.log(`shift stack ${stack.name} to ${target} (${config[target].version}): deployed ${formatSplit(deployed)}`);
  if (plan.skipped.length > 0) clock.log(`already reached: ${plan.skipped.map((s) => `${s} %`).join(", ")} (skipped)`);
  for (const line of plan.splits) clock.log(`step ${line}`);
  if (total === 0) {
    clock.log(`nothing to do: ${target} already has ${sharePercent(shareOf(deployed, target))} %`);
    return { ok: true, weights: deployed };
  }
  let previous = deployed;
  for (const [i, step] of plan.steps.entries()) {
    const label = `step ${i + 1}/${total}`;
    clock.log(`${label}: ${formatSplit(step.weights)}: pulumi up (the gate probes ${target} first)`);
    const started = io.now().getTime();
    try {
      await stack.setConfig(trafficValues(step.weights));
      await stack.up(io.output);
    } catch (e) {
      const reason = failureReason(e);
      clock.log(`${label} FAILED after ${formatDuration(io.now().getTime() - started)}: ${reason}`);
      return rollBack(stack, previous, `${label} (${formatSplit(step.weights)}) failed: ${reason}`, clock, io);
    }
    clock.log(`${label} done in ${formatDuration(io.now().getTime() - started)}: ${formatSplit(step.weights)}`);
    previous = step.weights;
    if (i + 1 < total && request.pauseMs > 0) {
      clock.log(
        `holding ${formatDuration(request.pauseMs)} before step ${i + 2}/${total} (until ${clockTime(new Date(io.now().getTime() + request.pauseMs))})`,
      );
      await io.sleep(request.pauseMs);
    }
  }
  clock.log(`shift complete: ${formatSplit(previous)}`);
  return { ok: true, weights: previous };
}

/**
 * Sends all traffic to the stable color at once. A rollback to a color that
 * still runs what last passed its gate is neither probed nor step-limited,
 * so no permission is needed for the jump.
 */
export async function runAbort(stack: ShiftStack, io: ShiftIo): Promise<ShiftOutcome> {
  const clock = progressClock(io);
  const state = await readState(stack);
  if ("reason" in state) return { ok: false, reason: state.reason };
  const { raw, config, deployed } = state;
  const stable = releaseView(config).stable;
  const weights = weightsFor(stable, 100);
  if (deployed[otherColor(stable)] === 0 && COLORS.every((c) => config.traffic[c] === weights[c])) {
    clock.log(`nothing to abort: ${stable} (${config[stable].version}) already has 100 %`);
    return { ok: true, weights: deployed };
  }
  const values = trafficValues(weights);
  try {
    checkStepConfig(raw, stack.name, values);
  } catch (e) {
    if (e instanceof ConfigError)
      return { ok: false, reason: `the stack config would be invalid after the abort: ${e.message}` };
    throw e;
  }
  clock.log(
    `abort: ${formatSplit(deployed)} -> ${formatSplit(weights)}: all traffic back to stable ${stable} (${config[stable].version}) at once`,
  );
  const started = io.now().getTime();
  try {
    await stack.setConfig(values);
    await stack.up(io.output);
  } catch (e) {
    const reason = failureReason(e);
    clock.log(`abort FAILED after ${formatDuration(io.now().getTime() - started)}: ${reason}`);
    return {
      ok: false,
      reason: `${reason}. Traffic stays at ${formatSplit(deployed)}; check with \`npm run status -- ${stack.name}\`.`,
    };
  }
  clock.log(`abort done in ${formatDuration(io.now().getTime() - started)}: ${formatSplit(weights)}`);
  return { ok: true, weights };
}

async function rollBack(
  stack: ShiftStack,
  previous: TrafficWeights,
  failure: string,
  clock: ReturnType<typeof progressClock>,
  io: ShiftIo,
): Promise<ShiftOutcome> {
  clock.log(`rolling back to ${formatSplit(previous)}: pulumi up`);
  try {
    await stack.setConfig(trafficValues(previous));
    await stack.up(io.output);
  } catch (e) {
    const reason = failureReason(e);
    clock.log(`rollback FAILED: ${reason}`);
    return {
      ok: false,
      reason: `${failure}. Rolling back to ${formatSplit(previous)} failed too: ${reason}. Check where traffic is with \`npm run status -- ${stack.name}\` and fix before retrying.`,
    };
  }
  clock.log(`rolled back: ${formatSplit(previous)}`);
  return { ok: false, reason: `${failure}. Traffic was set back to ${formatSplit(previous)}.` };
}

type StackState =
  { raw: Record<string, string>; config: BlueGreenConfig; deployed: TrafficWeights } | { reason: string };

async function readState(stack: ShiftStack): Promise<StackState> {
  const raw = await stack.readConfig();
  let config: BlueGreenConfig;
  try {
    config = parseConfig(raw, stack.name);
  } catch (e) {
    if (e instanceof ConfigError) return { reason: e.message };
    throw e;
  }
  const deployed = await stack.readDeployedWeights();
  if (deployed === undefined) {
    return {
      reason: `stack ${stack.name} has no \`weights\` output: it was never deployed by this program. Run \`pulumi up\` once with the starting weights, then shift.`,
    };
  }
  return { raw, config, deployed };
}

function clockTime(date: Date): string {
  return `${date.toISOString().slice(11, 19)}Z`;
}

/** Progress lines start with the wall-clock time (UTC) and the time since the command started. */
function progressClock(io: ShiftIo) {
  const started = io.now().getTime();
  return {
    log(line: string) {
      const now = io.now();
      io.log(`[${clockTime(now)} +${formatDuration(now.getTime() - started)}] ${line}`);
    },
  };
}
