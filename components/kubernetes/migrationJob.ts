/**
 * The migration as a Kubernetes Job. Pulumi's Job await makes `pulumi up`
 * wait until the Job reports `Complete` and fail as soon as it reports
 * `Failed`, so the candidate color, the gate and the route (which all depend
 * on this component) move only after a successful run.
 *
 * A migration version runs once: the Job's Pulumi name and Kubernetes name
 * both derive from the version, so a new version is a new Job (the old one
 * is deleted after the update), and `ignoreChanges: ["spec"]` keeps a changed
 * image or command under the same version from replacing, and so re-running,
 * the Job, as on AWS. The checks of `bluegreen:migration.validate` follow as
 * Jobs of their own; the new color waits for this whole component.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KUBERNETES_ANNOTATIONS, SchemaChange } from "../contracts/markers";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";
import { MigrationJobSpec, jobSpec } from "./manifests";
import { appLabels, migrationJobName, migrationLabels } from "./names";
import { securityAnnotations } from "./podSecurity";

export interface MigrationJobArgs extends MigrationJobSpec {
  readonly namespace: pulumi.Input<string>;
}

/** Seconds Pulumi waits beyond the Job's own deadline, so the Job's `DeadlineExceeded` is what gets reported. */
const AWAIT_MARGIN_SECONDS = 60;

export class MigrationJob extends pulumi.ComponentResource {
  readonly jobName: pulumi.Output<string>;

  constructor(name: string, args: MigrationJobArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.kubernetesMigrationJob, name, {}, opts);
    const { version, timeoutSeconds } = args.migration;
    // Pulumi's Job await gives up after 10 minutes unless told otherwise.
    const awaitLimit = `${timeoutSeconds + AWAIT_MARGIN_SECONDS}s`;
    const job = new k8s.batch.v1.Job(
      childName(name, `job-${version}`),
      {
        metadata: {
          name: migrationJobName(args.app, version),
          namespace: args.namespace,
          labels: migrationLabels(args.app, version),
          annotations: {
            ...securityAnnotations(args.hardening),
            [KUBERNETES_ANNOTATIONS.schemaChange]: JSON.stringify({
              reversible: args.migration.reversible,
              breaking: args.migration.breaking,
            } satisfies SchemaChange),
          },
        },
        spec: jobSpec(args),
      },
      childOptions(this, opts.dependsOn, {
        ignoreChanges: ["spec"],
        customTimeouts: { create: awaitLimit, update: awaitLimit },
      }),
    );
    // `bluegreen:migration.validate`: one Job per check after the migration, in its pod (image, env, secrets) with the
    // check's command, in order. Named after version and check, so, like the migration, each runs once per version.
    let previous: pulumi.Resource = job;
    for (const check of args.migration.validate) {
      previous = new k8s.batch.v1.Job(
        childName(name, `check-${check.name}-${version}`),
        {
          metadata: {
            name: migrationJobName(args.app, `${version}-check-${check.name}`),
            namespace: args.namespace,
            labels: appLabels(args.app),
            annotations: securityAnnotations(args.hardening),
          },
          spec: jobSpec(args, check.command),
        },
        childOptions(this, [previous], {
          ignoreChanges: ["spec"],
          customTimeouts: { create: awaitLimit, update: awaitLimit },
        }),
      );
    }
    this.jobName = job.metadata.name;
    this.registerOutputs({ jobName: this.jobName });
  }
}
