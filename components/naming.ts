/**
 * Names of the children of a component. Blue and green never collide because
 * every child is named from its parent; names that must stay stable across
 * updates (a snapshot per migration version) live in contracts/snapshots.ts.
 */

/** `${parent}-${role}`: every child of a component is named from its parent. */
export function childName(parent: string, role: string): string {
  return `${parent}-${role}`;
}
