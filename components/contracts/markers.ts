/**
 * Marks the program puts on resources so that the plan and the policy pack
 * know what a resource is for without guessing from its name or description.
 * The pack carries a generated copy of this file.
 */

/** `purpose` input of a one-off step (OneShotCommand). */
export const STEP_PURPOSES = {
  snapshot: "pre-migration-snapshot",
  migration: "migration",
  /** The migration and its checks on a scratch copy restored from the snapshot (`bluegreen:migration.rehearse`). */
  rehearsal: "migration-rehearsal",
  /** `bluegreen:migration.validate` after the real migration. */
  validation: "migration-validation",
} as const;
export type StepPurpose = (typeof STEP_PURPOSES)[keyof typeof STEP_PURPOSES];

/**
 * What a migration run declares about its schema change, copied from
 * `bluegreen:migration.reversible` and `.breaking`: the `schemaChange` input
 * of the ECS and local migration runs, the `schemaChange` annotation (JSON) of
 * the Kubernetes migration Job. The pack checks that the two agree.
 */
export interface SchemaChange {
  readonly reversible: boolean;
  readonly breaking: boolean;
}

/** Tag on RDS snapshots: `pre-migration` (taken before a migration) or `hotfix` (the emergency snapshot of a hotfix). */
export const PURPOSE_TAG = "bluegreen:purpose";
export const PRE_MIGRATION = "pre-migration";
export const HOTFIX = "hotfix";
/** Why a database snapshot is taken: it names the snapshot's step and tags it. */
export type SnapshotPurpose = typeof PRE_MIGRATION | typeof HOTFIX;

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

/**
 * Annotations of the Kubernetes workloads. `securityException` carries
 * `bluegreen:<color>.securityException` (the stated reason a color relaxes a
 * secure default), so the pack accepts exactly the relaxation the stack file
 * justifies.
 */
export const KUBERNETES_ANNOTATIONS = {
  securityException: "bluegreen/security-exception",
  /** On the migration Job: its {@link SchemaChange} as JSON. */
  schemaChange: "bluegreen/schema-change",
} as const;

/**
 * What a route is for: `weighted` carries user traffic (behind the gates),
 * `direct` reaches one color alone (where its gate probes it, so it exists
 * before the gate by design), `redirect` only redirects (HTTP to HTTPS),
 * `maintenance` answers users with the maintenance page
 * (`bluegreen:maintenance`) and sends them to no color: an ALB listener rule
 * with a fixed response, or the HTTPRoute while it sends users to the
 * maintenance backend (a Service marked `maintenance` too).
 */
export const ROUTE_KINDS = {
  weighted: "weighted",
  direct: "direct",
  redirect: "redirect",
  maintenance: "maintenance",
} as const;
export type RouteKind = (typeof ROUTE_KINDS)[keyof typeof ROUTE_KINDS];

/**
 * Tags on the AWS resources the program creates. `app` marks what belongs to
 * the app (the pack judges only those, so a larger program's own listeners
 * and target groups are never flagged); `route` says what a listener or
 * listener rule is for; `testPorts` on the load balancer lists the per-color
 * test listener ports ("8081,8082") (on a user's load balancer, which the app
 * does not tag, the app's user-facing listener or rule there carries it);
 * `securityException` carries the stated
 * reason (`bluegreen:<color>.securityException`,
 * `bluegreen:listener.securityException`) on a resource that relaxes a secure
 * default, so the pack accepts exactly the relaxation the stack file justifies.
 */
export const AWS_TAGS = {
  app: "bluegreen:app",
  /** On a color's target group, task definition and service: the color (the pack checks it against the gate that waits for it). */
  color: "color",
  route: "bluegreen:route",
  testPorts: "bluegreen:test-ports",
  securityException: "bluegreen:security-exception",
  /**
   * On an ECS service: the parts it uses that the user handed in rather than the app created (`cluster`), so the
   * pack tells a user's cluster from one of the app's that was registered outside its components.
   */
  handedIn: "bluegreen:handed-in",
  /**
   * On what a migration rehearsal creates at run time (the RDS copy, with `bluegreen:purpose` and `app`): the
   * Pulumi `<project>/<stack>` and the migration version, so its clean-up deletes only this stack's copies.
   */
  stack: "bluegreen:stack",
  migration: "bluegreen:migration-version",
} as const;

/**
 * Labels of the local platform's containers (and of the networks its
 * rehearsal creates): `purpose`, `stack` and `migration` mark what a
 * rehearsal starts, so its clean-up removes only what carries them.
 */
export const DOCKER_LABELS = {
  app: "bluegreen.app",
  color: "bluegreen.color",
  version: "bluegreen.version",
  purpose: "bluegreen.purpose",
  stack: "bluegreen.stack",
  migration: "bluegreen.migration",
} as const;
