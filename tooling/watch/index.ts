/**
 * The release watch (issue 15): what `npm run shift` and `npm run watch`
 * judge a holding release by. Build a plan from the stack's parsed config and
 * outputs, a sampler from the plan, and run the loop:
 *
 *   const plan = planWatch(config, readStackOutputs(stack, raw), "green");
 *   const sampler = await createWatchSampler(plan);
 *   const outcome = await runWatch(
 *     { candidate: plan.candidate, settings: plan.settings, durationMs, signal },
 *     { sample: (s) => sampler.sample(s), now: () => performance.now(), sleep: sleepUnlessAborted, log },
 *   );
 */
export { describeRound, runWatch, sleepUnlessAborted } from "./loop";
export type { PollAnswer, WatchDeps, WatchOutcome, WatchRequest } from "./loop";
export { planWatch, probeTargets, MAX_PROBES_PER_SECOND, WatchPlanError } from "./plan";
export type { TrafficSource, WatchPlan } from "./plan";
export { createWatchSampler } from "./sampler";
export type { WatchSampler } from "./sampler";
export { errorRateOf, judgeRound, percent, WATCH_KEYS } from "./judge";
export type { Breach, RoundJudgement, RoundKind } from "./judge";
export { foldRound, INITIAL_WATCH_STATE } from "./fold";
export type { RoundDecision, WatchState } from "./fold";
export type * from "./samples";
