/**
 * The release steps of a plan, read off the registered resources: each step
 * resource is recognised by its type and its marker (contracts), and the
 * order is the dependency graph's, so the release order is written once (in
 * BlueGreenApp) and the plan can only show what the program really wired.
 * Facts a resource does not carry (the migration's image, whether it is
 * reversible) come from the config. Pure.
 */
import type { MaintenanceSettings } from "../../components/config/releaseModes";
import type { MigrationConfig } from "../../components/config/schema";
import { COLORS, Color } from "../../components/contracts/colors";
import {
  AWS_TAGS,
  DOCKER_LABELS,
  HOTFIX,
  KUBERNETES_LABELS,
  PRE_MIGRATION,
  PURPOSE_TAG,
  ROUTE_KINDS,
  STEP_PURPOSES,
} from "../../components/contracts/markers";
import { CLOUD_TYPES, DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";

export type ReleaseStep =
  | {
      readonly kind: "snapshot";
      readonly snapshotId: string;
      readonly database?: string;
      /** The emergency snapshot of a hotfix (`bluegreen:release.hotfix`), not a pre-migration one. */
      readonly hotfix?: true;
    }
  | {
      readonly kind: "migration";
      readonly version: string;
      readonly image: string;
      readonly command: string[];
      readonly timeoutSeconds: number;
      readonly reversible: boolean;
      /** Rehearsed on a scratch copy of the database first (`migration.rehearse`). */
      readonly rehearse: boolean;
      /** Validation commands run after the rehearsal and after the real migration (`migration.validate`). */
      readonly validate: readonly { readonly name: string; readonly command: readonly string[] }[];
      /** Breaks the running version (`migration.breaking`): needs a maintenance window in production. */
      readonly breaking: boolean;
    }
  | { readonly kind: "deploy"; readonly color: Color; readonly version: string; readonly afterMigration: boolean }
  | { readonly kind: "gate"; readonly colors: Color[] }
  | { readonly kind: "routing"; readonly percent: Record<Color, number> }
  | {
      /** Users get the maintenance page from here on (`bluegreen:maintenance`); the colors keep their shares. */
      readonly kind: "maintenance";
      readonly message: string;
      /** The Retry-After header; undefined where the platform cannot send one (an ALB fixed response). */
      readonly retryAfterSeconds?: number;
      /** The page goes up only after a migration of this update: a breaking one would run before the window. */
      readonly afterMigration: boolean;
    };

/** The part of a plan resource the steps are read from. */
export interface StepSource {
  readonly key: string;
  readonly type: string;
  readonly inputs: Record<string, any>;
  /** Keys of the resources it waits for. */
  readonly dependsOn: readonly string[];
}

type Role =
  | { readonly kind: "snapshot"; readonly snapshotId: string; readonly database?: string }
  | { readonly kind: "migration" }
  | { readonly kind: "deploy"; readonly color: Color; readonly version: string }
  | { readonly kind: "gate"; readonly color: Color }
  | { readonly kind: "maintenance"; readonly retryAfter: boolean }
  | { readonly kind: "routing" };

const ROLE_ORDER: Role["kind"][] = ["snapshot", "migration", "deploy", "gate", "maintenance", "routing"];

const colorOf = (value: unknown): Color | undefined => COLORS.find((color) => color === value);
const SNAPSHOT_TAGS: readonly unknown[] = [PRE_MIGRATION, HOTFIX];

/** What a resource does in the release, if anything. */
function roleOf(r: StepSource): Role | undefined {
  const { inputs } = r;
  switch (r.type) {
    case CLOUD_TYPES.rdsSnapshot:
      return SNAPSHOT_TAGS.includes(inputs.tags?.[PURPOSE_TAG])
        ? { kind: "snapshot", snapshotId: inputs.dbSnapshotIdentifier, database: inputs.dbInstanceIdentifier }
        : undefined;
    case CLOUD_TYPES.rdsClusterSnapshot:
      return SNAPSHOT_TAGS.includes(inputs.tags?.[PURPOSE_TAG])
        ? { kind: "snapshot", snapshotId: inputs.dbClusterSnapshotIdentifier, database: inputs.dbClusterIdentifier }
        : undefined;
    case DYNAMIC_TYPES.oneShotCommand.token:
      if (inputs.purpose === STEP_PURPOSES.snapshot) return { kind: "snapshot", snapshotId: inputs.runKey };
      return inputs.purpose === STEP_PURPOSES.migration ? { kind: "migration" } : undefined;
    case DYNAMIC_TYPES.ecsMigration.token:
      return { kind: "migration" };
    case CLOUD_TYPES.job:
      return inputs.metadata?.labels?.[KUBERNETES_LABELS.migration] === undefined ? undefined : { kind: "migration" };
    case CLOUD_TYPES.ecsService:
      return deploy(inputs.tags?.color, inputs.tags?.version);
    case CLOUD_TYPES.deployment:
      return deploy(
        inputs.metadata?.labels?.[KUBERNETES_LABELS.color],
        inputs.metadata?.labels?.[KUBERNETES_LABELS.version],
      );
    case CLOUD_TYPES.dockerContainer: {
      const label = (key: string) =>
        (inputs.labels as { label: string; value: string }[] | undefined)?.find((l) => l.label === key)?.value;
      return deploy(label(DOCKER_LABELS.color), label(DOCKER_LABELS.version));
    }
    case DYNAMIC_TYPES.promotionGateCheck.token: {
      const color = colorOf(inputs.color);
      return color === undefined ? undefined : { kind: "gate", color };
    }
    case CLOUD_TYPES.listener:
      return (inputs.defaultActions ?? []).some((a: any) => (a.forward?.targetGroups?.length ?? 0) > 1)
        ? { kind: "routing" }
        : undefined;
    case CLOUD_TYPES.httpRoute: {
      const route = inputs.metadata?.labels?.[KUBERNETES_LABELS.route];
      // While it sends users to the maintenance backend, the route is the window (the weights apply once it closes).
      if (route === ROUTE_KINDS.maintenance) return { kind: "maintenance", retryAfter: true };
      return route === ROUTE_KINDS.weighted ? { kind: "routing" } : undefined;
    }
    case CLOUD_TYPES.listenerRule:
      // A fixed response cannot carry headers: no Retry-After on AWS.
      return inputs.tags?.[AWS_TAGS.route] === ROUTE_KINDS.maintenance
        ? { kind: "maintenance", retryAfter: false }
        : undefined;
    case DYNAMIC_TYPES.haproxyMaintenance.token:
      return inputs.state?.enabled === true ? { kind: "maintenance", retryAfter: true } : undefined;
    case DYNAMIC_TYPES.haproxyWeights.token:
      return { kind: "routing" };
    default:
      return undefined;
  }
}

function deploy(colorValue: unknown, version: unknown): Role | undefined {
  const color = colorOf(colorValue);
  return color === undefined ? undefined : { kind: "deploy", color, version: String(version) };
}

/** Every key `key` waits for, directly or through other resources. */
function closure(key: string, byKey: ReadonlyMap<string, StepSource>): Set<string> {
  const seen = new Set<string>();
  const queue = [...(byKey.get(key)?.dependsOn ?? [])];
  while (queue.length > 0) {
    const next = queue.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(byKey.get(next)?.dependsOn ?? []));
  }
  return seen;
}

export interface StepFacts {
  readonly migration?: MigrationConfig;
  /** The routing's shares. */
  readonly percent: Record<Color, number>;
  /** `bluegreen:maintenance`: the window's message and Retry-After. @default none (no window step) */
  readonly maintenance?: Pick<MaintenanceSettings, "message" | "retryAfterSeconds">;
  /** The emergency snapshot of a hotfix (the `hotfix` stack output), shown as such. @default none */
  readonly hotfixSnapshotId?: string;
}

/**
 * The steps in dependency order: a step comes after every step it waits for;
 * among steps free to go, the release's own order (snapshot, migration,
 * deploy, gate, routing; blue before green) decides. Gates are shown as one
 * step, since they run side by side.
 */
export function releaseSteps(resources: readonly StepSource[], facts: StepFacts): ReleaseStep[] {
  const byKey = new Map(resources.map((r) => [r.key, r]));
  const roles = resources.flatMap((r) => {
    const role = roleOf(r);
    return role === undefined ? [] : [{ key: r.key, role, waitsFor: closure(r.key, byKey) }];
  });
  const rank = (entry: (typeof roles)[number]) =>
    ROLE_ORDER.indexOf(entry.role.kind) * 2 + ("color" in entry.role ? COLORS.indexOf(entry.role.color) : 0);
  const migrationKeys = new Set(roles.filter((e) => e.role.kind === "migration").map((e) => e.key));
  const ordered: typeof roles = [];
  const pending = [...roles];
  while (pending.length > 0) {
    const ready = pending.filter((e) => !pending.some((other) => other !== e && e.waitsFor.has(other.key)));
    // A cycle cannot be registered; should one appear, the release order alone decides.
    const next = (ready.length > 0 ? ready : pending).reduce((best, e) => (rank(e) < rank(best) ? e : best));
    ordered.push(next);
    pending.splice(pending.indexOf(next), 1);
  }

  const steps: ReleaseStep[] = [];
  for (const { role, waitsFor } of ordered) {
    switch (role.kind) {
      case "snapshot":
        steps.push({
          kind: "snapshot",
          snapshotId: role.snapshotId,
          ...(role.database === undefined ? {} : { database: role.database }),
          ...(role.snapshotId === facts.hotfixSnapshotId ? { hotfix: true as const } : {}),
        });
        break;
      case "migration":
        if (facts.migration && !steps.some((s) => s.kind === "migration")) {
          const { version, image, command, timeoutSeconds, reversible, rehearse, validate, breaking } = facts.migration;
          steps.push({
            kind: "migration",
            version,
            image,
            command,
            timeoutSeconds,
            reversible,
            rehearse,
            validate,
            breaking,
          });
        }
        break;
      case "deploy":
        steps.push({
          kind: "deploy",
          color: role.color,
          version: role.version,
          afterMigration: [...migrationKeys].some((k) => waitsFor.has(k)),
        });
        break;
      case "gate": {
        const last = steps.at(-1);
        if (last?.kind === "gate") last.colors.push(role.color);
        else steps.push({ kind: "gate", colors: [role.color] });
        break;
      }
      case "maintenance":
        if (facts.maintenance && !steps.some((s) => s.kind === "maintenance")) {
          steps.push({
            kind: "maintenance",
            message: facts.maintenance.message,
            ...(role.retryAfter ? { retryAfterSeconds: facts.maintenance.retryAfterSeconds } : {}),
            afterMigration: [...migrationKeys].some((k) => waitsFor.has(k)),
          });
        }
        break;
      case "routing":
        steps.push({ kind: "routing", percent: { ...facts.percent } });
        break;
    }
  }
  return steps;
}
