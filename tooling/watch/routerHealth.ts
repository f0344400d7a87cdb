/**
 * The local stack's backend health: whether HAProxy's own health check
 * (the generated config's: GET bluegreen:app.healthPath every second, down
 * after 2 failures, 250 ms apart once one failed) finds each color's server
 * up, from `show stat` through the runtime API. A color HAProxy marked DOWN
 * gets none of its share: HAProxy sends it to the other color, so the
 * color's own request counts show nothing, and only this shows it is dead.
 */
import { Color, COLORS } from "../../components/contracts/colors";
import type { Endpoint } from "../../components/docker/haproxyConfig";
import { runtimeCommand } from "../../components/docker/haproxyRuntime";
import type { BackendsByColor } from "./readyEndpoints";
import { BackendHealth, hasNoData, NoData } from "./samples";
import { colorServerRows } from "./showStat";

/**
 * Server states that serve users: "UP", "UP 1/2" (one failed check, not yet
 * down), "NOLB" and "DRAIN" (up, taking no new share), "no check". The rest
 * do not: "DOWN", "DOWN 1/2" (coming back), "MAINT", "MAINT (resolution)"
 * (its name does not resolve: the container is gone).
 */
const SERVING = /^(UP|NOLB|DRAIN|no check)\b/;

const FIELDS = ["status", "check_status", "last_chk"] as const;

/** Each color's server health from a `show stat` answer (CSV with a "# " header), or why there is none. */
export function parseBackendHealth(answer: string, backend: string): BackendsByColor | NoData {
  const rows = colorServerRows(answer, backend, FIELDS);
  if (hasNoData(rows)) return rows;
  const health = (color: Color): BackendHealth | NoData => {
    const row = rows[color];
    if (row === undefined) return { noData: `HAProxy reports no server ${backend}/${color}` };
    const why = [row.check_status, row.last_chk].filter((text) => text !== "").join(": ");
    const status = row.status === "" ? "no status" : row.status;
    return {
      healthy: SERVING.test(row.status) ? 1 : 0,
      total: 1,
      detail: `${color} ${status}${why === "" ? "" : ` (${why})`}`,
    };
  };
  return Object.fromEntries(COLORS.map((color) => [color, health(color)])) as BackendsByColor;
}

/** Each color's backend health now; a failed reading is no data for both, never a throw. */
export function routerHealthReader(
  admin: Endpoint,
  backend: string,
  timeoutMs: number,
): (signal: AbortSignal) => Promise<BackendsByColor> {
  const noData = (why: string) => Object.fromEntries(COLORS.map((c) => [c, { noData: why }])) as BackendsByColor;
  return async () => {
    let answer: string;
    try {
      // Type 4: servers only.
      answer = await runtimeCommand(admin, `show stat ${backend} 4 -1`, timeoutMs);
    } catch (err) {
      return noData((err as Error).message);
    }
    const health = parseBackendHealth(answer, backend);
    return hasNoData(health) ? noData(health.noData) : health;
  };
}
