/**
 * Checks across fields of one object, as zod refinements that run whenever
 * the fields they read are valid: by default zod runs an object's checks
 * only once all of it parsed, so one invalid field (`gate.intervalMs`) would
 * hide every verdict about the others. Pure and zod-free.
 */

/** Marks a check's issue as a verdict across fields, not a field's own problem (see crossField). */
const CROSS_FIELD = { crossField: true } as const;

interface CheckPayload {
  readonly value: unknown;
  readonly issues: readonly { readonly path?: readonly PropertyKey[]; readonly params?: unknown }[];
}

/**
 * Options for a check across fields of one object (`.refine(check, { ...crossField(["a", "b.c"]), ... })`):
 * it runs whenever the fields it reads (dotted paths) are valid, whatever
 * else in the object is wrong (by default zod runs an object's checks only
 * when all of it parsed, so an invalid `intervalMs` would hide every
 * verdict about the others), and its own issue never silences another check.
 */
export function crossField(reads: readonly string[]) {
  // An issue of the object itself (path []) overlaps every field: the object is not there to check.
  const overlaps = (path: readonly PropertyKey[]) => {
    const text = path.map(String).join(".");
    return (
      text === "" || reads.some((read) => read === text || read.startsWith(`${text}.`) || text.startsWith(`${read}.`))
    );
  };
  return {
    params: CROSS_FIELD,
    when: (payload: CheckPayload) =>
      typeof payload.value === "object" &&
      payload.value !== null &&
      !payload.issues.some((issue) => overlaps(issue.path ?? []) && !isCrossFieldIssue(issue)),
  };
}

/** Whether a zod issue is such a verdict: its message names the values compared, and its input is the whole object. */
export function isCrossFieldIssue(issue: object): boolean {
  return (issue as { params?: typeof CROSS_FIELD }).params?.crossField === true;
}
