/**
 * Address ranges as the config and the policy pack (which carries a copy)
 * judge them. Dependency-free.
 */

/** A CIDR with a /0 prefix admits every address, whatever address it is written with (0.0.0.0/0, 10.0.0.0/0, ::/0). */
export function admitsEveryone(cidr: string): boolean {
  return /\/0+$/.test(cidr.trim());
}
