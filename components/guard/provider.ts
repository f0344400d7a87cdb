/**
 * The release guard's dynamic provider (ReleaseGuard). It owns nothing: its
 * Check sees its recorded inputs and the new ones, with the guard's record
 * (the migration that last completed), and refuses at preview what rules.ts
 * refuses. It is registered before every step and the snapshots and the
 * migration wait for it, so none of them starts before it has been checked.
 */
import type * as pulumi from "@pulumi/pulumi";
import { checkGuard } from "./rules";

/**
 * What an update changes in the guard. Not `completedMigration`: the record moves after every migration, and the
 * engine stores the inputs Check returned on a "same" step too, which is where the next Check reads them.
 */
const FIELDS = ["app", "environment", "migration", "maintenance", "hotfix"] as const;

export const releaseGuardProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds, news) {
    return checkGuard(olds, news);
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
