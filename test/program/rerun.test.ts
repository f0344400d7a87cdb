/**
 * runProgram is what the offline plan, status --offline and the benches call
 * again and again in one process: every run must evaluate the program anew
 * (an earlier runner imported index.ts, so a second run registered nothing),
 * and two runs at once must fail loudly instead of mixing their resources.
 */
import { describe, expect, it } from "vitest";
import { runProgram } from "../../tooling/engine/offlineProgram";

/** Sorted: registration order depends on timing (a cold first run resolves in another order). */
const urns = (run: { resources: { urn: string }[] }) => run.resources.map((resource) => resource.urn).sort();

describe("runProgram in one process", () => {
  it("registers every resource again on each run, whatever ran before", async () => {
    const first = await runProgram("production");
    const other = await runProgram("staging");
    const again = await runProgram("production");
    expect(first.resources.length).toBeGreaterThan(0);
    expect(urns(again)).toEqual(urns(first));
    expect(again.outputs).toEqual(first.outputs);
    expect(other.resources.length).toBeGreaterThan(0);
    expect(urns(other).every((urn) => urn.startsWith("urn:pulumi:staging::"))).toBe(true);
  });

  it("refuses a run started while another is going, and the first run keeps only its own resources", async () => {
    const [production, staging] = await Promise.allSettled([runProgram("production"), runProgram("staging")]);
    expect(staging.status).toBe("rejected");
    expect((staging as PromiseRejectedResult).reason.message).toBe(
      'runProgram("staging") was called while runProgram("production") is still running: the Pulumi runtime is process-wide, so runs must follow one another (await the first)',
    );
    expect(production.status).toBe("fulfilled");
    const run = (production as PromiseFulfilledResult<Awaited<ReturnType<typeof runProgram>>>).value;
    expect(urns(run)).toEqual(urns(await runProgram("production")));
  });
});
