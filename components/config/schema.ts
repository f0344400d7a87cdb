/**
 * The platform-neutral part of the stack config: the app, its two colors,
 * the traffic split, the migration, the gate and the environment. Each
 * platform adds its own keys (see components/platforms.ts); this module knows
 * none of them.
 */
import { z } from "zod";
import { MAX_TRAFFIC_WEIGHT } from "../contracts/limits";
import { parseVersion } from "../contracts/versions";
import { DEFAULT_LOCK_TIMEOUT_SECONDS } from "../migrationSessions";
import { gateSettingsSchema } from "../gate/settings";
import { crossField } from "./crossField";
import { maintenanceSchema, releaseModeSchema } from "./releaseModes";
import { notifySettingsSchema, watchSettingsSchema } from "./watch";

export const ENVIRONMENTS = ["development", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Percentage points a color may gain per update in production unless `bluegreen:gate.maxStep` says otherwise. */
export const PRODUCTION_MAX_STEP = 25;

// Build metadata (1.10.3+build.7) is accepted and, as semver says, never orders versions.
const semverString = z.string().refine((v) => parseVersion(v) !== undefined, {
  message: "must be an exact semver version such as 1.4.2, 1.5.0-rc.1 or 1.10.3+build.7 (no range, no leading 'v')",
});

/** A non-root uid no base image maps to a named user, so it owns nothing in the image. */
export const DEFAULT_USER = "10001";

const appSchema = z
  .object({
    // Short because AWS target group and ALB names allow 32 characters.
    name: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{0,15}$/,
        "must be 1-16 characters: lowercase letters, digits and '-', starting with a letter",
      ),
    port: z.number().int().min(1).max(65535).default(8080),
    healthPath: z.string().startsWith("/", "must start with '/' (for example /healthz)").default("/healthz"),
  })
  .strict();

const colorSchema = z
  .object({
    version: semverString,
    image: z.string().min(1, "must name the container image, pinned to a tag or digest"),
    /** Tasks / replicas; 0 scales an idle color down (it can then not receive traffic). */
    desiredCount: z.number().int().min(0).max(1000).default(2),
    cpu: z.number().int().positive().default(256),
    memory: z.number().int().positive().default(512),
    /** Plain environment variables; secrets belong in `secrets` (ARNs / secret refs), never here. */
    env: z.record(z.string(), z.string()).default({}),
    /** Secret references by variable name: AWS Secrets Manager / SSM ARNs, or `secret/key` on Kubernetes. */
    secrets: z.record(z.string(), z.string()).default({}),
    /** The container's root filesystem is read-only (the platforms mount a writable /tmp). @default true */
    readOnlyRootFilesystem: z.boolean().default(true),
    /** The numeric uid[:gid] the container runs as; 0 is root. @default "10001" */
    user: z
      .string()
      .regex(/^\d{1,10}(:\d{1,10})?$/, 'must be a numeric uid or uid:gid such as "10001" or "10001:10001"')
      .default(DEFAULT_USER),
    /** Why this color relaxes a secure default (a writable root filesystem, the root user): required when it does. */
    securityException: z
      .string()
      .refine((reason) => reason.trim().length > 0, "must say why the image needs the relaxed default, not be blank")
      .optional(),
  })
  .strict();

const weight = z
  .number()
  .int("must be a whole number")
  .min(0, `must be from 0 to ${MAX_TRAFFIC_WEIGHT}`)
  .max(MAX_TRAFFIC_WEIGHT, `must be from 0 to ${MAX_TRAFFIC_WEIGHT} (the ALB limit per target group)`);

const trafficSchema = z
  .object({
    blue: weight,
    green: weight,
    /** Declares that moving traffic to an older version is intended. */
    rollback: z.boolean().default(false),
    /** Sticky sessions keep a user on one color during a shift; seconds, 0 = off. */
    stickinessSeconds: z.number().int().min(0).max(604_800).default(0),
  })
  .strict()
  .refine((t) => t.blue + t.green > 0, {
    ...crossField(["blue", "green"]),
    message: "at least one color needs a weight above 0, or no request can be served",
    path: ["green"],
  });

const migrationSchema = z
  .object({
    /** Migration id (e.g. 2026-11-20-orders or 42); a new value = new snapshot + new run. */
    version: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "must be 1-63 characters: letters, digits, '.', '_' or '-'"),
    image: z.string().min(1),
    command: z.array(z.string()).min(1, 'must give the migration command as a list, e.g. ["npm", "run", "migrate"]'),
    timeoutSeconds: z.number().int().min(10).max(86_400).default(900),
    /** Expand-only (old code still works on the new schema) counts as reversible. @default false */
    reversible: z.boolean().default(false),
    /**
     * Run the migration and its validation first on a scratch copy restored from the pre-migration
     * snapshot; the real run only if both pass. Required in production for an irreversible migration. @default false
     */
    rehearse: z.boolean().default(false),
    /** Checks run in the migration image after the rehearsal and after the real run; exit 0 passes. @default [] */
    validate: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, "must be a short name: lowercase letters, digits, '-'"),
            command: z.array(z.string()).min(1, 'must give the command as a list, e.g. ["npm", "run", "check"]'),
          })
          .strict(),
      )
      .default([]),
    /** Old code cannot run on the new schema: in production it needs bluegreen:maintenance.enabled on since an earlier update. @default false */
    breaking: z.boolean().default(false),
    /**
     * Longest any statement of the migration waits for a lock (Postgres `lock_timeout`), in seconds, fractions
     * allowed: a schema change waiting for a lock makes every later query on its table wait behind it, so the
     * migration gives up instead and the app's queries wait at most this long (components/migrationSessions.ts).
     * @default 5
     */
    lockTimeoutSeconds: z
      .number()
      .min(0.1, "must be at least 0.1 (100 ms): a migration never waits for a lock without limit")
      .max(300, "must be at most 300: the app's queries on the table wait as long as the migration does")
      .optional(),
    /**
     * Longest one statement of the migration may run (Postgres `statement_timeout`), in whole seconds; 0: no limit.
     * @default timeoutSeconds: never stops a statement the run's own limit would have let finish, and ends on the
     * server a statement whose client the platform stopped at that limit
     */
    statementTimeoutSeconds: z.number().int().min(0).max(86_400).optional(),
    /**
     * A failed run applies nothing: the migration runs in one transaction (`psql --single-transaction`, or
     * BEGIN ... COMMIT with ON_ERROR_STOP), or its tool commits each step together with its record of it. Then a
     * lock timeout is run again (lockRetries); otherwise a run is never repeated blindly. @default false
     */
    transactional: z.boolean().optional(),
    /**
     * How many more times a transactional migration runs after a lock timeout, pausing 5, 10, 20, 40, then 60 s.
     * @default 3 when transactional
     */
    lockRetries: z.number().int().min(0).max(10).optional(),
  })
  .strict()
  .refine((m) => m.statementTimeoutSeconds === undefined || m.statementTimeoutSeconds <= m.timeoutSeconds, {
    ...crossField(["statementTimeoutSeconds", "timeoutSeconds"]),
    path: ["statementTimeoutSeconds"],
    error: (issue: { input?: unknown }) => {
      const m = issue.input as { statementTimeoutSeconds: number; timeoutSeconds: number };
      return `is ${m.statementTimeoutSeconds} s, longer than timeoutSeconds (${m.timeoutSeconds} s): the run is stopped at ${m.timeoutSeconds} s, so no statement reaches that limit; lower it or raise timeoutSeconds`;
    },
  })
  .refine((m) => (m.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS) < statementLimit(m), {
    ...crossField(["lockTimeoutSeconds", "statementTimeoutSeconds", "timeoutSeconds"]),
    path: ["lockTimeoutSeconds"],
    error: (issue: { input?: unknown }) => {
      const m = issue.input as {
        lockTimeoutSeconds?: number;
        statementTimeoutSeconds?: number;
        timeoutSeconds: number;
      };
      const limit =
        m.statementTimeoutSeconds === undefined || m.statementTimeoutSeconds === 0
          ? `timeoutSeconds (${m.timeoutSeconds} s)`
          : `statementTimeoutSeconds (${m.statementTimeoutSeconds} s)`;
      return `is ${m.lockTimeoutSeconds === undefined ? `${DEFAULT_LOCK_TIMEOUT_SECONDS} s (the default)` : `${m.lockTimeoutSeconds} s`}, not below ${limit}: a wait for a lock would end as a statement timeout or the run's, which is never run again; lower it`;
    },
  })
  .refine((m) => (m.lockRetries ?? 0) === 0 || m.transactional === true, {
    ...crossField(["lockRetries", "transactional"]),
    path: ["lockRetries"],
    error: (issue: { input?: unknown }) =>
      `is ${(issue.input as { lockRetries: number }).lockRetries}, but the migration is not declared transactional: a run that gave up on a lock may have applied part of it, ` +
      "and running it again could apply that part twice; set `transactional: true` if a failed run applies nothing, or remove lockRetries",
  });

/** The longest a statement of the migration may run: statementTimeoutSeconds, or the run's own limit when it is unset or 0. */
function statementLimit(m: { statementTimeoutSeconds?: number; timeoutSeconds: number }): number {
  return m.statementTimeoutSeconds === undefined || m.statementTimeoutSeconds === 0
    ? m.timeoutSeconds
    : m.statementTimeoutSeconds;
}

/** The neutral keys, `bluegreen:<key>`; platforms.ts adds `platform` and each platform's own keys. */
export const coreConfigShape = {
  environment: z.enum(ENVIRONMENTS).default("development"),
  app: appSchema,
  blue: colorSchema,
  green: colorSchema,
  traffic: trafficSchema,
  migration: migrationSchema.optional(),
  gate: gateSettingsSchema.default(gateSettingsSchema.parse({})),
  /** Request headers for the gate's probes; set with `pulumi config set --secret`. */
  gateHeaders: z.record(z.string(), z.string()).optional(),
  /** Thresholds `npm run shift`/`watch` judge a holding release by (config/watch.ts). */
  watch: watchSettingsSchema.prefault({}),
  /** Webhooks for release events; the URLs are secrets (config/watch.ts). */
  notify: notifySettingsSchema.prefault({}),
  /** Users get a maintenance page instead of the app (config/releaseModes.ts). */
  maintenance: maintenanceSchema.prefault({}),
  /** How this release is run: a hotfix (config/releaseModes.ts). */
  release: releaseModeSchema.prefault({}),
};

export type CoreConfig = z.infer<z.ZodObject<typeof coreConfigShape>>;
export type ColorConfig = z.infer<typeof colorSchema>;
export type TrafficConfig = z.infer<typeof trafficSchema>;
export type MigrationConfig = z.infer<typeof migrationSchema>;

/** Defaults that depend on `bluegreen:environment`: production moves traffic in smaller steps. */
export function withEnvironmentDefaults<T extends CoreConfig>(config: T, decoded: Record<string, unknown>): T {
  const gate = decoded.gate as { maxStep?: unknown } | undefined;
  if (config.environment !== "production" || gate?.maxStep !== undefined) return config;
  return { ...config, gate: { ...config.gate, maxStep: PRODUCTION_MAX_STEP } };
}
