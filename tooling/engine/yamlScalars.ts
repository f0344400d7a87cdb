/**
 * YAML scalars as the Pulumi CLI reads them: resolve() of gopkg.in/yaml.v3
 * v3.0.1 (resolve.go), which the CLI (v3.248.0) decodes stack files with,
 * and what its config objects make of the result (a timestamp becomes the
 * text Go's time.Time prints). Pure.
 */
import { showValue } from "../../components/config/issues";

/**
 * A value as the CLI's config object holds it: text, a number (a bigint where
 * a whole number does not fit a double exactly), a boolean, null, a list or a
 * mapping with text keys. Timestamps are already text, as the CLI makes them.
 */
export type CliValue = string | number | bigint | boolean | null | CliValue[] | { [key: string]: CliValue };

const YAML_TAG = "tag:yaml.org,2002:";

/** `tag:yaml.org,2002:str` → `!!str`; other tags as written. */
export function shortTag(tag: string | undefined): string {
  if (tag === undefined) return "";
  return tag.startsWith(YAML_TAG) ? `!!${tag.slice(YAML_TAG.length)}` : tag;
}

const RESOLVABLE_TAGS = new Set(["", "!!str", "!!bool", "!!int", "!!float", "!!null", "!!timestamp"]);

const FIXED: Readonly<Record<string, { tag: string; value: CliValue | "nan" | "inf" }>> = {
  ...Object.fromEntries(["true", "True", "TRUE"].map((s) => [s, { tag: "!!bool", value: true }])),
  ...Object.fromEntries(["false", "False", "FALSE"].map((s) => [s, { tag: "!!bool", value: false }])),
  ...Object.fromEntries(["", "~", "null", "Null", "NULL"].map((s) => [s, { tag: "!!null", value: null }])),
  ...Object.fromEntries(
    [".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"].map((s) => [
      s,
      { tag: "!!float", value: s.endsWith("nan") || s.endsWith("NaN") || s.endsWith("NAN") ? "nan" : "inf" },
    ]),
  ),
  "<<": { tag: "!!merge", value: "<<" },
};

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * resolve() of yaml.v3's resolve.go: what a plain scalar (or one with an
 * explicit standard tag) is. An explicit tag the text does not fit is the
 * CLI's error, and so are `.nan` and `.inf` (its config objects are JSON,
 * which has neither).
 */
export function resolveScalar(tag: string, text: string): { value?: CliValue; error?: string } {
  if (tag === "!!binary") {
    const compact = text.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
      return { error: "the value tagged !!binary is not valid base64; the Pulumi CLI refuses it" };
    }
    return { value: Buffer.from(compact, "base64").toString("utf8") };
  }
  // Any other tag (`!foo`, `!!set`...) is not the CLI's business: the text stays text.
  if (!RESOLVABLE_TAGS.has(tag)) return { value: text };
  const found = plainValue(tag, text);
  const fits = tag === "" || tag === found.tag || (tag === "!!float" && found.tag === "!!int");
  if (!fits) {
    return {
      error: `the value ${showValue(text)} is tagged ${tag} but reads as ${found.tag}; the Pulumi CLI refuses it. Remove the tag or fix the value`,
    };
  }
  if (found.value === "nan" || found.value === "inf") {
    return {
      error: `the value ${showValue(text)} is a number JSON cannot hold, so the Pulumi CLI cannot store it (\`pulumi config\` fails). Write a number, or quote it`,
    };
  }
  if (tag === "!!float" && found.tag === "!!int") return { value: Number(found.value) };
  return { value: found.value };
}

function plainValue(tag: string, text: string): { tag: string; value: CliValue | "nan" | "inf" } {
  const first = text.charAt(0);
  const hint =
    text === ""
      ? "N"
      : /[+-]/.test(first)
        ? "S"
        : /\d/.test(first)
          ? "D"
          : /[yYnNtTfFoO~]/.test(first)
            ? "M"
            : first === "."
              ? "."
              : "";
  if (hint === "" || tag === "!!str") return { tag: "!!str", value: text };
  const fixed = FIXED[text];
  if (fixed !== undefined) return fixed;
  if (hint === ".") {
    // Go's ParseFloat of a text starting with ".": digits, an optional exponent.
    if (/^\.\d+([eE][-+]?\d+)?$/.test(text) && Number.isFinite(Number(text)))
      return { tag: "!!float", value: Number(text) };
    return { tag: "!!str", value: text };
  }
  if (hint === "D" || hint === "S") {
    if (tag === "" || tag === "!!timestamp") {
      const time = goTimestamp(text);
      if (time !== undefined) return { tag: "!!timestamp", value: time };
    }
    const plain = text.replace(/_/g, "");
    const int = goParseInt(plain);
    if (int !== undefined) return { tag: "!!int", value: int };
    if (YAML_STYLE_FLOAT.test(plain) && Number.isFinite(Number(plain))) return { tag: "!!float", value: Number(plain) };
  }
  return { tag: "!!str", value: text };
}

/**
 * strconv.ParseInt(text, 0, 64), then ParseUint: a sign, then 0x/0o/0b, a
 * leading 0 (octal) or decimal digits. A bigint where a double would round.
 */
function goParseInt(text: string): number | bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (match === null) return undefined;
  const [, sign, digits] = match;
  const body = /^0[0-7]+$/.test(digits)
    ? `0o${digits.slice(1)}`
    : digits.replace(/^0([XBO])/, (_, base: string) => `0${base.toLowerCase()}`);
  const magnitude = BigInt(body);
  const value = sign === "-" ? -magnitude : magnitude;
  const fits = (value >= INT64.min && value <= INT64.max) || (sign === "" && value <= UINT64_MAX);
  if (!fits) return undefined;
  return Number.isSafeInteger(Number(value)) ? Number(value) : value;
}

/**
 * A YAML timestamp in one of the four layouts yaml.v3 tries, as Go's
 * time.Time String() prints it ("2001-12-14 21:59:43.1 -0500 -0500"); the
 * CLI turns timestamps into that text. An offset other than 0 prints as
 * itself, the zone named by its offset (the CLI's machine in UTC).
 */
export function goTimestamp(text: string): string | undefined {
  const match =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:([Tt])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?))?$/.exec(
      text,
    );
  if (match === null) return undefined;
  const [, y, mo, d, , th, tmi, ts, tf, zone, sh, smi, ss, sf] = match;
  const [hour, minute, second, fraction] =
    th !== undefined ? [th, tmi, ts, tf] : sh !== undefined ? [sh, smi, ss, sf] : ["0", "0", "0", undefined];
  const [year, month, day, h, mi, s] = [y, mo, d, hour, minute, second].map(Number);
  const daysIn = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysIn || h > 23 || mi > 59 || s > 59) return undefined;
  let offset = 0;
  if (zone !== undefined && zone !== "Z") {
    const [oh, om] = zone.slice(1).split(":").map(Number);
    if (oh > 24 || om > 59) return undefined;
    offset = (zone.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  const two = (n: number) => String(n).padStart(2, "0");
  const nanos = (fraction ?? "").slice(0, 9).replace(/0+$/, "");
  const sign = offset < 0 ? "-" : "+";
  const zoneText = `${sign}${two(Math.floor(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
  return (
    `${String(year).padStart(4, "0")}-${two(month)}-${two(day)} ${two(h)}:${two(mi)}:${two(s)}` +
    `${nanos === "" ? "" : `.${nanos}`} ${zoneText} ${offset === 0 ? "UTC" : zoneText}`
  );
}

/** How Go's `%v` prints a key that is not text (in a mapping that has one). */
export function goText(value: CliValue): string {
  if (value === null) return "<nil>";
  if (typeof value === "number" && !Number.isInteger(value)) {
    // %v of a float64 is %g: shortest digits, an exponent from 1e21 or below 1e-4.
    const abs = Math.abs(value);
    if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) return value.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  return String(value);
}
