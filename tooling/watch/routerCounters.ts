/**
 * The local stack's traffic source: HAProxy's own per-server counters, read
 * through the runtime API (`show stat`), so the watch judges the requests
 * users really sent, not only its probes. Counters are cumulative: a round's
 * figures are the deltas since the previous reading.
 *
 * Per server, responses = hrsp_1xx..hrsp_other + eresp and failed =
 * hrsp_5xx + eresp. eresp counts answers the server never completed: a 502
 * for a broken response or a 504 after `timeout server` (no hrsp counter
 * moves for those), and a body broken off after its headers (that one also
 * counts under its status, so it is counted twice in responses: such failures
 * are under-counted by at most half). Measured on HAProxy 2.6
 * (test/tooling/watch/haproxy.live.test.ts).
 */
import { Color, COLORS } from "../../components/contracts/colors";
import type { Endpoint } from "../../components/docker/haproxyConfig";
import { runtimeCommand } from "../../components/docker/haproxyRuntime";
import type { NoData, TrafficReading } from "./samples";

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

/** A round's figures; a counter that went down (HAProxy restarted or reloaded) gives no data for this round. */
export function counterDelta(before: ServerCounters, after: ServerCounters): TrafficReading {
  const requests = after.responses - before.responses;
  const errors = after.failed - before.failed;
  if (requests < 0 || errors < 0) {
    return {
      source: "router",
      noData:
        "the router's counters went down since the last reading (HAProxy restarted or reloaded); counting again from now",
    };
  }
  return { source: "router", requests, errors };
}

export interface RouterCounters {
  /** Each color's figures since the previous reading (the first reading only sets the baseline). */
  read(): Promise<Record<Color, TrafficReading>>;
}

/**
 * Reads `backend`'s counters at `admin`, keeping the newest good reading as
 * the baseline. A failed reading keeps the older baseline, so the next
 * round counts across both intervals: still the requests users sent.
 */
export function routerCounters(admin: Endpoint, backend: string, timeoutMs: number): RouterCounters {
  let baseline: Record<Color, ServerCounters> | undefined;
  const noData = (why: string) =>
    Object.fromEntries(COLORS.map((c) => [c, { source: "router", noData: why }])) as Record<Color, TrafficReading>;
  return {
    async read() {
      let answer: string;
      try {
        answer = await runtimeCommand(admin, `show stat ${backend} -1 -1`, timeoutMs);
      } catch (err) {
        return noData((err as Error).message);
      }
      const now = parseServerCounters(answer, backend);
      if ("noData" in now) return noData(now.noData);
      const before = baseline;
      baseline = now;
      if (before === undefined)
        return noData("first reading of the router's counters (the baseline for the next round)");
      return Object.fromEntries(COLORS.map((c) => [c, counterDelta(before[c], now[c])])) as Record<
        Color,
        TrafficReading
      >;
    },
  };
}
