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
import { hasNoData, NoData } from "./samples";
import { colorServerRows } from "./showStat";

/** One server's cumulative counters. */
export interface ServerCounters {
  readonly responses: number;
  readonly failed: number;
}

const RESPONSE_FIELDS = ["hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other"] as const;
const FIELDS = [...RESPONSE_FIELDS, "eresp"] as const;

/** The blue and green servers' counters of `backend` from a `show stat` answer (CSV with a "# " header). */
export function parseServerCounters(answer: string, backend: string): Record<Color, ServerCounters> | NoData {
  const rows = colorServerRows(answer, backend, FIELDS);
  if (hasNoData(rows)) return rows;
  const missing = COLORS.filter((color) => rows[color] === undefined);
  if (missing.length > 0)
    return { noData: `HAProxy reports no server ${missing.map((c) => `${backend}/${c}`).join(", ")}` };
  const counters = (row: Record<(typeof FIELDS)[number], string>): ServerCounters => {
    // An empty cell is a counter that never moved.
    const value = (field: (typeof FIELDS)[number]) => Number(row[field] || 0);
    const eresp = value("eresp");
    const responses = RESPONSE_FIELDS.reduce((sum, field) => sum + value(field), 0) + eresp;
    return { responses, failed: value("hrsp_5xx") + eresp };
  };
  const found = Object.fromEntries(COLORS.map((color) => [color, counters(rows[color]!)])) as Record<
    Color,
    ServerCounters
  >;
  const bad = COLORS.filter((c) => ![found[c].responses, found[c].failed].every(Number.isSafeInteger));
  if (bad.length > 0) return { noData: `HAProxy's counters of ${bad.join(", ")} are not whole numbers` };
  return found;
}
