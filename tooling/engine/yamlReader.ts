/**
 * Walks a parsed YAML document as gopkg.in/yaml.v3 v3.0.1 decodes it into
 * `interface{}` for the Pulumi CLI (decode.go): aliases expanded, merge keys
 * honoured (explicit keys first, then each merged mapping's keys not yet
 * set), a key written twice refused, every value counted against
 * STACK_FILE_LIMITS. Scalars are resolved by yamlScalars.ts.
 */
import { Document, isAlias, isMap, isScalar, isSeq, Scalar, YAMLMap } from "yaml";
import { showValue } from "../../components/config/issues";
import { UsageError } from "../cli/command";
import { STACK_FILE_LIMITS } from "./yamlLimits";
import { CliValue, goText, resolveScalar, shortTag } from "./yamlScalars";

export type CliMapping = { [key: string]: CliValue };

type Entries = Map<string, { value: CliValue; at: string; valueAt: string }>;

/**
 * A merge key: `<<`, quoted or not. yaml.v3 merges only a plain one, but the
 * CLI writes the file's values back to YAML and reads them again, where a
 * quoted "<<" it kept as a key comes back plain and merges.
 */
function isMergeKey(node: unknown): boolean {
  return isScalar(node) && node.value === "<<";
}

/** Walks the document as yaml.v3 decodes it into `interface{}`, counting every value it makes. */
export class Reader {
  /** Where each mapping made, each of its keys (`=key`) and their values (`:key`) are written ("" for the mapping). */
  readonly places = new WeakMap<CliMapping, Record<string, string>>();
  /** Mappings with a key that is not text. */
  readonly nonTextKeyed = new WeakSet<CliMapping>();
  /** Values made and keys visited so far, against STACK_FILE_LIMITS.values. */
  private count = 0;
  /** Anchored nodes being expanded: an alias to one of them is inside its own anchor. */
  private readonly expanding = new Set<unknown>();

  constructor(
    private readonly doc: Document,
    private readonly at: (offset: number) => string,
  ) {}

  /** The node an alias stands for (the node itself otherwise). */
  resolved(node: unknown): unknown {
    if (!isAlias(node)) return node;
    const target = node.resolve(this.doc);
    if (target === undefined) this.fail(node, `the alias *${node.source} names no anchor (&${node.source}) before it`);
    if (this.expanding.has(target)) {
      this.fail(
        node,
        `the alias *${node.source} is inside the value it names, so it never ends; the Pulumi CLI refuses it`,
      );
    }
    return target;
  }

  value(node: unknown, depth: number): CliValue {
    if (depth > STACK_FILE_LIMITS.depth) {
      this.fail(
        node,
        `the file nests deeper than ${STACK_FILE_LIMITS.depth} levels here (through aliases); no setting is nested that deep`,
      );
    }
    this.counted(node);
    const target = this.resolved(node);
    if (target === null || target === undefined) return null;
    if (isScalar(target)) return this.scalar(target);
    this.expanding.add(target);
    try {
      if (isSeq(target)) return target.items.map((item) => this.value(item, depth + 1));
      if (isMap(target)) return this.mapping(target, depth);
    } finally {
      this.expanding.delete(target);
    }
    return this.fail(node, "holds a node the Pulumi CLI does not read");
  }

  /**
   * A mapping as yaml.v3 makes it: a key written twice refuses the file;
   * explicit keys first, then each merged mapping's keys not yet set (the
   * first source of a `<<: [...]` list wins), merges inside merged mappings
   * included.
   */
  private mapping(map: YAMLMap, depth: number): CliMapping {
    this.refuseDuplicates(map);
    // yaml.v3 makes a mapping of text keys when every key is text (or `<<`): merged keys then keep their text.
    const allText = map.items.every((pair) => isMergeKey(pair.key) || this.isTextKey(pair.key));
    const entries: Entries = new Map();
    this.fill(map, entries, undefined, depth, allText);
    const mapping: CliMapping = {};
    const places: Record<string, string> = { "": this.where(map) };
    for (const [key, entry] of entries) {
      // Defined, not assigned: a key named __proto__ is a key like any other.
      Object.defineProperty(mapping, key, { value: entry.value, enumerable: true, writable: true, configurable: true });
      places[`=${key}`] = entry.at;
      places[`:${key}`] = entry.valueAt;
    }
    this.places.set(mapping, places);
    if (!allText) this.nonTextKeyed.add(mapping);
    return mapping;
  }

  /** yaml.v3's mapping() into `out`; `taken`: while merging, the keys already set, which a merged key never replaces. */
  private fill(map: YAMLMap, out: Entries, taken: Set<string> | undefined, depth: number, allText: boolean): void {
    let merge: unknown;
    for (const pair of map.items) {
      // Each key visited counts, so that merges of merges cannot loop through a bomb without making values.
      this.counted(pair.key ?? map);
      if (isMergeKey(pair.key)) {
        merge = pair.value;
        continue;
      }
      const key = this.key(pair.key, allText);
      if (taken !== undefined) {
        if (taken.has(key)) continue;
        taken.add(key);
      }
      const at = this.where(pair.key ?? map);
      out.set(key, { value: this.value(pair.value, depth + 1), at, valueAt: pair.value ? this.where(pair.value) : at });
    }
    if (merge === undefined) return;
    const keys =
      taken ?? new Set(map.items.filter((pair) => !isMergeKey(pair.key)).map((pair) => this.key(pair.key, allText)));
    // A literal list merges each of its mappings in turn; an alias must name a mapping (not a list).
    const sources = isSeq(merge) ? merge.items : [merge];
    for (const item of sources) {
      const source = this.resolved(item);
      if (!isMap(source)) {
        this.fail(
          item ?? map,
          "this merge (<<) is not a mapping: a merge key takes a mapping, an alias of one or a list of them, and the Pulumi CLI refuses anything else",
        );
      }
      this.refuseDuplicates(source);
      this.fill(source, out, keys, depth, allText);
    }
  }

  /** yaml.v3 refuses a mapping that writes one key twice (compared as written: `"a"` and `a` are the same key). */
  private refuseDuplicates(map: { items: { key: unknown }[] }): void {
    const seen = new Map<string, unknown>();
    for (const { key } of map.items) {
      if (!isScalar(key) && !isAlias(key)) continue;
      const id = isAlias(key) ? `*${key.source}` : `=${String(key.value)}`;
      const first = seen.get(id);
      if (first !== undefined) {
        const line = this.where(first).split(":").at(-2);
        this.fail(
          key,
          `the key ${showValue(isAlias(key) ? `*${key.source}` : key.value)} is written a second time in one mapping (first at line ${line}); the Pulumi CLI refuses the file. Keep one`,
        );
      }
      seen.set(id, key);
    }
  }

  private counted(node: unknown): void {
    if (++this.count <= STACK_FILE_LIMITS.values) return;
    this.fail(
      node,
      `the file holds more than ${STACK_FILE_LIMITS.values.toLocaleString("en")} values once its aliases (*name) and merges (<<) are expanded, ` +
        "far more than any stack file (an alias bomb?); the Pulumi CLI refuses such a file too (excessive aliasing)",
    );
  }

  private isTextKey(key: unknown): boolean {
    const node = this.resolved(key);
    return isScalar(node) && typeof this.scalar(node) === "string";
  }

  /** A key as the CLI's config object names it: text as written in a mapping of text keys, else the value as Go prints it. */
  private key(node: unknown, allText: boolean): string {
    const target = this.resolved(node);
    if (target === null || target === undefined) return allText ? "" : "<nil>";
    if (!isScalar(target)) {
      return this.fail(node, "this key is a list or a mapping; the Pulumi CLI refuses it. Write the key as text");
    }
    const value = this.scalar(target);
    if (allText || typeof value === "string") return typeof value === "string" ? value : String(target.value);
    return goText(value);
  }

  /** A scalar as yaml.v3 resolves it: quoted, block and `!!str` scalars are text; a plain one by resolve.go's rules. */
  scalar(node: Scalar): CliValue {
    const text = String(node.value ?? node.source ?? "");
    // The non-specific tag `!` is no tag at all to yaml.v3.
    const tag = node.tag === "!" ? "" : shortTag(node.tag);
    if (tag === "!!str" || (tag === "" && node.type !== "PLAIN")) return text;
    const resolved = resolveScalar(tag, text);
    if (resolved.error !== undefined) this.fail(node, resolved.error);
    return resolved.value!;
  }

  private where(node: unknown): string {
    const range = (node as { range?: number[] } | null)?.range;
    return this.at(range?.[0] ?? 0);
  }

  private fail(node: unknown, reason: string): never {
    throw new UsageError(`${this.where(node)}: ${reason}. Fix the file and run again; nothing was deployed.`);
  }
}
