/** Property-based tests of pre-migration snapshot names, over any app name and migration version the config accepts. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { snapshotIdentifier } from "../../components/contracts/snapshots";

const app = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const version = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/);
/** RDS: letters, digits and hyphens, a letter first, no double or trailing hyphen, at most 255 characters. */
const RDS_SNAPSHOT_ID = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

describe("snapshotIdentifier", () => {
  it("is always a valid RDS snapshot identifier and file name", () => {
    fc.assert(
      fc.property(app, version, (a, v) => {
        const id = snapshotIdentifier(a, v);
        expect(id).toMatch(RDS_SNAPSHOT_ID);
        expect(id.length).toBeLessThanOrEqual(255);
      }),
    );
  });

  it("is the same for the same app and version, and names both", () => {
    fc.assert(
      fc.property(app, version, (a, v) => {
        expect(snapshotIdentifier(a, v)).toBe(snapshotIdentifier(a, v));
        expect(snapshotIdentifier(a, v)).toContain("-pre-");
      }),
    );
  });

  it("differs for versions that differ in their letters and digits", () => {
    const slug = (v: string) =>
      v
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "");
    fc.assert(
      fc.property(app, version, version, (a, v1, v2) => {
        fc.pre(slug(v1) !== slug(v2));
        expect(snapshotIdentifier(a, v1)).not.toBe(snapshotIdentifier(a, v2));
      }),
    );
  });
});
