/**
 * One delivery attempt: POST the body, bounded in total by `timeoutMs` and
 * cancelled at once by `cancel` (drain's deadline). Connections are never
 * kept alive, so a receiver that hangs holds nothing once the attempt ends.
 * Problems are described in our own words: an error's message can carry the
 * URL, and the URL is a credential.
 */
import axios from "axios";
import * as http from "node:http";
import * as https from "node:https";
import type { Readable } from "node:stream";

export type AttemptResult =
  | { readonly outcome: "delivered" }
  | { readonly outcome: "cancelled" }
  | { readonly outcome: "failed"; readonly problem: string; readonly retry: boolean };

// Node 20's global agents keep sockets alive; a notifier must not hold the process open.
const httpAgent = new http.Agent({ keepAlive: false });
const httpsAgent = new https.Agent({ keepAlive: false });

export async function postOnce(
  url: string,
  body: string,
  timeoutMs: number,
  cancel: AbortSignal,
): Promise<AttemptResult> {
  if (cancel.aborted) return { outcome: "cancelled" };
  try {
    const res = await axios.post<Readable>(url, body, {
      headers: { "content-type": "application/json", "user-agent": "bluegreen-notify" },
      // One signal bounds connect, request and answer together (axios' `timeout` only watches an idle socket).
      signal: AbortSignal.any([cancel, AbortSignal.timeout(timeoutMs)]),
      httpAgent,
      httpsAgent,
      // A redirect would send the payload somewhere the config does not name.
      maxRedirects: 0,
      // The status is the answer: the body is never read, so a large or endless one cannot stall delivery.
      responseType: "stream",
      transformRequest: [(data: string) => data],
      validateStatus: () => true,
    });
    res.data.destroy();
    return statusResult(res.status);
  } catch (e) {
    if (cancel.aborted) return { outcome: "cancelled" };
    return { outcome: "failed", problem: describeError((e as { code?: string }).code, timeoutMs), retry: true };
  }
}

/** 2xx delivers; 408, 429 and 5xx are worth another attempt; any other answer will not change by retrying. */
export function statusResult(status: number): AttemptResult {
  if (status >= 200 && status < 300) return { outcome: "delivered" };
  if (status === 408 || status === 429 || status >= 500)
    return { outcome: "failed", problem: `HTTP ${status}`, retry: true };
  return { outcome: "failed", problem: `HTTP ${status} (not retried: the webhook refuses the request)`, retry: false };
}

function describeError(code: string | undefined, timeoutMs: number): string {
  switch (code) {
    // ERR_CANCELED without `cancel`: the per-attempt timeout signal fired.
    case "ERR_CANCELED":
    case "ECONNABORTED":
    case "ETIMEDOUT":
      return `timed out after ${timeoutMs} ms`;
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
    case "EPIPE":
      return "connection reset";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    default:
      return `network error (${code ?? "unknown"})`;
  }
}
