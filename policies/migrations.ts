/**
 * Migration rules: what a migration run declares about its schema change
 * must hang together. A breaking change (old code cannot run on the new
 * schema) is never reversible: traffic cannot simply go back to the old
 * color, and a rollback needs the snapshot restore the irreversible path
 * prepares.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { KUBERNETES_ANNOTATIONS, SchemaChange, STEP_PURPOSES } from "./contracts/markers";
import { TYPES, shown } from "./shared";

/** The run's declared schema change; undefined when the resource is no migration run or does not say. */
export function schemaChangeOf(type: string, props: Record<string, any>): Partial<SchemaChange> | undefined {
  switch (type) {
    case TYPES.ecsMigration:
      return props.schemaChange;
    case TYPES.oneShotCommand:
      return props.purpose === STEP_PURPOSES.migration ? props.schemaChange : undefined;
    case TYPES.job: {
      const annotation = props.metadata?.annotations?.[KUBERNETES_ANNOTATIONS.schemaChange];
      if (typeof annotation !== "string") return undefined;
      try {
        return JSON.parse(annotation);
      } catch {
        return undefined;
      }
    }
    default:
      return undefined;
  }
}

export const breakingMigrationIrreversible: ResourceValidationPolicy = {
  name: "breaking-migration-irreversible",
  description:
    "Checks whether a migration run marked breaking is also marked not reversible, so its release takes the irreversible path (restore snapshot, no plain traffic rollback).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const change = schemaChangeOf(args.type, args.props);
    if (change?.breaking !== true || change.reversible === false) return;
    reportViolation(
      `Migration run ${args.name} must not be reversible when it is breaking: breaking is true and reversible is ${shown(change.reversible)}. ` +
        "Old code cannot run on the new schema, so traffic cannot move back to it without a restore: set `bluegreen:migration.reversible` to false " +
        "(the gates then require `bluegreen:database.restoreFromSnapshot` before an older major gains traffic), or `bluegreen:migration.breaking` to false if old code does run on the new schema.",
    );
  },
};
