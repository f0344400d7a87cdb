/**
 * A Pulumi YAML file read as the Pulumi CLI reads it, not as a YAML 1.2
 * library would: the CLI (v3.248.0) decodes stack files with gopkg.in/yaml.v3
 * v3.0.1, so merge keys (`<<: *base`, `<<: [*a, *b]`) are honoured, explicit
 * keys win over merged ones wherever they stand, `017` is octal, `1_000` is
 * 1000, `2026-11-20` is a timestamp that reaches the program as
 * "2026-11-20 00:00:00 +0000 UTC", `yes`/`on` stay text, a custom tag is
 * ignored, `!!binary` is decoded, only the first document counts and a key
 * written twice refuses the file (resolve.go and decode.go of yaml.v3; the
 * real-engine test test/engine/stackYaml.test.ts compares this reading with
 * `pulumi config --json` file by file). Values come out as the CLI's
 * config objects hold them; stackFiles.ts turns them into what the engine
 * hands the program.
 *
 * A hostile file is refused, naming the file (a UsageError: exit 2), within
 * bounds of time and memory: at most STACK_FILE_LIMITS.bytes, nesting at
 * most STACK_FILE_LIMITS.depth levels (checked on the token stream before
 * anything recursive runs), at most STACK_FILE_LIMITS.values values once
 * aliases are expanded (an alias bomb stops there), and no value the CLI
 * itself cannot store (`.nan`, `.inf`). Pure apart from the error type.
 */
import { isMap, Lexer, LineCounter, parseAllDocuments } from "yaml";
import { showValue } from "../../components/config/issues";
import { UsageError } from "../cli/command";
import { STACK_FILE_LIMITS } from "./yamlLimits";
import { CliMapping, Reader } from "./yamlReader";
import { CliValue } from "./yamlScalars";

export { STACK_FILE_LIMITS };
export type { CliMapping, CliValue };

/** A file as the CLI reads it: its top-level mapping, and where each mapping of it and each key is written. */
export interface CliDocument {
  readonly root: CliMapping;
  /**
   * `Pulumi.dev.yaml:3:5`: where `key` of `mapping` (a mapping of this document) is written (`of: "value"`: its
   * value), or the mapping itself.
   */
  at(mapping: CliMapping, key?: string, of?: "key" | "value"): string | undefined;
  /** Whether a mapping of this document has a key that is not text (`1: a`), which the CLI refuses in some places. */
  hasNonTextKey(mapping: CliMapping): boolean;
}

/**
 * The file's top-level mapping as the CLI reads it (an empty file is an empty
 * mapping); anything else, or a file the CLI would refuse or that exceeds
 * the limits, is a UsageError naming the file.
 */
export function readCliYaml(text: string, name: string): CliDocument {
  const bytes = Buffer.byteLength(text);
  if (bytes > STACK_FILE_LIMITS.bytes) {
    throw new UsageError(
      `${name}: the file is ${formatBytes(bytes)}; a stack file holds settings and is at most ${formatBytes(STACK_FILE_LIMITS.bytes)} (4 MiB) here. ` +
        "Remove what is not configuration (a long text belongs in a file the app reads); nothing was deployed.",
    );
  }
  const lines = new LineCounter();
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${name}:${line}:${col}`;
  };
  // The shape is bounded on the token stream first, which also counts the lines for messages.
  lines.addNewLine(0);
  for (let offset = text.indexOf("\n"); offset !== -1; offset = text.indexOf("\n", offset + 1))
    lines.addNewLine(offset + 1);
  // The parser below recurses and builds a node per value: a file of a million `[` would take it seconds and the
  // heap with it, so nesting and size are bounded on the token stream first.
  shapeBound(text, at);
  // The CLI reads the first document only (yaml.v3 Unmarshal): what follows it is never looked at.
  const docs = parseAllDocuments(text, {
    // Every scalar as its text: the CLI's own rules (resolveScalar) decide what it is.
    schema: "failsafe",
    resolveKnownTags: false,
    merge: false,
    uniqueKeys: false,
    prettyErrors: false,
  });
  if (!Array.isArray(docs) || docs.length === 0) return emptyDocument();
  const doc = docs[0];
  const [error] = doc.errors;
  if (error !== undefined) {
    const reason = error.message.split("\n")[0].replace(/ at line \d+, column \d+.*$/, "");
    throw new UsageError(
      `${at(error.pos[0])}: not valid YAML: ${reason}. Fix the file and run again; nothing was deployed.`,
    );
  }
  if (doc.contents === null) return emptyDocument();
  const reader = new Reader(doc, at);
  const root = reader.resolved(doc.contents);
  if (!isMap(root)) {
    throw new UsageError(
      `${name}: must be a YAML mapping (e.g. \`config:\` with one key per setting); it is a ${describeCliValue(reader.value(root, 0))}.`,
    );
  }
  const value = reader.value(root, 0) as CliMapping;
  return {
    root: value,
    at: (mapping, key, of = "key") =>
      reader.places.get(mapping)?.[key === undefined ? "" : `${of === "key" ? "=" : ":"}${key}`],
    hasNonTextKey: (mapping) => reader.nonTextKeyed.has(mapping),
  };
}

function emptyDocument(): CliDocument {
  return { root: {}, at: () => undefined, hasNonTextKey: () => false };
}

/** The lexer's markers of a document, a flow's end or a scalar to come: they take no room in the text. */
const LEXER_MARKERS = new Set(["\u0002", "\u0018", "\u001f"]);

/**
 * Refuses a file nested deeper than the limit, or with more values than the
 * limit even before aliases, before anything recursive reads it: flow
 * collections (`[`, `{`) counted exactly, block nesting bounded by its
 * indentation plus the indicators (`- `, `? `, `: `) that open a level on one
 * line (a nested block needs one of the two to grow), values by their scalars.
 */
function shapeBound(text: string, at: (offset: number) => string): void {
  const limit = STACK_FILE_LIMITS.depth;
  let offset = 0;
  let flow = 0;
  let lineStart = true;
  let indent = 0;
  let indicators = 0;
  let scalars = 0;
  for (const token of new Lexer().lex(text)) {
    // A scalar is announced by its marker.
    if (token === "\u001f" && ++scalars > STACK_FILE_LIMITS.values) {
      throw new UsageError(
        `${at(offset)}: the file holds more than ${STACK_FILE_LIMITS.values.toLocaleString("en")} values, far more than any stack file. ` +
          "Fix the file and run again; nothing was deployed.",
      );
    }
    if (LEXER_MARKERS.has(token)) continue;
    if (lineStart && /^ +$/.test(token)) {
      indent = token.length;
    } else if (lineStart) {
      indent = 0;
    }
    if (token === "[" || token === "{") flow++;
    else if (token === "]" || token === "}") flow = Math.max(0, flow - 1);
    else if (flow === 0 && (token === "-" || token === "?" || token === ":")) indicators++;
    lineStart = token.endsWith("\n");
    if (lineStart) indicators = 0;
    // A block level needs at least one column or one indicator; two columns per level is the usual indentation.
    const block = Math.ceil(indent / 2) + indicators;
    if (flow > limit || block > limit * 4) {
      throw new UsageError(
        `${at(offset)}: the file nests deeper than ${limit} levels here; no setting is nested that deep (a generated or hostile file?). ` +
          "Fix the file and run again; nothing was deployed.",
      );
    }
    offset += token.length;
  }
}

/** "list", "mapping", "null" or "number (3)": what a value is, for a message (quoted through showValue). */
export function describeCliValue(value: CliValue): string {
  return Array.isArray(value)
    ? "list"
    : value === null
      ? "null"
      : typeof value === "object"
        ? "mapping"
        : `${typeof value === "bigint" ? "number" : typeof value} (${showValue(value)})`;
}

function formatBytes(bytes: number): string {
  return `${bytes.toLocaleString("en")} bytes`;
}
