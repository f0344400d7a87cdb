/**
 * The providers of the guard's memory (records.ts). Both own nothing in any
 * cloud; their state is the record. Dependency-free: each serialized provider
 * carries only this module.
 */
import type * as pulumi from "@pulumi/pulumi";

const named = (news: Record<string, unknown>) =>
  typeof news.app === "string" && news.app.length > 0 ? [] : [{ property: "app", reason: "must be the app's name" }];

/**
 * `<app>-release-guard-record`: its inputs name the app; its outputs hold the
 * record, written by the program (records.ts) once the migration step
 * completed. Nothing here ever drops the record: a create starts empty, an
 * update (only when the app is renamed) carries it over, a same step keeps
 * it as the engine keeps every same step's outputs.
 */
export const releaseGuardRecordProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return { inputs: news, failures: named(news) };
  },
  // `olds` are the outputs: the record. Only the app's name is an input.
  async diff(_id, olds, news) {
    return { changes: olds.app !== news.app, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs) {
    return { id: `${inputs.app}-release-guard-record`, outs: { app: inputs.app } };
  },
  async update(_id, olds, news) {
    return { outs: { app: news.app, ...(olds.migration === undefined ? {} : { migration: olds.migration }) } };
  },
};

/**
 * `<app>-migration-completed`: created or updated only once the migration step
 * it waits for has succeeded, so its state is the migration that completed.
 */
export const migrationCompletedProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const migration = news.migration as Record<string, unknown> | undefined;
    const failures = named(news);
    if (typeof migration?.version !== "string" || typeof migration.breaking !== "boolean") {
      failures.push({ property: "migration", reason: "must be { version, breaking }" });
    }
    return { inputs: news, failures };
  },
  async diff(_id, olds, news) {
    const changes = JSON.stringify(olds.migration) !== JSON.stringify(news.migration) || olds.app !== news.app;
    return { changes, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs) {
    return { id: `${inputs.app}-migration-completed`, outs: inputs };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
};
