/**
 * Marks the program puts on resources so that the plan and the policy pack
 * know what a resource is for without guessing from its name or description.
 * The pack carries a generated copy of this file.
 */

/** `purpose` input of a one-off step (OneShotCommand). */
export const STEP_PURPOSES = { snapshot: "pre-migration-snapshot", migration: "migration" } as const;
export type StepPurpose = (typeof STEP_PURPOSES)[keyof typeof STEP_PURPOSES];

/** Tag on RDS snapshots taken before a migration. */
export const PURPOSE_TAG = "bluegreen:purpose";
export const PRE_MIGRATION = "pre-migration";

/** Labels of the Kubernetes objects the platform creates. */
export const KUBERNETES_LABELS = {
  name: "app.kubernetes.io/name",
  version: "app.kubernetes.io/version",
  managedBy: "app.kubernetes.io/managed-by",
  color: "bluegreen/color",
  migration: "bluegreen/migration",
  /** On HTTPRoutes: `weighted` (user traffic, behind the gates) or `direct` (one color, where its gate probes it). */
  route: "bluegreen/route",
} as const;

export const ROUTE_KINDS = { weighted: "weighted", direct: "direct" } as const;

/** Labels of the local platform's containers. */
export const DOCKER_LABELS = { app: "bluegreen.app", color: "bluegreen.color", version: "bluegreen.version" } as const;
