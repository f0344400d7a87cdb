/**
 * One connection string pointed at the rehearsal's copy, as libpq reads it:
 * a `postgres(ql)://` URI (the authority up to the first '/' or '?', its
 * user and password before the '@', a host list, the database path, and
 * `&`-separated parameters that override them) or a `key=value` string
 * (values single-quoted or not, a backslash escaping the next byte); any
 * other form refused, naming it. Values are handled as bytes, as the awk
 * half (rehearsalAwk.ts) sees them under LC_ALL=C. Pure; rehearsal.ts
 * applies it to a whole environment.
 */
import { REFUSAL_FIX, RefusedForm, REFUSALS, ScratchTarget } from "./rehearsalRuntime";

/** A connection setting the rehearsal refuses to start with. */
export class RefusedConnection extends Error {
  constructor(
    readonly form: RefusedForm,
    /** The variable (or variables, comma-separated) refused. */
    readonly variable: string,
    /** What is wrong with it, naming it: the message without the frame. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "RefusedConnection";
  }
}

/** Throws the refusal of `variable` in `form`; the message names them, never the value. */
export function refuse(form: RefusedForm, variable: string): never {
  const reason = REFUSALS[form](variable);
  throw new RefusedConnection(
    form,
    variable,
    reason,
    `The rehearsal refuses to start: ${reason}; the migration would not be pointed at the copy. ${REFUSAL_FIX}.`,
  );
}

// Byte strings: one character per byte of the UTF-8 text, as awk sees the value under LC_ALL=C.
export const toBytes = (text: string): string => Buffer.from(text, "utf8").toString("latin1");
export const toText = (bytes: string): string => Buffer.from(bytes, "latin1").toString("utf8");

const SPACES = " \t\n\v\f\r";
const UNRESERVED = /[A-Za-z0-9\-._~]/;
export const URI_DESIGNATOR = /^postgres(?:ql)?:\/\//;

function percentEncode(bytes: string): string {
  let out = "";
  for (const c of bytes) {
    out += UNRESERVED.test(c) ? c : `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** libpq's decoding: %XX only, never '+'; a malformed sequence or %00 is undefined. */
function percentDecode(bytes: string): string | undefined {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== "%") {
      out += bytes[i];
      continue;
    }
    const hex = bytes.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex) || hex === "00") return undefined;
    out += String.fromCharCode(parseInt(hex, 16));
    i += 2;
  }
  return out;
}

/** A role as the server splits `options`: whitespace and backslashes escaped with a backslash. */
function optionValue(bytes: string): string {
  let out = "";
  for (const c of bytes) out += SPACES.includes(c) || c === "\\" ? `\\${c}` : c;
  return out;
}

/** A value of a key=value string, single-quoted. */
function keywordQuote(bytes: string): string {
  return `'${bytes.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** `-c role=<role>` before the string's own options, so an explicit role of the migration's still wins. */
export function roleOptions(role: string, existing: string | undefined): string {
  return `-c role=${optionValue(role)}${existing === undefined || existing === "" ? "" : ` ${existing}`}`;
}

/** A rewritten connection string and the role it keeps ("" without a login). */
export interface Rewritten {
  readonly value: string;
  readonly role: string;
}

function droppedKeys(target: ScratchTarget): Set<string> {
  return new Set([
    ...(target.host === undefined ? [] : ["host", "hostaddr", "port"]),
    ...(target.database === undefined ? [] : ["dbname"]),
    ...(target.login === undefined ? [] : ["user", "password", "options"]),
  ]);
}

export const movesDatabase = (target: ScratchTarget) => target.host !== undefined || target.database !== undefined;

/** The role a login keeps: the string's own user, else the fallback (PGUSER); refused when neither names one. */
function keptRole(variable: string, user: string | undefined, fallbackRole: string): string {
  const role = user === undefined || user === "" ? fallbackRole : user;
  if (role === "") refuse("no-role", variable);
  return role;
}

/**
 * A `postgres(ql)://` URI as libpq reads it: the authority up to the first
 * '/' or '?' (user and password before its '@', then a host list), the
 * database path, `&`-separated parameters that override both.
 */
function rewriteUri(variable: string, value: string, target: ScratchTarget, fallbackRole: string): Rewritten {
  const designator = URI_DESIGNATOR.exec(value)![0];
  const rest = value.slice(designator.length);
  const end = rest.search(/[/?]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const tail = end < 0 ? "" : rest.slice(end);
  const ats = value.split("@").length - 1;
  if (ats > 1 || (ats === 1 && !authority.includes("@"))) refuse("raw-at", variable);
  const at = authority.indexOf("@");
  const hosts = at < 0 ? authority : authority.slice(at + 1);
  let user: string | undefined;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(":");
    user = percentDecode(colon < 0 ? userinfo : userinfo.slice(0, colon));
    if (user === undefined && target.login !== undefined) refuse("percent", variable);
  }
  const q = tail.indexOf("?");
  const path = q < 0 ? tail : tail.slice(0, q);
  const items = q < 0 || q === tail.length - 1 ? [] : tail.slice(q + 1).split("&");
  const dropped = droppedKeys(target);
  let options: string | undefined;
  const kept: string[] = [];
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq < 0) {
      kept.push(item);
      continue;
    }
    const key = percentDecode(item.slice(0, eq));
    if (key === undefined) refuse("percent", variable);
    if (key === "service" && movesDatabase(target)) refuse("service", variable);
    if (!dropped.has(key)) {
      kept.push(item);
      continue;
    }
    if (key === "user" || key === "options") {
      const decoded = percentDecode(item.slice(eq + 1));
      if (decoded === undefined) refuse("percent", variable);
      if (key === "user") user = decoded;
      else options = decoded;
    }
  }
  let authorityOut = authority;
  if (target.login !== undefined || target.host !== undefined) {
    const credentials =
      target.login !== undefined
        ? `${percentEncode(toBytes(target.login.user))}:${percentEncode(toBytes(target.login.password))}@`
        : at >= 0
          ? authority.slice(0, at + 1)
          : "";
    const port = target.port === undefined ? "" : `:${target.port}`;
    authorityOut = `${credentials}${target.host === undefined ? hosts : `${target.host}${port}`}`;
  }
  let role = "";
  if (target.login !== undefined) {
    role = keptRole(variable, user, fallbackRole);
    kept.push(`options=${percentEncode(roleOptions(role, options))}`);
  }
  const pathOut = target.database === undefined ? path : `/${percentEncode(toBytes(target.database))}`;
  return { value: `${designator}${authorityOut}${pathOut}${kept.length > 0 ? `?${kept.join("&")}` : ""}`, role };
}

interface KeywordItem {
  readonly key: string;
  readonly value: string;
  readonly raw: string;
}

/** libpq's key=value syntax: `key = value`, a value single-quoted or not, a backslash escaping the next byte. */
function parseKeywords(variable: string, value: string): KeywordItem[] {
  const items: KeywordItem[] = [];
  const space = (c: string | undefined) => c !== undefined && SPACES.includes(c);
  let i = 0;
  for (;;) {
    while (space(value[i])) i++;
    if (i >= value.length) return items;
    const start = i;
    while (i < value.length && value[i] !== "=" && !space(value[i])) i++;
    const key = value.slice(start, i);
    while (space(value[i])) i++;
    if (value[i] !== "=") refuse("keyword-syntax", variable);
    i++;
    while (space(value[i])) i++;
    let decoded = "";
    const quoted = value[i] === "'";
    if (quoted) i++;
    for (;;) {
      if (i >= value.length) {
        if (quoted) refuse("keyword-syntax", variable);
        break;
      }
      const c = value[i];
      if (quoted ? c === "'" : space(c)) {
        if (quoted) i++;
        break;
      }
      i++;
      if (c !== "\\") decoded += c;
      else if (i < value.length) decoded += value[i++];
    }
    items.push({ key, value: decoded, raw: value.slice(start, i) });
  }
}

function rewriteKeywords(variable: string, value: string, target: ScratchTarget, fallbackRole: string): Rewritten {
  const items = parseKeywords(variable, value);
  if (items.some((item) => item.key === "service") && movesDatabase(target)) refuse("service", variable);
  const dropped = droppedKeys(target);
  const last = (key: string) => items.filter((item) => item.key === key).at(-1)?.value;
  const added: [string, string][] = [];
  if (target.host !== undefined) added.push(["host", target.host]);
  if (target.host !== undefined && target.port !== undefined) added.push(["port", String(target.port)]);
  if (target.database !== undefined) added.push(["dbname", toBytes(target.database)]);
  let role = "";
  if (target.login !== undefined) {
    role = keptRole(variable, last("user"), fallbackRole);
    added.push(
      ["user", toBytes(target.login.user)],
      ["password", toBytes(target.login.password)],
      ["options", roleOptions(role, last("options"))],
    );
  }
  const kept = items.filter((item) => !dropped.has(item.key)).map((item) => item.raw);
  return { value: [...kept, ...added.map(([key, v]) => `${key}=${keywordQuote(v)}`)].join(" "), role };
}

const OTHER_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\//;

/** DATABASE_URL in any form libpq reads (a URI or key=value); refused otherwise. */
export function rewriteConnectionString(
  variable: string,
  value: string,
  target: ScratchTarget,
  fallbackRole: string,
): Rewritten {
  if (URI_DESIGNATOR.test(value)) return rewriteUri(variable, value, target, fallbackRole);
  if (OTHER_SCHEME.test(value)) refuse("scheme", variable);
  if (!value.includes("=")) refuse("not-a-connection-string", variable);
  return rewriteKeywords(variable, value, target, fallbackRole);
}
