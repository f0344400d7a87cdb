/**
 * Names of everything the program creates. One module so that blue and green
 * never collide, and so that names that must stay stable across updates (a
 * snapshot per migration version) are derived in exactly one place.
 */

export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];

export function otherColor(color: Color): Color {
  return color === "blue" ? "green" : "blue";
}

/** `${parent}-${role}`: every child of a component is named from its parent. */
export function childName(parent: string, role: string): string {
  return `${parent}-${role}`;
}

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
