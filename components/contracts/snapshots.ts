/**
 * Names of database snapshots: the pre-migration snapshot and a hotfix's
 * emergency snapshot. A contract shared by the program (which takes the
 * snapshot) and the policy pack (which checks its name; it carries a
 * generated copy of this file), so that both derive the name one way.
 */

/**
 * Identifier of the database snapshot taken before a migration. Derived from
 * the app and the migration version only, so an unchanged migration version
 * maps to the same snapshot (nothing new is taken) and a new version to a new
 * one. Valid for RDS (letters, digits, hyphens; starts with a letter; no
 * double or trailing hyphen; at most 255 characters) and as a file name.
 */
export function snapshotIdentifier(app: string, migrationVersion: string): string {
  return snapshotName(`${app}-pre-${migrationVersion}`);
}

/**
 * Identifier of the emergency snapshot a hotfix takes (`bluegreen:release.hotfix`),
 * migration or not: `<app>-hotfix-<candidate version>`, so each hotfix release
 * takes its own and a repeated update of the same one takes none.
 */
export function hotfixSnapshotIdentifier(app: string, version: string): string {
  return snapshotName(`${app}-hotfix-${version}`);
}

/** Whether `identifier` names an emergency snapshot of `app` (see hotfixSnapshotIdentifier). */
export function isHotfixSnapshot(app: string, identifier: string): boolean {
  return identifier.startsWith(`${snapshotName(`${app}-hotfix`)}-`);
}

/** `name` made valid as an RDS snapshot identifier and as a file name. */
function snapshotName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  const withLetter = /^[a-z]/.test(slug) ? slug : `s-${slug}`;
  return withLetter.slice(0, 255).replace(/-$/, "");
}
