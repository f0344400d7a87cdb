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

/**
 * Server states that serve users: "UP", "UP 1/2" (one failed check, not yet
 * down), "NOLB" and "DRAIN" (up, taking no new share), "no check". The rest
 * do not: "DOWN", "DOWN 1/2" (coming back), "MAINT", "MAINT (resolution)"
 * (its name does not resolve: the container is gone).
 */
const SERVING = /^(UP|NOLB|DRAIN|no check)\b/;

/** One CSV row of `show stat`, whose cells HAProxy quotes when they hold a comma or a quote. */
export function csvCells(row: string): string[] {
  const cells: string[] = [];
  const cell = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  for (let match = cell.exec(row); match !== null && match.index < row.length; match = cell.exec(row)) {
    const text = match[1];
    cells.push(text.startsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text);
    if (match[2] === "") break;
  }
  return cells;
}

const FIELDS = ["svname", "status", "check_status", "last_chk"] as const;

/** Each color's server health from a `show stat` answer (CSV with a "# " header), or why there is none. */
export function parseBackendHealth(answer: string, backend: string): BackendsByColor | NoData {
  const [header, ...rows] = answer.trim().split("\n");
  if (!header?.startsWith("# ")) {
    return { noData: `HAProxy answered "show stat" with ${JSON.stringify(answer.trim().slice(0, 120))}` };
  }
  const names = header.slice(2).split(",");
  const index = Object.fromEntries(FIELDS.map((field) => [field, names.indexOf(field)]));
  const absent = FIELDS.filter((field) => index[field] < 0);
  if (absent.length > 0) return { noData: `HAProxy's "show stat" has no ${absent.join(", ")} column` };
  const found: Partial<Record<Color, BackendHealth>> = {};
  for (const row of rows) {
    const cells = csvCells(row);
    const color = COLORS.find((c) => c === cells[index.svname]);
    if (cells[0] !== backend || color === undefined) continue;
    const [status, check, last] = [cells[index.status], cells[index.check_status], cells[index.last_chk]];
    const why = [check, last].filter((text) => text !== undefined && text !== "").join(": ");
    const healthy = SERVING.test(status ?? "") ? 1 : 0;
    found[color] = { healthy, total: 1, detail: `${color} ${status ?? "no status"}${why === "" ? "" : ` (${why})`}` };
  }
  return Object.fromEntries(
    COLORS.map((c) => [c, found[c] ?? { noData: `HAProxy reports no server ${backend}/${c}` }]),
  ) as BackendsByColor;
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
