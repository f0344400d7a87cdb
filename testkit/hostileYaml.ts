/**
 * Stack files built to hurt a YAML reader: alias and merge bombs, nesting a
 * million levels deep, a file over the size limit, more values than any
 * stack file. Each must end with a usage error naming the file (exit 2),
 * bounded in time and memory. Run directly (`node -r tsx/cjs
 * testkit/hostileYaml.ts <name>`, under a heap limit) it reads one through
 * the offline reader and prints what happened, the time and the peak memory.
 */
import { readCliYaml, STACK_FILE_LIMITS } from "../tooling/engine/stackYaml";

/** `config:` with `lines` under it. */
const config = (...lines: string[]) => ["config:", ...lines].join("\n");

export const HOSTILE_YAML: Readonly<Record<string, () => string>> = {
  /** The billion laughs: nine aliases of nine aliases, nine levels down. */
  "alias bomb": () =>
    config(
      "  bluegreen:x:",
      '    a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
      ...Array.from({ length: 9 }, (_, i) => `    a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(", ")}]`),
    ),
  /** The same through merge keys: each mapping merges the one before nine times. */
  "merge bomb": () =>
    config(
      "  bluegreen:x:",
      "    m0: &m0 { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9 }",
      ...Array.from(
        { length: 12 },
        (_, i) => `    m${i + 1}: &m${i + 1} { <<: [${Array(9).fill(`*m${i}`).join(", ")}] }`,
      ),
    ),
  /** Mappings whose every key aliases the mapping before. */
  "keyed alias bomb": () =>
    config(
      "  bluegreen:x:",
      "    k0: &k0 { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9 }",
      ...Array.from(
        { length: 12 },
        (_, i) => `    k${i + 1}: &k${i + 1} { ${Array.from({ length: 9 }, (__, j) => `x${j}: *k${i}`).join(", ")} }`,
      ),
    ),
  /** An alias inside the value it names. */
  "self alias": () => config("  bluegreen:x: &a [*a]"),
  /** A flow list nested four million levels deep: the whole size limit of `[`. */
  "deep flow nesting": () => config(`  bluegreen:x: ${"[".repeat(STACK_FILE_LIMITS.bytes - 40)}`),
  /** Block mappings nested by indentation, two thousand levels. */
  "deep block nesting": () =>
    config(...Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i + 2)}k${i}:`), `${" ".repeat(2002)}leaf`),
  /** Block lists nested on one line, a million levels. */
  "deep inline lists": () => config("  bluegreen:x:", `    ${"- ".repeat(1_000_000)}x`),
  /** One byte over the size limit. */
  "oversized file": () => config(`  bluegreen:x: ${"y".repeat(STACK_FILE_LIMITS.bytes)}`),
  /** More values than the limit, no alias at all. */
  "too many values": () =>
    config("  bluegreen:x:", ...Array.from({ length: STACK_FILE_LIMITS.values + 1 }, (_, i) => `    k${i}: v`)),
};

export interface HostileOutcome {
  readonly name: string;
  readonly bytes: number;
  /** The error's class and message, or "accepted". */
  readonly error: string;
  /** Wall-clock time of the read. */
  readonly ms: number;
  /** CPU time of the read (user and system): what the file costs, whatever else the machine runs. */
  readonly cpuMs: number;
  /** Peak resident memory of the whole process, MiB. */
  readonly maxRssMiB: number;
}

/** Reads `name` as the offline plan reads a stack file, timing it. */
export function readHostile(name: string): HostileOutcome {
  const text = HOSTILE_YAML[name]();
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let error = "accepted";
  try {
    readCliYaml(text, "Pulumi.hostile.yaml");
  } catch (e) {
    error = `${(e as Error).name}: ${(e as Error).message}`;
  }
  const used = process.cpuUsage(cpu);
  return {
    name,
    bytes: Buffer.byteLength(text),
    error,
    ms: Number(process.hrtime.bigint() - started) / 1e6,
    cpuMs: (used.user + used.system) / 1000,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

if (require.main === module) {
  process.stdout.write(`${JSON.stringify(readHostile(process.argv[2]))}\n`);
}
