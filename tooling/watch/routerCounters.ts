/**
 * HAProxy's own per-server counters from the runtime API (`show stat`), for
 * the benches' traffic splits. The watch reads the router's per-request log
 * instead (routerLog.ts): counters give no latency, and their deltas across
 * a restart can look right while being wrong.
 *
 * Per server, responses = hrsp_1xx..hrsp_other + eresp and failed =
 * hrsp_5xx + eresp. eresp counts answers the server never completed: a 502
 * for a broken response or a 504 after `timeout server` (no hrsp counter
 * moves for those), and a body broken off after its headers (that one also
 * counts under its status, so it is counted twice in responses: such failures
 * are under-counted by at most half). Measured on HAProxy 2.6.
 */
import { Color, COLORS } from "../../components/contracts/colors";
import type { NoData } from "./samples";

/** One server's cumulative counters. */
export interface ServerCounters {
  readonly responses: number;
  readonly failed: number;
}

const RESPONSE_FIELDS = ["hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other"] as const;
const FIELDS = [...RESPONSE_FIELDS, "eresp"] as const;

/** The blue and green servers' counters of `backend` from a `show stat` answer (CSV with a "# " header). */
export function parseServerCounters(answer: string, backend: string): Record<Color, ServerCounters> | NoData {
  const [header, ...rows] = answer.trim().split("\n");
  if (!header?.startsWith("# ")) {
    return { noData: `HAProxy answered "show stat" with ${JSON.stringify(answer.trim().slice(0, 120))}` };
  }
  const names = header.slice(2).split(",");
  const index = Object.fromEntries(FIELDS.map((field) => [field, names.indexOf(field)]));
  const absent = FIELDS.filter((field) => index[field] < 0);
  if (absent.length > 0) return { noData: `HAProxy's "show stat" has no ${absent.join(", ")} column` };
  const found: Partial<Record<Color, ServerCounters>> = {};
  for (const row of rows) {
    const cells = row.split(",");
    const color = COLORS.find((c) => c === cells[1]);
    if (cells[0] !== backend || color === undefined) continue;
    // An empty cell is a counter that never moved.
    const value = (field: (typeof FIELDS)[number]) => Number(cells[index[field]] || 0);
    const eresp = value("eresp");
    const responses = RESPONSE_FIELDS.reduce((sum, field) => sum + value(field), 0) + eresp;
    found[color] = { responses, failed: value("hrsp_5xx") + eresp };
  }
  const missing = COLORS.filter((color) => found[color] === undefined);
  if (missing.length > 0)
    return { noData: `HAProxy reports no server ${missing.map((c) => `${backend}/${c}`).join(", ")}` };
  const bad = COLORS.filter((c) => ![found[c]!.responses, found[c]!.failed].every(Number.isSafeInteger));
  if (bad.length > 0) return { noData: `HAProxy's counters of ${bad.join(", ")} are not whole numbers` };
  return found as Record<Color, ServerCounters>;
}
