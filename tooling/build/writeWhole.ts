/** Writes a file another process may read at any moment. */
import * as fs from "node:fs";

/** Writes `data` beside `file` and renames it into place: a concurrent reader sees the old file or the new, never half. */
export function writeWhole(file: string, data: string | NodeJS.ArrayBufferView): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, data);
  fs.renameSync(temp, file);
}
