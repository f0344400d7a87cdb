/**
 * The holds of a release, watched for real: the stack's watch plan
 * (tooling/watch: which sources measure the candidate), a fresh sampler per
 * hold (counters start from the hold's own baseline), and the watch loop on
 * the wall clock, its outcome told in the release's terms.
 */
import type { Color } from "../../components/contracts/colors";
import type { StackOutputs } from "../../components/contracts/outputs";
import type { BlueGreenConfig } from "../../components/platforms";
import { BREACH_CHECKS, Breach as NotifiedBreach, BreachCheck } from "../notify/events";
import { Breach, createWatchSampler, planWatch, runWatch, sleepUnlessAborted, WatchOutcome } from "../watch";
import type { Holder, HoldOutcome } from "./session";

export function wallClockWatcher(
  log: (line: string) => void,
): (config: BlueGreenConfig, outputs: StackOutputs, candidate: Color) => Holder {
  return (config, outputs, candidate) => {
    const plan = planWatch(config, outputs, candidate);
    log(`watching: ${plan.summary}`);
    return async (request) => {
      const sampler = await createWatchSampler(plan);
      const outcome = await runWatch(
        {
          candidate,
          settings: plan.settings,
          ...(request.until === undefined ? { durationMs: request.durationMs } : {}),
          signal: request.signal,
        },
        {
          sample: (signal) => sampler.sample(signal),
          now: () => performance.now(),
          sleep: sleepUnlessAborted,
          log: (line) => log(`  ${line}`),
          ...(request.until === undefined ? {} : { poll: async () => (await request.until!()) ?? ("wait" as const) }),
        },
      );
      return holdOutcome(outcome);
    };
  };
}

/** The watch loop's outcome as the release engine reads it. */
export function holdOutcome(outcome: WatchOutcome): HoldOutcome {
  switch (outcome.kind) {
    case "held-healthy":
      return outcome.endedBy === "poll" ? { kind: "approved" } : { kind: "held", rounds: outcome.rounds };
    case "breach":
      return { kind: "breach", breaches: outcome.breaches, reason: outcome.breaches.map((b) => b.text).join("; ") };
    case "inconclusive-stop":
      return { kind: "inconclusive", rounds: outcome.round, reason: outcome.reasons.join("; ") };
    case "stopped-by-poll":
      return { kind: "aborted" };
    case "interrupted":
      return { kind: "interrupted" };
  }
}

/** A breach as the webhooks get it: each threshold crossed, by its key in `bluegreen:watch`, in its unit. */
export function notifiedBreaches(breaches: readonly Breach[]): NotifiedBreach[] {
  return breaches.flatMap((breach) => [
    {
      check: breach.measure === "no healthy backend" ? "noHealthyBackend" : checkOf(breach.key),
      observed: breach.observed,
      limit: breach.limit,
    },
    ...(breach.aboveStable === undefined
      ? []
      : [
          {
            check: checkOf(breach.aboveStable.key),
            observed: breach.aboveStable.observed,
            limit: breach.aboveStable.limit,
          },
        ]),
  ]);
}

function checkOf(key: string): BreachCheck {
  const check = key.split(".").pop() as BreachCheck;
  if (!BREACH_CHECKS.includes(check)) throw new Error(`a breach of ${key}, which the notifications do not know`);
  return check;
}
