/**
 * Resource identities of every shipped stack. A resource whose URN changes
 * without an alias is deleted and created anew by the next `pulumi up`: a
 * promotion gate would lose its state and treat the next update as a first
 * deploy, which is not step-limited. So every URN recorded in
 * identities.json must still be answered, by a resource's own URN or by one
 * of its aliases, resolved as the engine resolves them.
 *
 * A new resource must be recorded too: `UPDATE_IDENTITIES=1 npx vitest run
 * test/program/identities.test.ts` adds the URNs of new resources and never
 * drops one (removing a resource on purpose is a hand edit of the file).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { previousIdentities } from "../../tooling/engine/aliases";
import { runProgram } from "../../tooling/engine/offlineProgram";
import { listStacks } from "../../tooling/engine/stackFiles";

const FILE = path.join(__dirname, "identities.json");
const recorded: Record<string, string[]> = fs.existsSync(FILE) ? JSON.parse(fs.readFileSync(FILE, "utf8")) : {};
const update = process.env.UPDATE_IDENTITIES === "1";

describe.each(listStacks())("resource identities of Pulumi.%s.yaml", (stack) => {
  it("answers every recorded URN with exactly one resource, and records every resource", async () => {
    const run = await runProgram(stack, { preview: false });
    const known = recorded[stack] ?? [];
    const previous = previousIdentities(run.resources, new Set(known));
    const unrecorded = run.resources.filter((r) => !previous.has(r.urn)).map((r) => r.urn);
    if (update && unrecorded.length > 0) {
      recorded[stack] = [...known, ...unrecorded].sort();
      fs.writeFileSync(FILE, `${JSON.stringify(recorded, null, 2)}\n`);
      return;
    }
    for (const urn of known) {
      const answering = run.resources.filter((r) => previous.get(r.urn) === urn).map((r) => r.urn);
      expect(answering, `recorded ${urn} must be one resource's URN or alias`).toHaveLength(1);
    }
    expect(unrecorded, "new resources: record them with UPDATE_IDENTITIES=1").toEqual([]);
  });
});
