/** Property-based tests of snapshot names (pre-migration and hotfix), over any app name and migration version the config accepts. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hotfixSnapshotIdentifier, snapshotIdentifier } from "../../components/contracts/snapshots";

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

describe("hotfixSnapshotIdentifier", () => {
  it("is a valid RDS snapshot identifier named <app>-hotfix-<version>, never a pre-migration name of the same app", () => {
    fc.assert(
      fc.property(app, version, version, (a, v, migration) => {
        const id = hotfixSnapshotIdentifier(a, v);
        expect(id).toMatch(RDS_SNAPSHOT_ID);
        expect(id.length).toBeLessThanOrEqual(255);
        expect(id).toContain("-hotfix-");
        fc.pre(id.length < 255);
        expect(id).not.toBe(snapshotIdentifier(a, migration));
      }),
    );
    expect(hotfixSnapshotIdentifier("shop", "1.4.3")).toBe("shop-hotfix-1-4-3");
  });
});
