/**
 * The stack outputs: written by the program (index.ts) and read back by
 * `status`, `shift`, `watch`, the plan and the tests, all through this one
 * schema. Values unknown during a preview (URLs, verdicts) are optional.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Color, COLORS } from "./colors";
import { rehearsalReportSchema } from "./rehearsalReport";

const perColor = <T extends z.ZodType>(value: T) => z.object({ blue: value, green: value });

/**
 * Where the weighted route lives, so that a rollback moves it directly before the `pulumi up` that records it
 * (tooling/release/dataPlane.ts): the local router's runtime API and backend (its servers are named by color); the
 * app's own listener, or its rule on a shared listener, with each color's target group; the HTTPRoute, its weighted
 * rule (index in `spec.rules`) and each color's Service.
 */
export const trafficRouteSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("haproxy"),
    admin: z.object({ address: z.string(), port: z.number().int() }),
    backend: z.string(),
  }),
  z.object({
    kind: z.literal("alb"),
    listenerArn: z.string(),
    /** The app's rule on a user's listener; absent on the app's own listener (its default action is the route). */
    ruleArn: z.string().optional(),
    targetGroupArns: perColor(z.string()),
  }),
  z.object({
    kind: z.literal("httproute"),
    namespace: z.string(),
    name: z.string(),
    rule: z.number().int(),
    services: perColor(z.string()),
  }),
]);

export type TrafficRoute = z.infer<typeof trafficRouteSchema>;

export const stackOutputsSchema = z.object({
  /** Where users reach the app through the weighted route. */
  url: z.string().optional(),
  platform: z.string(),
  /** The color with the larger weight (blue on a tie). */
  primaryColor: z.enum(COLORS),
  weights: perColor(z.number()),
  /** Shares that sum to exactly 100. */
  trafficPercent: perColor(z.number()),
  versions: perColor(z.string()),
  /** The pre-migration snapshot of the configured migration. */
  snapshotId: z.string().optional(),
  migrationVersion: z.string().optional(),
  /**
   * What the migration's rehearsal measured on a copy of the real data (duration, locks per table); local platform.
   * Informative: one this program cannot read (another report version) is left out rather than stopping a release.
   */
  rehearsal: rehearsalReportSchema.optional().catch(undefined),
  /** HOTFIX: `bluegreen:release.hotfix` is set; its reason and the emergency snapshot it took. */
  hotfix: z.object({ reason: z.string(), snapshotId: z.string() }).optional(),
  /** "passed" when the last update probed the color, "skipped" when it needed no probe. */
  gateVerdicts: perColor(z.enum(["passed", "skipped"]).optional())
    .partial()
    .optional(),
  /** Platform ids worth looking up: target group ARNs, service names, listener ARN... (AWS_RESOURCE_IDS: the ones read back). */
  resourceIds: z.record(z.string(), z.string().optional()).optional(),
  /** Where each color alone answers, as its gate probes it; absent when the platform has no such URL. */
  probeUrls: perColor(z.string().optional()).partial().optional(),
  /** Where the weighted route lives (absent in stacks deployed before it was exported: rollbacks then go through `pulumi up` only). */
  trafficRoute: trafficRouteSchema.optional(),
  /**
   * AWS with `bluegreen:database.mode: existing`: the security groups of the
   * app's tasks (blue, green) and migration task (migration), which the
   * database's owner admits on the database port (README, "Security defaults").
   */
  databaseClientSecurityGroups: z.record(z.string(), z.string()).optional(),
});

/**
 * The `resourceIds` the tooling reads back on AWS: each color's target group ARN (as `<color>.targetGroupArn`,
 * resourceIdOf) and the load balancer's ARN. Their resource parts are the colors' CloudWatch dimensions
 * (`targetgroup/…`, `app/…`) and their region is the metrics' and alarms' (tooling/watch/cloudwatchTarget.ts).
 */
export const AWS_RESOURCE_IDS = { targetGroupArn: "targetGroupArn", loadBalancerArn: "loadBalancerArn" } as const;

/** A color's id in `resourceIds`: the release flow prefixes each color's platform ids with the color. */
export function resourceIdOf(color: Color, id: string): string {
  return `${color}.${id}`;
}

/** Outputs every deployment of this program has; the others may be unknown at preview or absent in older stacks. */
const REQUIRED = ["platform", "primaryColor", "weights", "trafficPercent", "versions"] as const;

export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/** A value the program may still compute: inputs at any depth. */
type DeepInput<T> = pulumi.Input<T extends object ? { [K in keyof T]: DeepInput<T[K]> } : T>;

/** The traffic route as a platform writes it: its ids may still be being computed. */
export type TrafficRouteInput = DeepInput<TrafficRoute>;

/** What the program exports: every output, each possibly still being computed (the reader checks which are required). */
export type StackOutputValues = { [K in keyof Required<StackOutputs>]: DeepInput<StackOutputs[K]> | undefined };

/** Every output name, in the order index.ts exports them. */
export const STACK_OUTPUT_KEYS = Object.keys(stackOutputsSchema.shape) as (keyof StackOutputs)[];

/**
 * Reads outputs back (from `pulumi stack output` or an offline run). Throws
 * naming what is missing or malformed: a stack deployed by an older version
 * of the program, or by another program.
 */
export function readStackOutputs(stack: string, outputs: Record<string, unknown>): StackOutputs {
  const missing = REQUIRED.filter((key) => outputs[key] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `stack ${stack} has no ${missing.map((key) => `\`${key}\``).join(", ")} output${missing.length === 1 ? "" : "s"}: ` +
        "it was not deployed by this program yet (or by an older version). Run `pulumi up`, or look at the config with `--offline`.",
    );
  }
  const parsed = stackOutputsSchema.safeParse(outputs);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `\`${issue.path.join(".")}\` ${issue.message}`);
  throw new Error(
    `stack ${stack} has outputs this program does not write that way: ${problems.join("; ")}. Run \`pulumi up\` with this version of the program.`,
  );
}
