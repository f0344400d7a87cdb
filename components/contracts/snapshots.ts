/**
 * Names of pre-migration snapshots. A contract shared by the program (which
 * takes the snapshot) and the policy pack (which checks its name; it carries a
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
  const slug = `${app}-pre-${migrationVersion}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  const withLetter = /^[a-z]/.test(slug) ? slug : `s-${slug}`;
  return withLetter.slice(0, 255).replace(/-$/, "");
}
