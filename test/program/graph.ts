/** Small queries over a captured program run, shared by the program tests. */
import type { ProgramRun, RegisteredResource } from "../../tooling/engine/offlineProgram";

export function ofType(run: ProgramRun, type: string): RegisteredResource[] {
  return run.resources.filter((r) => r.type === type);
}

export function named(run: ProgramRun, name: string): RegisteredResource {
  const found = run.resources.filter((r) => r.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one resource named ${name}, found ${found.length}: ${run.resources.map((r) => r.name).join(", ")}`,
    );
  }
  return found[0];
}

/** True when `from` waits for `to`, directly or through other resources. */
export function waitsFor(run: ProgramRun, from: RegisteredResource, to: RegisteredResource): boolean {
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const queue = [...edges(from)];
  while (queue.length > 0) {
    const urn = queue.shift()!;
    if (urn === to.urn) return true;
    if (seen.has(urn)) continue;
    seen.add(urn);
    const next = byUrn.get(urn);
    if (next) queue.push(...edges(next));
  }
  return false;
}

function edges(resource: RegisteredResource): string[] {
  return [...resource.dependencies, ...Object.values(resource.propertyDependencies).flat()];
}

/** URNs whose registered inputs differ between two runs (resources in only one run count too). */
export function changedResources(before: ProgramRun, after: ProgramRun): string[] {
  const inputs = (run: ProgramRun) => new Map(run.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
  const a = inputs(before);
  const b = inputs(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((urn) => a.get(urn) !== b.get(urn)).sort();
}
