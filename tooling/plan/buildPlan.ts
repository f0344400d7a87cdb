/**
 * The offline plan as data: what a `pulumi up` of a stack would register,
 * reduced to what a reviewer reads (traffic, gate, release steps, resources
 * by component, policy violations) and made machine-independent so the same
 * input always gives the same plan file. Pure: the program run and the
 * policy verdicts come in as arguments.
 */
import { createHash } from "node:crypto";
import { readStackOutputs } from "../../components/contracts/outputs";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import type { BlueGreenConfig } from "../../components/platforms";
import type { GateSettings } from "../../components/gate/settings";
import { Color, COLORS } from "../../components/contracts/colors";
import { releaseView } from "../../components/release";
import type { ProgramRun, RegisteredResource } from "../engine/offlineProgram";
import type { PolicyViolation } from "../policy/protocol";
import { ReleaseStep, releaseSteps } from "./releaseSteps";

/** Bumped when the plan file's shape changes, so `--diff` refuses to compare apples and oranges. */
export const PLAN_FORMAT = 2;

export const SECRET_TEXT = "[secret]";
export const UNKNOWN_TEXT = "(known after up)";

// Markers of the engine's wire format (see @pulumi/pulumi runtime/rpc).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface PlanResource {
  /** The URN without stack and project (`<parent types>$<type>::<name>`): the same resource has the same key in every stack. */
  readonly key: string;
  readonly type: string;
  readonly name: string;
  /** Key of the parent; "" for a resource directly under the stack. */
  readonly parent: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  /** Keys of the resources it waits for, sorted. */
  readonly dependsOn: string[];
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
}

export interface ColorPlan {
  readonly version: string;
  /** The pinned image: a new image under the same version is new code to the gate. */
  readonly image: string;
  readonly weight: number;
  readonly percent: number;
  /** candidate: runs the newer version; stable: the one to fall back to; same: both run one version. */
  readonly role: "candidate" | "stable" | "same";
}

export interface GatePlan {
  readonly color: Color;
  readonly weight: number;
  readonly totalWeight: number;
  /** URLs the gate probes for this color (platform URL plus gate.targets). */
  readonly targets: string[];
}

export interface Plan {
  readonly format: number;
  readonly stack: string;
  readonly project: string;
  readonly platform: string;
  readonly environment: string;
  readonly app: string;
  readonly traffic: {
    readonly colors: Record<Color, ColorPlan>;
    readonly primary: Color;
    readonly total: number;
    readonly rollback: boolean;
    readonly stickinessSeconds: number;
  };
  readonly gate: { readonly settings: GateSettings; readonly colors: GatePlan[] };
  /** The restore snapshot (`bluegreen:database.restoreFromSnapshot`): it lets traffic back past an irreversible migration. */
  readonly restoreSnapshot?: string;
  /** HOTFIX (`bluegreen:release.hotfix`): its reason and emergency snapshot, as the stack outputs show them. */
  readonly hotfix?: { readonly reason: string; readonly snapshotId: string };
  /** In the order the release runs them. */
  readonly steps: ReleaseStep[];
  /** Config keys set as secrets: listed, never shown. */
  readonly secretKeys: string[];
  readonly outputs: Record<string, unknown>;
  /** Sorted by key. */
  readonly resources: PlanResource[];
  /** Sorted by enforcement level, policy, resource. */
  readonly violations: PolicyViolation[];
}

export interface PlanInput {
  readonly run: ProgramRun;
  readonly config: BlueGreenConfig;
  readonly violations: readonly PolicyViolation[];
  /** Replaced by `<project>` wherever it appears, so plans do not depend on the checkout's location. */
  readonly projectDir: string;
}

export function buildPlan(input: PlanInput): Plan {
  const { run, config } = input;
  const clean = (value: unknown) => sanitize(value, input.projectDir);
  const resources = run.resources.map((r) => planResource(r, clean)).sort((a, b) => compare(a.key, b.key));
  const outputs = clean(run.outputs) as Record<string, unknown>;
  const { trafficPercent: percent, primaryColor, hotfix } = readStackOutputs(run.stack, outputs);
  const release = releaseView(config);
  const colors = Object.fromEntries(
    COLORS.map((color) => [
      color,
      {
        version: config[color].version,
        image: config[color].image,
        weight: config.traffic[color],
        percent: percent[color],
        role: release.candidate === undefined ? "same" : release.candidate === color ? "candidate" : "stable",
      },
    ]),
  ) as Record<Color, ColorPlan>;

  return {
    format: PLAN_FORMAT,
    stack: run.stack,
    project: run.config.project,
    platform: config.platform,
    environment: config.environment,
    app: config.app.name,
    traffic: {
      colors,
      primary: primaryColor,
      total: config.traffic.blue + config.traffic.green,
      rollback: config.traffic.rollback,
      stickinessSeconds: config.traffic.stickinessSeconds,
    },
    gate: { settings: config.gate, colors: gatePlans(resources) },
    steps: releaseSteps(resources, {
      migration: config.migration,
      percent: { blue: colors.blue.percent, green: colors.green.percent },
      ...(hotfix ? { hotfixSnapshotId: hotfix.snapshotId } : {}),
      ...(config.maintenance.enabled ? { maintenance: config.maintenance } : {}),
    }),
    ...(hotfix ? { hotfix } : {}),
    ...(config.database?.restoreFromSnapshot === undefined
      ? {}
      : { restoreSnapshot: config.database.restoreFromSnapshot }),
    secretKeys: [...run.config.secretKeys].sort(),
    outputs,
    resources,
    violations: [...input.violations].map((v) => clean(v) as PolicyViolation).sort(compareViolations),
  };
}

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>` → `<qualified type>::<name>`. */
export function resourceKey(urn: string): string {
  return urn === "" ? "" : urn.split("::").slice(2).join("::");
}

function planResource(r: RegisteredResource, clean: (value: unknown) => unknown): PlanResource {
  const { __provider: provider, ...inputs } = r.inputs;
  const cleaned = clean(inputs) as Record<string, unknown>;
  return {
    key: resourceKey(r.urn),
    type: r.type,
    name: r.name,
    parent: stackChild(r.parent) ? "" : resourceKey(r.parent),
    custom: r.custom,
    // A dynamic provider's code is shown by digest: its text is long, and a change to it is still a change.
    inputs:
      typeof provider === "string"
        ? { ...cleaned, __provider: `sha256:${digest(clean(provider) as string)}` }
        : cleaned,
    dependsOn: [...new Set(r.dependencies.map(resourceKey))].sort(),
    protect: r.protect,
    retainOnDelete: r.retainOnDelete,
  };
}

function stackChild(parentUrn: string): boolean {
  return parentUrn === "" || parentUrn.includes("::pulumi:pulumi:Stack::");
}

function gatePlans(resources: readonly PlanResource[]): GatePlan[] {
  return resources
    .filter((r) => r.type === DYNAMIC_TYPES.promotionGateCheck.token)
    .map((r) => ({
      color: r.inputs.color as Color,
      weight: r.inputs.weight as number,
      totalWeight: r.inputs.totalWeight as number,
      targets: (r.inputs.targets as string[] | undefined) ?? [],
    }))
    .sort((a, b) => COLORS.indexOf(a.color) - COLORS.indexOf(b.color));
}

/** Secrets and unknowns become readable markers; the project directory becomes `<project>`. */
export function sanitize(value: unknown, projectDir: string): unknown {
  if (typeof value === "string") {
    if (value === UNKNOWN_VALUE) return UNKNOWN_TEXT;
    return value.split(projectDir).join("<project>");
  }
  if (Array.isArray(value)) return value.map((item) => sanitize(item, projectDir));
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return SECRET_TEXT;
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, sanitize(item, projectDir)]));
  }
  return value;
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

const LEVELS = ["mandatory", "remediate", "advisory", "disabled"];

function compareViolations(a: PolicyViolation, b: PolicyViolation): number {
  return (
    LEVELS.indexOf(a.enforcementLevel) - LEVELS.indexOf(b.enforcementLevel) ||
    compare(a.policyName, b.policyName) ||
    compare(a.urn ?? "", b.urn ?? "") ||
    compare(a.message, b.message)
  );
}

/** Code-point order: locale-independent, so plans sort the same on every machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
