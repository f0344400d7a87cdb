/**
 * The release guard's dynamic provider (ReleaseGuard). It owns nothing: its
 * Check sees the previous inputs (what the last successful update deployed)
 * and the new ones, and refuses at preview what rules.ts refuses. It is
 * registered first and the snapshots and the migration wait for it, so none
 * of them starts before it has been checked.
 */
import type * as pulumi from "@pulumi/pulumi";
import { guardFailures, guardInputFailures, ReleaseGuardInputs } from "./rules";

const FIELDS = ["app", "environment", "migration", "maintenance", "hotfix"] as const;

/** The previous inputs, or undefined on the guard's first update. */
function previousInputs(olds: Record<string, unknown>): Partial<ReleaseGuardInputs> | undefined {
  return typeof olds.app === "string" ? (olds as Partial<ReleaseGuardInputs>) : undefined;
}

export const releaseGuardProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds, news) {
    const failures = guardInputFailures(news);
    if (failures.length > 0) return { inputs: news, failures };
    return { inputs: news, failures: guardFailures(previousInputs(olds), news as ReleaseGuardInputs) };
  },

  async diff(_id, olds, news) {
    const changes = FIELDS.some((field) => JSON.stringify(olds[field]) !== JSON.stringify(news[field]));
    return { changes, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs) {
    return { id: `${inputs.app}-release-guard`, outs: inputs };
  },

  async update(_id, _olds, news) {
    return { outs: news };
  },
};
