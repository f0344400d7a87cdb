/**
 * The release settings every library component takes: the stack config's
 * sections with the same field names (`traffic.green` here is
 * `bluegreen:traffic.green` in a stack file), validated by the same schema and
 * rules at construction. Plain interfaces of strings, numbers, booleans,
 * arrays and maps only: the component provider reads them from this source to
 * build the multi-language schema.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The service. */
export interface AppArgs {
  /** 1-16 characters: lowercase letters, digits and '-', starting with a letter; prefixes every child's name. */
  readonly name: string;
  /** Port the container listens on. @default 8080 */
  readonly port?: number;
  /** Path the load balancer and the gate probe. @default "/healthz" */
  readonly healthPath?: string;
}

/** One color (blue or green): the release it runs. */
export interface ColorArgs {
  /** Exact semver of the release (1.4.2, 1.5.0-rc.1). */
  readonly version: string;
  /** Container image, pinned to a tag or digest. */
  readonly image: string;
  /** Tasks / replicas; 0 scales an idle color down. @default 2 */
  readonly desiredCount?: number;
  /** CPU units of an ECS task. @default 256 */
  readonly cpu?: number;
  /** Memory (MiB) of an ECS task. @default 512 */
  readonly memory?: number;
  /** Plain environment variables; secrets belong in `secrets`. @default {} */
  readonly env?: { [name: string]: string };
  /** Secret references by variable name: Secrets Manager / SSM ARNs, or `secret/key` on Kubernetes. @default {} */
  readonly secrets?: { [name: string]: string };
  /** The container's root filesystem is read-only. @default true */
  readonly readOnlyRootFilesystem?: boolean;
  /** Numeric uid[:gid] the container runs as. @default "10001" */
  readonly user?: string;
  /** Why this color relaxes a secure default: required when it does. @default none */
  readonly securityException?: string;
}

/** The split between the colors. */
export interface TrafficArgs {
  /** Relative weight of blue, 0 to 999. */
  readonly blue: number;
  /** Relative weight of green, 0 to 999. */
  readonly green: number;
  /** Declares that moving traffic to an older version is intended. @default false */
  readonly rollback?: boolean;
  /** Sticky sessions in seconds, 0 = off. @default 0 */
  readonly stickinessSeconds?: number;
}

/** A check run in the migration image after the migration. */
export interface MigrationCheckArgs {
  /** Short name: lowercase letters, digits, '-'. */
  readonly name: string;
  /** The command, as a list. */
  readonly command: string[];
}

/** A database migration, run once per version after a snapshot. */
export interface MigrationArgs {
  /** Migration id; a new value is a new snapshot and a new run. */
  readonly version: string;
  /** Image the migration runs in. */
  readonly image: string;
  /** The command, as a list (e.g. ["npm", "run", "migrate"]). */
  readonly command: string[];
  /** Time allowed for the run. @default 900 */
  readonly timeoutSeconds?: number;
  /** Expand-only: old code still works on the new schema. @default false */
  readonly reversible?: boolean;
  /** Rehearse on a copy restored from the snapshot first. @default false */
  readonly rehearse?: boolean;
  /** Checks run after the rehearsal and the real run. @default [] */
  readonly validate?: MigrationCheckArgs[];
  /** Old code cannot run on the new schema (production needs the maintenance page on). @default false */
  readonly breaking?: boolean;
  /** `lock_timeout` of every session of the migration and its checks: it gives up rather than queue the app's queries. @default 5 */
  readonly lockTimeoutSeconds?: number;
  /** `statement_timeout` of those sessions; 0 for none. @default timeoutSeconds */
  readonly statementTimeoutSeconds?: number;
  /** A failed run applied nothing (one transaction): a lock timeout is then run again. @default false */
  readonly transactional?: boolean;
  /** How many more runs a transactional migration gets after a lock timeout (after 5, 10, 20, 40, 60 s). @default 3 */
  readonly lockRetries?: number;
}

/** Extra URLs the gate probes per color. */
export interface GateTargetsArgs {
  /** @default [] */
  readonly blue?: string[];
  /** @default [] */
  readonly green?: string[];
}

/** A JSON value the healthy answer carries at a dot path. */
export interface GateJsonBodyArgs {
  /** Dot path such as "status" or "checks.db". */
  readonly path: string;
  /** The expected value. */
  readonly equals: string;
}

/** A body check: give `json` or `contains`, not both. */
export interface GateBodyArgs {
  /** @default none */
  readonly json?: GateJsonBodyArgs;
  /** A substring of the healthy answer. @default none */
  readonly contains?: string;
}

/** An error-rate check against Prometheus, run once the probes pass. */
export interface GatePrometheusArgs {
  /** Prometheus base URL. */
  readonly url: string;
  /** PromQL query giving the error rate. */
  readonly query: string;
  /** Highest accepted ratio, 0 to 1. */
  readonly maxErrorRate: number;
}

/** The promotion gate (docs/gate.md). */
export interface GateArgs {
  /** @default {} */
  readonly targets?: GateTargetsArgs;
  /** HTTP statuses that count as healthy. @default [200] */
  readonly expectedStatus?: number[];
  /** @default none (status only) */
  readonly body?: GateBodyArgs;
  /** @default 2000 */
  readonly requestTimeoutMs?: number;
  /** @default 1000 */
  readonly intervalMs?: number;
  /** @default 3 */
  readonly consecutiveSuccesses?: number;
  /** @default 3 */
  readonly failureThreshold?: number;
  /** @default 750 */
  readonly p95LatencyMs?: number;
  /** @default 120 */
  readonly deadlineSeconds?: number;
  /** Percentage points a color may gain per update. @default 100, 25 in production */
  readonly maxStep?: number;
  /** Lets one update exceed maxStep. @default false */
  readonly allowLargeStep?: boolean;
  /** @default none */
  readonly prometheus?: GatePrometheusArgs;
}

/** Users get a maintenance page (503) instead of the app. */
export interface MaintenanceArgs {
  /** @default false */
  readonly enabled?: boolean;
  /** The page's text. @default "We are upgrading the service. Please try again in a few minutes." */
  readonly message?: string;
  /** @default 300 */
  readonly retryAfterSeconds?: number;
}

/** A hotfix release. */
export interface HotfixArgs {
  /** Why this is a hotfix (at least 10 characters). */
  readonly reason: string;
}

/** How this release is run. */
export interface ReleaseModeArgs {
  /** @default none (a regular release) */
  readonly hotfix?: HotfixArgs;
}

/** The RDS instance or Aurora cluster snapshotted before each migration. */
export interface DatabaseArgs {
  /** `existing` (snapshot one the component does not own) or `create` (aws only). */
  readonly mode: string;
  /** RDS identifier. */
  readonly identifier: string;
  /** `instance` or `aurora-cluster`. @default "instance" */
  readonly kind?: string;
  /** `postgres` or `mysql`. @default "postgres" */
  readonly engine?: string;
  /** @default the engine's default */
  readonly engineVersion?: string;
  /** @default "db.t4g.medium" */
  readonly instanceClass?: string;
  /** @default 20 */
  readonly allocatedStorageGb?: number;
  /** @default 7 */
  readonly backupRetentionDays?: number;
  /** @default true in production */
  readonly deletionProtection?: boolean;
  /** A snapshot to restore into a new instance. @default none */
  readonly restoreFromSnapshot?: string;
}

/** What every component takes, whatever runs it. */
export interface ReleaseArgs {
  /** `development`, `staging` or `production`. @default "development" */
  readonly environment?: string;
  /** The app: its name (prefix of every child's name), port and health path. */
  readonly app: AppArgs;
  /** The blue color: its version, image and runtime settings. */
  readonly blue: ColorArgs;
  /** The green color: its version, image and runtime settings. */
  readonly green: ColorArgs;
  /** Relative weights of the colors; a change that gives the newer version more traffic is gated. */
  readonly traffic: TrafficArgs;
  /** The schema migration run (after a snapshot) before the new color gets traffic. @default none */
  readonly migration?: MigrationArgs;
  /** How the promotion gate probes a color before it gains traffic. @default the gate's defaults */
  readonly gate?: GateArgs;
  /** Request headers of the gate's probes (credentials): kept secret. @default none */
  readonly gateHeaders?: pulumi.Input<{ [name: string]: pulumi.Input<string> }>;
  /** The maintenance page served instead of the app (a breaking migration in production needs it). @default off */
  readonly maintenance?: MaintenanceArgs;
  /** How this release is run (a hotfix). @default a regular release */
  readonly release?: ReleaseModeArgs;
}
