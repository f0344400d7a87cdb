/**
 * HAProxy's `show stat` answer (CSV with a "# " header), read once for
 * every reader of it: the watch's backend health and the benches' counters.
 */
import { Color, COLORS } from "../../components/contracts/colors";
import type { NoData } from "./samples";

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

/** The `fields` of the blue and green servers of `backend` (a color HAProxy does not list is absent), or why none. */
export function colorServerRows<Field extends string>(
  answer: string,
  backend: string,
  fields: readonly Field[],
): Partial<Record<Color, Record<Field, string>>> | NoData {
  const [header, ...rows] = answer.trim().split("\n");
  if (!header?.startsWith("# ")) {
    return { noData: `HAProxy answered "show stat" with ${JSON.stringify(answer.trim().slice(0, 120))}` };
  }
  const names = header.slice(2).split(",");
  const absent = fields.filter((field) => !names.includes(field));
  if (absent.length > 0) return { noData: `HAProxy's "show stat" has no ${absent.join(", ")} column` };
  const found: Partial<Record<Color, Record<Field, string>>> = {};
  for (const row of rows) {
    const cells = csvCells(row);
    const color = COLORS.find((c) => c === cells[names.indexOf("svname")]);
    if (cells[names.indexOf("pxname")] !== backend || color === undefined) continue;
    found[color] = Object.fromEntries(fields.map((field) => [field, cells[names.indexOf(field)] ?? ""])) as Record<
      Field,
      string
    >;
  }
  return found;
}
