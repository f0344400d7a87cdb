/**
 * What a config change alters, resource by resource and property by
 * property, computed from two plan files. Resources are matched by their
 * stack-independent key, so the same resource in two plans is compared even
 * when ids or the stack differ.
 */
import type { Plan, PlanResource } from "./buildPlan";
import { compare, PLAN_FORMAT } from "./buildPlan";

export interface PropertyChange {
  /** `defaultActions[0].forward.targetGroups[1].weight`; options are prefixed `options.`. */
  readonly path: string;
  /** Absent when the property is new. */
  readonly from?: unknown;
  /** Absent when the property is gone. */
  readonly to?: unknown;
}

export interface ResourceChange {
  readonly key: string;
  readonly type: string;
  readonly name: string;
  readonly change: "create" | "delete" | "update";
  /** Only for updates. */
  readonly properties: PropertyChange[];
}

export interface PlanDiff {
  readonly resources: ResourceChange[];
  readonly unchanged: number;
  readonly outputs: PropertyChange[];
  readonly violations: { readonly added: string[]; readonly removed: string[] };
}

/** Plans of another format cannot be compared field by field: refused, saying how to re-create one. */
export function assertPlanFormat(plan: Plan, which: "old" | "new"): void {
  if (plan.format !== PLAN_FORMAT) {
    throw new Error(
      `the ${which} plan has format ${String(plan.format)}, this tool writes format ${PLAN_FORMAT}; re-create it with \`npm run plan -- <stack> --json <file>\``,
    );
  }
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
  assertPlanFormat(before, "old");
  assertPlanFormat(after, "new");
  const old = new Map(before.resources.map((r) => [r.key, r]));
  const next = new Map(after.resources.map((r) => [r.key, r]));
  const keys = [...new Set([...old.keys(), ...next.keys()])].sort(compare);
  const resources: ResourceChange[] = [];
  for (const key of keys) {
    const a = old.get(key);
    const b = next.get(key);
    if (a === undefined) resources.push({ key, type: b!.type, name: b!.name, change: "create", properties: [] });
    else if (b === undefined) resources.push({ key, type: a.type, name: a.name, change: "delete", properties: [] });
    else {
      const properties = diffValues(comparable(a), comparable(b), "");
      if (properties.length > 0) resources.push({ key, type: b.type, name: b.name, change: "update", properties });
    }
  }
  const describe = (v: Plan["violations"][number]) => `[${v.enforcementLevel}] ${v.policyName}: ${v.message}`;
  const oldViolations = new Set(before.violations.map(describe));
  const newViolations = new Set(after.violations.map(describe));
  return {
    resources,
    unchanged: keys.length - resources.length,
    outputs: diffValues(before.outputs, after.outputs, ""),
    violations: {
      added: [...newViolations].filter((v) => !oldViolations.has(v)),
      removed: [...oldViolations].filter((v) => !newViolations.has(v)),
    },
  };
}

function comparable(r: PlanResource): Record<string, unknown> {
  return {
    ...r.inputs,
    options: { parent: r.parent, dependsOn: r.dependsOn, protect: r.protect, retainOnDelete: r.retainOnDelete },
  };
}

/** Every leaf that differs; arrays compare element by element. */
export function diffValues(a: unknown, b: unknown, path: string): PropertyChange[] {
  if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = Array.isArray(a)
      ? [...Array(Math.max(a.length, (b as unknown[]).length)).keys()].map(String)
      : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compare);
    return keys.flatMap((key) => {
      const from = (a as Record<string, unknown>)[key];
      const to = (b as Record<string, unknown>)[key];
      const childPath = Array.isArray(a) ? `${path}[${key}]` : joinPath(path, key);
      if (from === undefined && to === undefined) return [];
      if (from === undefined) return [{ path: childPath, to }];
      if (to === undefined) return [{ path: childPath, from }];
      return diffValues(from, to, childPath);
    });
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, from: a, to: b }];
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return value !== null && typeof value === "object";
}

function joinPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

export function renderDiff(diff: PlanDiff, labels: { before: string; after: string }): string {
  const lines = [`Plan diff: ${labels.before} -> ${labels.after}`];
  const mark = { create: "+", delete: "-", update: "~" } as const;
  for (const r of diff.resources) {
    lines.push(`${mark[r.change]} ${r.type}  ${r.name}${r.change === "update" ? "" : ` (${r.change})`}`);
    lines.push(...r.properties.map((p) => `    ${formatChange(p)}`));
  }
  if (diff.outputs.length > 0) lines.push("Stack outputs", ...diff.outputs.map((p) => `    ${formatChange(p)}`));
  lines.push(
    ...diff.violations.added.map((v) => `Policy, new: ${v}`),
    ...diff.violations.removed.map((v) => `Policy, resolved: ${v}`),
  );
  const count = (kind: ResourceChange["change"]) => diff.resources.filter((r) => r.change === kind).length;
  lines.push(
    `${count("update")} to update, ${count("create")} to create, ${count("delete")} to delete, ${diff.unchanged} unchanged.`,
  );
  return lines.join("\n");
}

function formatChange(change: PropertyChange): string {
  const show = (value: unknown) => (value === undefined ? "(not set)" : JSON.stringify(value));
  return `${change.path}: ${show(change.from)} -> ${show(change.to)}`;
}
