/**
 * Kubernetes resource quantities ("250m", "0.5", "512Mi", "1Gi") as numbers,
 * so that config validation can compare a limit with its request. Pure and
 * dependency-free: the config schema imports it.
 */

const MULTIPLIERS: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

// The plain-number and suffix forms people write; the exponent form ("1e3") is rejected as unreadable.
const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** The quantity's value in base units (cores, bytes), or undefined when `text` is not a quantity. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  return match ? Number(match[1]) * MULTIPLIERS[match[2] ?? ""] : undefined;
}
