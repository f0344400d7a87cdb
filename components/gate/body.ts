/**
 * Reading and judging a response body, without the network: probe.ts hands
 * over the body as it arrives. Only what the verdict needs is kept: the text
 * while a body check needs it, and the start of the body for the failure
 * message, as a copy (a slice of a large string keeps all of it alive, and
 * the gate keeps excerpts for its whole life). Header values are redacted
 * from everything that can reach a message: an error page may echo a token.
 */
import type { GateSettings } from "./settings";

export const EXCERPT_CHARS = 200;
/** The most the gate reads of one body; a larger body fails. */
export const MAX_BODY_BYTES = 1_000_000;
/** Shorter header values are left in excerpts: "on" or "1" would blank out ordinary text and are no secret. */
const MIN_REDACTED_CHARS = 4;

type BodyError = "invalid-json" | "body-mismatch" | "too-large";

export interface JudgedResponse {
  readonly bodyOk: boolean;
  readonly error?: "status" | BodyError;
  readonly observed: string;
  readonly excerpt: string;
}

/** A fresh copy of `text`, sharing no memory with the string it came from. */
function copyText(text: string): string {
  return Buffer.from(text, "utf8").toString("utf8");
}

/**
 * Reads the body of a response with `status` and judges it: the status
 * first, then the body check. It reads to the end (a healthy answer must
 * arrive whole within the request timeout), but no further than
 * MAX_BODY_BYTES, and for a failed status no further than its excerpt.
 */
export async function readResponse(
  status: number,
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  settings: Pick<GateSettings, "expectedStatus" | "body">,
  headers: Readonly<Record<string, string>>,
): Promise<JudgedResponse> {
  const { StringDecoder }: typeof import("node:string_decoder") = require("node:string_decoder");
  const decoder = new StringDecoder("utf8");
  const statusOk = settings.expectedStatus.includes(status);
  // Past the excerpt by the longest header value: a secret cut at the edge is still found whole, and redacted.
  const headChars = EXCERPT_CHARS + Math.max(0, ...Object.values(headers).map((v) => String(v).length));
  const parts: string[] = [];
  let head = "";
  let chars = 0;
  let bytes = 0;
  let cut = false;
  const add = (piece: string) => {
    // A byte-order mark is no part of the text (axios strips it too).
    const text = chars === 0 && piece.charCodeAt(0) === 0xfeff ? piece.slice(1) : piece;
    if (head.length < headChars) head = copyText(head + text.slice(0, headChars - head.length));
    chars += text.length;
    if (statusOk && settings.body !== undefined) parts.push(text);
  };
  // Leaving the loop early destroys the stream, and its socket: the rest is never downloaded.
  for await (const chunk of chunks) {
    bytes += chunk.length;
    cut = bytes > MAX_BODY_BYTES;
    if (cut) break;
    add(decoder.write(chunk));
    cut = !statusOk && head.length >= headChars;
    if (cut) break;
  }
  if (!cut) add(decoder.end());

  const excerpt = shown(head, headers, chars, cut);
  if (bytes > MAX_BODY_BYTES) {
    const observed = `response body larger than the ${MAX_BODY_BYTES / 1_000_000} MB the gate reads`;
    return { bodyOk: false, error: "too-large", observed, excerpt };
  }
  if (!statusOk) return { bodyOk: false, error: "status", observed: `HTTP ${status}`, excerpt };
  const body = judgeBody(parts.join(""), settings.body);
  if (!body.ok) return { bodyOk: false, error: body.error, observed: shown(body.observed, headers), excerpt };
  return { bodyOk: true, observed: `HTTP ${status}`, excerpt };
}

function judgeBody(
  body: string,
  check: GateSettings["body"],
): { ok: true } | { ok: false; error: BodyError; observed: string } {
  if (check === undefined) return { ok: true };
  if ("contains" in check) {
    return body.includes(check.contains)
      ? { ok: true }
      : { ok: false, error: "body-mismatch", observed: `body does not contain ${JSON.stringify(check.contains)}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    // Without V8's quote of the body: it may cut a header value in two, and the excerpt shows the body anyway.
    const reason = (e as Error).message.replace(/, ".*"(\.\.\.)? is not valid JSON$/s, "");
    return { ok: false, error: "invalid-json", observed: `invalid JSON (${reason})` };
  }
  const value = check.json.path
    .split(".")
    .reduce<unknown>(
      (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
      parsed,
    );
  if (value === check.json.equals) return { ok: true };
  const found = value === undefined ? "(missing)" : (JSON.stringify(value) ?? String(value));
  return { ok: false, error: "body-mismatch", observed: `${check.json.path} = ${found}` };
}

/**
 * `text` as a message shows it: its first EXCERPT_CHARS chars with every
 * probe header value of MIN_REDACTED_CHARS or more replaced by
 * `<header:Name>` (for an Authorization-style header its credentials alone
 * too: an error page may echo the token without its scheme), then how much
 * was left out, of `total` chars. Redacted as it is cut: a value that starts
 * within the shown chars is replaced whole, a later one is not shown. A copy.
 */
function shown(text: string, headers: Readonly<Record<string, string>>, total = text.length, cut = false): string {
  const secrets: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    const credentials = /authorization$/i.test(name) ? /^[A-Za-z][\w.+-]*\s+(\S.*)$/.exec(value)?.[1] : undefined;
    for (const secret of [String(value), credentials ?? ""]) {
      if (secret.length >= MIN_REDACTED_CHARS) secrets.push([name, secret]);
    }
  }
  // Longest first, so where two start together the longer is replaced.
  secrets.sort((a, b) => b[1].length - a[1].length);
  const limit = Math.min(EXCERPT_CHARS, text.length);
  const view = text.slice(0, limit + (secrets[0]?.[1].length ?? 0));
  let out = "";
  let at = 0;
  while (at < limit) {
    let next = limit;
    let hit: [string, string] | undefined;
    for (const secret of secrets) {
      const i = view.indexOf(secret[1], at);
      if (i !== -1 && i < next) [next, hit] = [i, secret];
    }
    out += view.slice(at, next);
    at = hit === undefined ? next : next + hit[1].length;
    if (hit !== undefined) out += `<header:${hit[0]}>`;
  }
  const rest = cut ? "… (the rest was not read)" : total > at ? `… (${total - at} more chars)` : "";
  return copyText(out + rest);
}
